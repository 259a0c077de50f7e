"""Deletion: scaling to 0 terminates pods in reverse order; cascade Orphan leaves the pods, Background and
Foreground remove them."""

import pytest

from kubia_conformance.ordering import replacements, scale_down_violations
from kubia_conformance.verdicts import expect, require


def test_scaling_to_zero_terminates_pods_in_reverse_order(kubia):
    kubia.deploy_ready(3)
    mark = kubia.timeline.mark()

    kubia.scale(0)
    kubia.wait_count(0)

    seen = kubia.timeline.since(mark)
    require("deletion by scaling to 0", scale_down_violations(seen))
    removed = [s.name for s in seen if not s.exists]
    expect(
        removed == ["kubia-2", "kubia-1", "kubia-0"],
        "deletion by scaling to 0",
        f"pods were removed in the order {', '.join(removed)}, expected kubia-2, kubia-1, kubia-0",
    )


def test_orphan_cascade_leaves_the_pods_in_place(kubia, timeouts):
    pods = kubia.deploy_ready(2)

    kubia.delete("Orphan")
    window = kubia.timeline.quiet_window(timeouts.quiet_window)

    require("cascade Orphan", replacements(kubia.timeline.window(window), set(pods)))
    remaining = kubia.pods()
    before = {n: p.metadata.uid for n, p in pods.items()}
    after = {n: p.metadata.uid for n, p in remaining.items()}
    expect(
        before == after,
        "cascade Orphan",
        f"the pods changed: {', '.join(f'{n} {u[:8]}' for n, u in sorted(before.items()))} became "
        f"{', '.join(f'{n} {u[:8]}' for n, u in sorted(after.items())) or 'none'}",
    )
    owned = sorted(n for n, p in remaining.items() if p.metadata.owner_references)
    expect(not owned, "cascade Orphan", f"{', '.join(owned)} still name the deleted StatefulSet as owner")


@pytest.mark.parametrize("cascade", ["Background", "Foreground"])
def test_cascading_delete_removes_the_pods(kubia, cascade):
    kubia.deploy_ready(2)

    kubia.delete(cascade)

    kubia.wait_count(0)
