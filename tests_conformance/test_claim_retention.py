"""Claim retention: claims outlive scale-down and are reattached on scale-up; a retention policy deletes them."""

import pytest

from kubia_conformance.objects import claim_name, describe_claim, is_usable, mounted_claims
from kubia_conformance.verdicts import expect

GUARANTEE = "claim retention"


def claim_uids(claims):
    return {name: claim.metadata.uid for name, claim in claims.items()}


def test_claims_survive_scale_down_and_are_reattached_on_scale_up(kubia, timeouts):
    kubia.deploy_ready(3)
    before = claim_uids(kubia.claims())

    kubia.scale(1)
    kubia.wait_count(1)
    kubia.timeline.quiet_window(timeouts.quiet_window)

    kept = kubia.claims()
    for name in ("data-kubia-1", "data-kubia-2"):
        claim = kept.get(name)
        expect(
            claim is not None,
            GUARANTEE,
            f"{name} was deleted after scale-down to 1 (claims: {', '.join(sorted(kept))})",
        )
        expect(
            claim.metadata.uid == before[name] and is_usable(claim),
            GUARANTEE,
            f"after scale-down {describe_claim(claim)}; it was Bound with uid {before[name][:8]}",
        )

    kubia.scale(3)
    pods = kubia.wait_ready(3)

    after = claim_uids(kubia.claims())
    changed = sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
    expect(not changed, GUARANTEE, f"claims {', '.join(changed)} changed uid across scale-down and scale-up")
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
    kubia.deploy_ready(2, retention_policy={"whenScaled": "Retain", "whenDeleted": "Delete"})

    kubia.delete("Background")

    kubia.wait_claims(
        lambda claims: not claims,
        "claim retention policy whenDeleted=Delete: every claim to be removed with the StatefulSet",
    )
