"""Claim retention: claims outlive scale-down and are reattached on scale-up; a retention policy deletes them."""

import pytest

from kubia_conformance.kubia import claim_name


def claim_uids(claims):
    return {name: claim.metadata.uid for name, claim in claims.items()}


def test_claims_survive_scale_down_and_are_reattached_on_scale_up(kubia, timeouts):
    kubia.deploy_ready(3)
    before = claim_uids(kubia.claims())

    kubia.scale(1)
    kubia.wait_count(1)
    kubia.timeline.hold(timeouts.hold)

    kept = kubia.claims()
    for name in ("data-kubia-1", "data-kubia-2"):
        claim = kept.get(name)
        assert claim is not None, f"claim retention: {name} was deleted after scale-down to 1 (claims: {sorted(kept)})"
        assert claim.metadata.uid == before[name] and claim.status.phase == "Bound" and not claim.metadata.deletion_timestamp, (
            f"claim retention: after scale-down {name} is {claim.status.phase}"
            f"{', terminating' if claim.metadata.deletion_timestamp else ''} with uid {claim.metadata.uid[:8]} "
            f"(was Bound, uid {before[name][:8]})"
        )

    kubia.scale(3)
    pods = kubia.wait_ready(3)

    after = claim_uids(kubia.claims())
    assert after == before, f"claim retention: claims changed across scale-down and scale-up: {before} -> {after}"
    for name, pod in pods.items():
        mounted = [v.persistent_volume_claim.claim_name for v in pod.spec.volumes if v.persistent_volume_claim]
        assert mounted == [claim_name(name)], f"claim retention: {name} mounts {mounted} after scale-up"


@pytest.fixture
def retention_policy(capabilities):
    if not capabilities.retention_policy:
        pytest.skip("needs persistentVolumeClaimRetentionPolicy: the server drops the field (Kubernetes < 1.27)")


@pytest.mark.usefixtures("retention_policy")
def test_when_scaled_delete_removes_the_claims_of_removed_ordinals(kubia):
    kubia.deploy_ready(3, retention_policy={"whenScaled": "Delete", "whenDeleted": "Retain"})

    kubia.scale(1)
    kubia.wait_count(1)

    claims = kubia.wait_claims(
        lambda claims: set(claims) == {"data-kubia-0"},
        "claim retention policy whenScaled=Delete: only data-kubia-0 to remain after scale-down to 1",
    )
    assert claims["data-kubia-0"].status.phase == "Bound"


@pytest.mark.usefixtures("retention_policy")
def test_when_deleted_delete_removes_the_claims_with_the_statefulset(kubia):
    kubia.deploy_ready(2, retention_policy={"whenScaled": "Retain", "whenDeleted": "Delete"})

    kubia.delete("Background")

    kubia.wait_claims(
        lambda claims: not claims,
        "claim retention policy whenDeleted=Delete: every claim to be removed with the StatefulSet",
    )
