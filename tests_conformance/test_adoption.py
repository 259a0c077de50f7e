"""Adoption and release: an orphaned pod whose labels match the StatefulSet's selector is adopted again and stays
the set's; a pod whose labels stop matching is released, its owner reference removed and the pod left alone, and
once it is gone the set recreates its identity with the same name, hostname and claim."""

from kubia_conformance.cluster.objects import claim_name, controller_uid, mounted_claims, owner_uids, uid_of
from kubia_conformance.evidence.identity import controller_losses, left_alone, released_for_good
from kubia_conformance.verdicts import expect, require

ADOPTION = "adoption"
RELEASE = "release (a released pod is left alone)"


def test_an_orphaned_pod_is_adopted_again_and_stays_the_sets(kubia, timeouts):
    """Span: from the orphaning to the end of the quiet window after the adoption: kubia-1, the same pod (uid, never
    deleted: the pod watch holds it to that from the orphaning on), gets the StatefulSet as its controller again
    and keeps it."""
    old = kubia.deploy_ready(2)["kubia-1"]
    owner = uid_of(kubia.statefulset())

    kubia.timeline.invariants.append(
        (f"{ADOPTION} (the orphan is adopted, not replaced)", left_alone("kubia-1", uid_of(old)))
    )
    kubia.orphan("kubia-1")
    kubia.wait_pod(
        adopted(uid_of(old), owner), f"the StatefulSet to adopt the orphaned kubia-1 (uid {uid_of(old)[:8]}) again"
    )
    since = kubia.timeline.sync()
    window = kubia.timeline.quiet_window(timeouts.quiet_window, since=since)

    require(
        f"{ADOPTION} (the adopted pod stays the set's)",
        controller_losses(kubia.timeline.window(window), uid_of(old), owner),
    )


def adopted(uid, owner):
    """Finds pod incarnation uid once owner (a uid) is its controller."""
    return lambda pods: next((p for p in pods.values() if uid_of(p) == uid and controller_uid(p) == owner), None)


def test_a_pod_whose_labels_stop_matching_is_released_and_its_identity_recreated(kubia, timeouts):
    """Span: the released pod is left alone from the label change until the test deletes it, and refers to the set
    by no ownerReference once released; the claims are kept for the whole test; the recreated kubia-1 is read once
    Ready."""
    old = kubia.deploy_ready(2)["kubia-1"]
    owner = uid_of(kubia.statefulset())
    claims = kubia.claim_snapshot()
    untouched = (RELEASE, left_alone("kubia-1", uid_of(old)))
    let_go = ("release (a released pod is no longer the set's)", released_for_good("kubia-1", uid_of(old), owner))
    kubia.timeline.invariants += [untouched, let_go]

    changed = kubia.timeline.sync()
    kubia.relabel("kubia-1", {"app": None}, "released: its app label removed")
    kubia.wait_pod(
        lambda pods: pods.get("kubia-1") if "kubia-1" in pods and owner not in owner_uids(pods["kubia-1"]) else None,
        f"the StatefulSet to remove every reference to itself from kubia-1 (uid {uid_of(old)[:8]}), whose labels no "
        "longer match",
    )
    window = kubia.timeline.quiet_window(timeouts.quiet_window, since=changed)
    require(RELEASE, untouched[1](kubia.timeline.window(window)))

    kubia.timeline.invariants.remove(untouched)
    kubia.timeline.invariants.remove(let_go)
    kubia.delete_pod("kubia-1", uid=uid_of(old))
    new = kubia.wait_replaced("kubia-1", uid_of(old))

    identity = (new.spec.hostname, new.spec.subdomain, mounted_claims(new), controller_uid(new))
    expect(
        identity == ("kubia-1", "kubia", (claim_name("kubia-1"),), owner),
        "release (the identity recreated)",
        f"the recreated kubia-1 (uid {uid_of(new)[:8]}) has hostname {new.spec.hostname}, subdomain "
        f"{new.spec.subdomain}, mounts {', '.join(mounted_claims(new)) or 'nothing'} and is "
        f"{'controlled by uid ' + controller_uid(new)[:8] if controller_uid(new) else 'without a controller'}; "
        f"expected kubia-1, kubia, {claim_name('kubia-1')}, the StatefulSet (uid {owner[:8]})",
    )
    require("release (the claims, after the identity was recreated)", kubia.lost_claims(claims))
