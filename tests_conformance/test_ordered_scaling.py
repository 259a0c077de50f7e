"""Ordered scaling: scale-down removes the highest ordinal first, one pod at a time; scale-up adds the next ordinal."""

from kubia_conformance.ordering import scale_down_violations
from kubia_conformance.timeline import creations


def test_scale_down_removes_the_highest_ordinal_first_one_at_a_time(kubia):
    kubia.deploy_ready(3)
    mark = kubia.timeline.last_seq

    kubia.scale(1)
    kubia.wait_count(1)

    seen = kubia.timeline.since(mark)
    violations = scale_down_violations(seen)
    assert not violations, "ordered scale-down broken: " + "; ".join(violations)
    removed = [s.name for s in seen if s.event == "DELETED"]
    assert removed == ["kubia-2", "kubia-1"], f"ordered scale-down: pods removed in the order {removed}"


def test_scale_up_adds_the_next_unused_ordinal(kubia):
    kubia.deploy_ready(2)
    mark = kubia.timeline.last_seq

    kubia.scale(3)
    kubia.wait_ready(3)

    added = [s.name for s in creations(kubia.timeline.since(mark))]
    assert added == ["kubia-2"], f"ordered scale-up: scaling 2 -> 3 created {added}, expected only kubia-2"
