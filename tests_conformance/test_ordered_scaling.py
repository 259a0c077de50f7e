"""Ordered scaling: scale-down removes the highest ordinal first, one pod at a time, while the pods that stay are
Ready; scale-up adds the next ordinal once its predecessor is Ready."""

from kubia_conformance.cluster.objects import uid_of
from kubia_conformance.evidence.ordering import ORDERED_SCALE_DOWN, creation_order_violations, removal_order, scale_down
from kubia_conformance.evidence.states import creations
from kubia_conformance.verdicts import expect, require


def test_scale_down_removes_the_highest_ordinal_first_one_at_a_time(kubia):
    """Span: from the scale request until one pod remains."""
    kubia.deploy_ready(3)
    mark = kubia.timeline.sync()
    kubia.timeline.invariants.append((ORDERED_SCALE_DOWN, scale_down(mark, uid_of(kubia.statefulset()))))

    kubia.scale(1)
    kubia.wait_count(1)

    removed = removal_order(kubia.timeline.since(mark))
    expect(
        removed == ["kubia-2", "kubia-1"],
        "ordered scale-down",
        f"pods were removed in the order {', '.join(removed)}, expected kubia-2, kubia-1",
    )


def test_scale_up_adds_the_next_unused_ordinal(kubia):
    """Span: from the scale request until 3 pods are Ready."""
    kubia.deploy_ready(2)
    mark = kubia.timeline.sync()

    kubia.scale(3)
    kubia.wait_ready(3)

    require("ordered creation (OrderedReady) broken", creation_order_violations(kubia.timeline.states))
    added = [s.name for s in creations(kubia.timeline.since(mark))]
    expect(
        added == ["kubia-2"],
        "ordered scale-up",
        f"scaling 2 -> 3 created {', '.join(added) or 'nothing'}, expected only kubia-2",
    )
