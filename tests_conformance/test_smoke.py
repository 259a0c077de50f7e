"""Smoke: the book's kubia StatefulSet deploys, every replica becomes Ready, and each pod gets its own Bound claim."""

from kubia_conformance.cluster.objects import claim_name, describe_claim, is_usable, mounted_claims
from kubia_conformance.kubia.build import pod_names
from kubia_conformance.verdicts import expect

REPLICAS = 3


def test_kubia_deploys_with_one_bound_claim_per_pod(kubia):
    """Span: from the StatefulSet's creation until every pod is Ready; claims read then."""
    kubia.deploy(replicas=REPLICAS)

    pods = kubia.wait_ready(REPLICAS)

    claims = kubia.claims()
    for name, pod in sorted(pods.items()):
        mounted = mounted_claims(pod)
        expect(
            mounted == (claim_name(name),),
            "stable storage",
            f"{name} should mount only {claim_name(name)}, mounts {', '.join(mounted) or 'nothing'}",
        )
        claim = claims.get(claim_name(name))
        expect(
            claim is not None,
            "stable storage",
            f"claim {claim_name(name)} of {name} does not exist (claims: {', '.join(sorted(claims)) or 'none'})",
        )
        expect(is_usable(claim), "stable storage", f"claim {describe_claim(claim)}, not Bound")
    expect(
        sorted(claims) == sorted(claim_name(p) for p in pod_names(REPLICAS)),
        "one claim per pod",
        f"expected {REPLICAS} claims, saw {', '.join(sorted(claims))}",
    )
