"""Claim retention: claims outlive scale-down and are reattached on scale-up; a retention policy deletes them."""

import pytest

from kubia_conformance.cluster.objects import claim_name, describe_claim, is_usable, mounted_claims
from kubia_conformance.verdicts import expect, require

GUARANTEE = "claim retention"


def test_claims_survive_scale_down_and_are_reattached_on_scale_up(kubia, timeouts):
    """Span: from the claim snapshot (all 3 Ready) to the end of the test: the claim watch holds every claim to staying
    Bound, unmarked and on its volume throughout, not only at the two reads."""
    kubia.deploy_ready(3)
    claims = kubia.claim_snapshot()

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
