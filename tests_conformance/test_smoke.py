"""Smoke: the book's kubia StatefulSet deploys, every replica becomes Ready, and each pod gets its own Bound claim."""

from kubia_conformance.kubia import claim_name, pod_names

REPLICAS = 3


def test_kubia_deploys_with_one_bound_claim_per_pod(kubia):
    kubia.deploy(replicas=REPLICAS)

    pods = kubia.wait_ready(REPLICAS)

    assert sorted(pods) == pod_names(REPLICAS), f"StatefulSet pod names: expected kubia-0..{REPLICAS - 1}, saw {sorted(pods)}"
    claims = kubia.claims()
    for name, pod in sorted(pods.items()):
        mounted = [v.persistent_volume_claim.claim_name for v in pod.spec.volumes if v.persistent_volume_claim]
        assert mounted == [claim_name(name)], f"stable storage: {name} should mount only {claim_name(name)}, mounts {mounted}"
        claim = claims.get(claim_name(name))
        assert claim is not None, f"stable storage: claim {claim_name(name)} of {name} does not exist (claims: {sorted(claims)})"
        assert claim.status.phase == "Bound", f"stable storage: claim {claim.metadata.name} is {claim.status.phase}, not Bound"
    assert len(claims) == REPLICAS, f"one claim per pod: expected {REPLICAS} claims, saw {sorted(claims)}"
