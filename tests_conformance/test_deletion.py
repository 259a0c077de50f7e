"""Deletion: scaling to 0 terminates pods in reverse order; cascade Orphan leaves the pods, Background and
Foreground remove them."""

import pytest

from kubia_conformance.ordering import scale_down_violations


def test_scaling_to_zero_terminates_pods_in_reverse_order(kubia):
    kubia.deploy_ready(3)
    mark = kubia.timeline.last_seq

    kubia.scale(0)
    kubia.wait_count(0)

    seen = kubia.timeline.since(mark)
    violations = scale_down_violations(seen)
    assert not violations, "deletion by scaling to 0 broken: " + "; ".join(violations)
    removed = [s.name for s in seen if s.event == "DELETED"]
    assert removed == ["kubia-2", "kubia-1", "kubia-0"], f"scaling to 0 removed pods in the order {removed}"


def test_orphan_cascade_leaves_the_pods_in_place(kubia, timeouts):
    pods = kubia.deploy_ready(2)

    kubia.delete("Orphan")
    window = kubia.timeline.hold(timeouts.hold)

    touched = [s for s in kubia.timeline.window(window) if s.terminating or s.event == "DELETED"]
    assert not touched, f"cascade Orphan: {touched[0].name} was deleted at {touched[0].when}"
    remaining = kubia.pods()
    assert {n: p.metadata.uid for n, p in remaining.items()} == {n: p.metadata.uid for n, p in pods.items()}, (
        f"cascade Orphan: pods changed: {sorted(pods)} -> {sorted(remaining)}"
    )
    owned = [n for n, p in remaining.items() if p.metadata.owner_references]
    assert not owned, f"cascade Orphan: {owned} still name the deleted StatefulSet as owner"


@pytest.mark.parametrize("cascade", ["Background", "Foreground"])
def test_cascading_delete_removes_the_pods(kubia, cascade):
    kubia.deploy_ready(2)

    kubia.delete(cascade)

    kubia.wait_count(0)
