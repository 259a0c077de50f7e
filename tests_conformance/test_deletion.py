"""Deletion: scaling to 0 terminates pods in reverse order; cascade Orphan leaves the pods, Background and
Foreground remove them (Foreground before the StatefulSet itself goes). Whatever the deletion, the claims outlive
it, unchanged and usable, and a new StatefulSet of the same name reattaches them."""

import pytest

from kubia_conformance.cluster.objects import claim_name, mounted_claims, name_of, uid_of
from kubia_conformance.evidence.ordering import ORDERED_SCALE_DOWN, removal_order, replacements, scale_down
from kubia_conformance.verdicts import expect, require

KEPT = "claims outlive the deletion (retention policy Retain)"


def test_scaling_to_zero_terminates_pods_in_reverse_order(kubia):
    """Span: from the scale request until no pod remains; the claims kept from before it to the end of the test."""
    kubia.deploy_ready(3)
    claims = kubia.claim_snapshot()
    mark = kubia.timeline.sync()
    kubia.timeline.invariants.append((ORDERED_SCALE_DOWN, scale_down(mark, uid_of(kubia.statefulset()))))

    kubia.scale(0)
    kubia.wait_count(0)

    removed = removal_order(kubia.timeline.since(mark))
    expect(
        removed == ["kubia-2", "kubia-1", "kubia-0"],
        "deletion by scaling to 0",
        f"pods were removed in the order {', '.join(removed)}, expected kubia-2, kubia-1, kubia-0",
    )
    require(f"{KEPT}: scale to 0", kubia.lost_claims(claims))


def test_orphan_cascade_leaves_the_pods_in_place(kubia, timeouts):
    """Span: from the delete request to the end of the quiet window after the StatefulSet is gone: no pod
    replaced or removed; the claims kept for the rest of the test."""
    pods = kubia.deploy_ready(2)
    claims = kubia.claim_snapshot()

    requested = kubia.timeline.sync()
    kubia.delete("Orphan")
    window = kubia.timeline.quiet_window(timeouts.quiet_window, since=requested)

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
    require(f"{KEPT}: cascade Orphan", kubia.lost_claims(claims))


@pytest.mark.parametrize("cascade", ["Background", "Foreground"])
def test_cascading_delete_removes_the_pods(kubia, cascade):
    """Span for Foreground: from the delete until the StatefulSet is gone, by then no pod may remain."""
    kubia.deploy_ready(2)
    claims = kubia.claim_snapshot(guarantee=f"{KEPT}: cascade {cascade}")

    kubia.delete(cascade)
    if cascade == "Foreground":
        kubia.timeline.sync()
        left = sorted(kubia.timeline.current())
        expect(not left, "cascade Foreground", f"the StatefulSet was gone while {', '.join(left)} still existed")

    kubia.wait_count(0)
    require(f"{KEPT}: cascade {cascade}", kubia.lost_claims(claims))


def test_a_new_statefulset_of_the_same_name_reattaches_the_claims(kubia):
    """Span: the claims kept from before the delete to the end of the test (claim watch); the new pods as they
    become Ready."""
    kubia.deploy_ready(2)
    claims = kubia.claim_snapshot(guarantee="claims reattached by a new StatefulSet of the same name")

    kubia.delete("Background")
    kubia.wait_count(0)
    kubia.create_statefulset(2)
    pods = kubia.wait_ready(2)

    require("claims reattached by a new StatefulSet of the same name", kubia.lost_claims(claims))
    for name, pod in sorted(pods.items()):
        expect(
            mounted_claims(pod) == (claim_name(name),),
            "claims reattached by a new StatefulSet of the same name",
            f"the new {name_of(pod)} mounts {', '.join(mounted_claims(pod)) or 'nothing'}, not {claim_name(name)}",
        )
