"""Claim retention: claims outlive scale-down and are reattached on scale-up; a retention policy deletes them, but
never a claim another controller owns, and it follows a pod the set adopted."""

import pytest

from kubia_conformance.cluster.objects import (
    claim_name,
    controller_uid,
    describe_claim,
    is_usable,
    mounted_claims,
    name_of,
    uid_of,
)
from kubia_conformance.cluster.retry import api
from kubia_conformance.evidence.claims import passed_over
from kubia_conformance.evidence.identity import left_alone
from kubia_conformance.kubia.build import own_pods
from kubia_conformance.verdicts import expect, require

GUARANTEE = "claim retention"
ADOPTED = "claim retention of an adopted pod"


def test_claims_survive_scale_down_and_are_reattached_on_scale_up(kubia, timeouts):
    """Span: from the claim snapshot (all 3 Ready) to the end of the test: the claim watch holds every claim to staying
    Bound, unmarked and on its volume throughout, not only at the two reads."""
    kubia.deploy_ready(3)
    claims = kubia.claim_snapshot(guarantee=GUARANTEE)

    kubia.scale(1)
    kubia.wait_count(1)
    kubia.timeline.quiet_window(timeouts.quiet_window)
    require(f"{GUARANTEE} after scale-down to 1", kubia.lost_claims(claims))

    kubia.scale(3)
    pods = kubia.wait_ready(3)

    require(f"{GUARANTEE} after scale-up to 3", kubia.lost_claims(claims))
    for name, pod in sorted(pods.items()):
        expect(
            mounted_claims(pod) == (claim_name(name),),
            GUARANTEE,
            f"{name} mounts {', '.join(mounted_claims(pod)) or 'no claim'} after scale-up, not {claim_name(name)}",
        )


@pytest.fixture
def retention_policy(capabilities):
    if not capabilities.retention_policy:
        pytest.skip("needs persistentVolumeClaimRetentionPolicy: the server drops the field (Kubernetes < 1.27)")


@pytest.mark.usefixtures("retention_policy")
def test_when_scaled_delete_removes_the_claims_of_removed_ordinals(kubia):
    """Span: from the scale-down until only data-kubia-0 remains (claim watch); data-kubia-0 read then."""
    kubia.deploy_ready(3, retention_policy={"whenScaled": "Delete", "whenDeleted": "Retain"})

    kubia.scale(1)
    kubia.wait_count(1)

    claims = kubia.wait_claims(
        lambda claims: set(claims) == {"data-kubia-0"},
        "claim retention policy whenScaled=Delete: only data-kubia-0 to remain after scale-down to 1",
    )
    kept = claims["data-kubia-0"]
    expect(
        is_usable(kept),
        "claim retention policy whenScaled=Delete",
        f"the claim of the remaining pod is not kept: {describe_claim(kept)}",
    )


@pytest.mark.usefixtures("retention_policy")
def test_when_deleted_delete_removes_the_claims_with_the_statefulset(kubia):
    """Span: from the delete until no claim remains (claim watch)."""
    kubia.deploy_ready(2, retention_policy={"whenScaled": "Retain", "whenDeleted": "Delete"})

    kubia.delete("Background")

    kubia.wait_claims(
        lambda claims: not claims,
        "claim retention policy whenDeleted=Delete: every claim to be removed with the StatefulSet",
    )


@pytest.mark.usefixtures("retention_policy")
@pytest.mark.parametrize("when", ["whenScaled", "whenDeleted"])
def test_a_claim_another_controller_owns_is_never_deleted_by_a_delete_policy(kubia, when):
    """Span: data-kubia-1, given another controller (a ConfigMap) as its owner, is kept from then to the end of the
    test (claim watch); the other claims until they are gone after the scale-down to 0 (whenScaled=Delete) or the
    StatefulSet's deletion (whenDeleted=Delete), as the policy has them removed (upstream: "should not delete PVC with
    OnScaledown policy if another controller owns the PVC", "should not delete PVCs when there is another
    controller")."""
    other = "whenDeleted" if when == "whenScaled" else "whenScaled"
    kubia.deploy_ready(3, retention_policy={when: "Delete", other: "Retain"})
    owner = api(
        kubia.cluster.core.create_namespaced_config_map,
        kubia.namespace,
        {"metadata": {"name": "kubia-foreign-owner"}},
    )
    reference = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "name": name_of(owner),
        "uid": uid_of(owner),
        "controller": True,
    }
    api(
        kubia.cluster.core.patch_namespaced_persistent_volume_claim,
        claim_name("kubia-1"),
        kubia.namespace,
        [{"op": "add", "path": "/metadata/ownerReferences", "value": [reference]}],  # in place of the set's, if any
    )
    kept = kubia.claim_snapshot({claim_name("kubia-1")}, f"{GUARANTEE} (a claim another controller owns)")

    if when == "whenScaled":
        kubia.scale(0)
        kubia.wait_count(0)
    else:
        kubia.delete("Background")
    kubia.wait_claims(
        lambda claims: set(claims) == {claim_name("kubia-1")},
        f"claim retention policy {when}=Delete: only data-kubia-1, which another controller owns, to remain",
    )
    require(f"{GUARANTEE} (a claim another controller owns)", kubia.lost_claims(kept))


@pytest.mark.usefixtures("retention_policy")
def test_the_claims_of_an_adopted_pod_follow_the_policy(kubia):
    """Span: from the orphaning of kubia-2 until the end of a quiet window after it is adopted again, the same pod
    (uid, never deleted); then from the scale-down to 1 until only data-kubia-0 remains (claim watch), no claim
    passed over by the garbage collector while it deletes another whose pod went later."""
    kubia.deploy_ready(3, retention_policy={"whenScaled": "Delete", "whenDeleted": "Retain"})
    owner = uid_of(kubia.statefulset())

    orphan = kubia.timeline.current()["kubia-2"]
    kept = (f"{ADOPTED} (the orphan is adopted, not replaced)", left_alone("kubia-2", uid_of(orphan)))
    kubia.timeline.invariants.append(kept)
    orphaned = kubia.timeline.sync()
    kubia.orphan("kubia-2")
    kubia.wait_pods(
        lambda pods: (
            "kubia-2" in pods and uid_of(pods["kubia-2"]) == uid_of(orphan) and controller_uid(pods["kubia-2"]) == owner
        ),
        f"the StatefulSet to adopt the orphaned kubia-2 (uid {uid_of(orphan)[:8]}) again",
    )
    kubia.timeline.quiet_window(kubia.timeouts.quiet_window, since=orphaned)
    kubia.timeline.invariants.remove(kept)
    collected = (f"{ADOPTED} (the garbage collector deletes it with its pod)", passed_over_beside(kubia))
    kubia.claim_timeline.invariants.append(collected)
    kubia.scale(1)
    kubia.wait_pods(
        lambda pods: set(own_pods(pods)) == {"kubia-0"},
        "only kubia-0 to remain after the scale-down to 1",
    )
    kubia.wait_claims(
        lambda claims: set(claims) == {claim_name("kubia-0")},
        "claim retention policy whenScaled=Delete, kubia-2 adopted again: only data-kubia-0 to remain",
    )


def passed_over_beside(kubia):
    """The passed-over rule of the claim timeline, read beside the pods as the pod watch recorded them."""
    return lambda claims: passed_over(claims, kubia.timeline.recorded()[0])
