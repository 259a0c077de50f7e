"""Ordered scaling: scale-down removes the highest ordinal first, one pod at a time, while the pods that stay are
Ready; scale-up adds the next ordinal once its predecessor is Ready."""

from kubia_conformance.evidence.ordering import (
    creation_order_violations,
    removal_order,
    scale_down_readiness_violations,
    scale_down_violations,
)
from kubia_conformance.evidence.states import creations
from kubia_conformance.verdicts import expect, require


def test_scale_down_removes_the_highest_ordinal_first_one_at_a_time(kubia):
    """Span: from the scale request until one pod remains."""
    kubia.deploy_ready(3)
    mark = kubia.timeline.sync()

    kubia.scale(1)
    kubia.wait_count(1)

    seen = kubia.timeline.since(mark)
    require(
        "ordered scale-down broken",
        scale_down_violations(seen) + scale_down_readiness_violations(kubia.timeline.states, mark),
    )
    removed = removal_order(seen)
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
