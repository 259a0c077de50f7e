"""A pod its node evicts or rejects goes Failed; the StatefulSet deletes it and makes it again, with the same name,
hostname and claim (upstream's Conformance spec "Should recreate evicted statefulset")."""

from kubia_conformance.cluster.objects import claim_name, mounted_claims, uid_of, version_of
from kubia_conformance.evidence.identity import failed_pod_kept
from kubia_conformance.timing.clock import clock, now
from kubia_conformance.verdicts import expect, require

GUARANTEE = "a Failed pod is deleted and made again"


def test_a_failed_pod_is_deleted_and_made_again_with_its_identity(kubia):
    """kubia-1 is failed by its node: evicted by the kubelet for a scratch volume filled past its limit where
    containers run, by the simulated node's stage on the local cluster (backends/readiness.py make_failed).
    Span: from kubia-1 failed by its node until a new kubia-1 is Ready (its spec read then); the claims kept from
    before the failure to the end of the test. The Failed pod must be deleted before the StatefulSet's status counts
    it out: the controller does both in one sync."""
    kubia.deploy_ready(3, scratch=True)
    claims = kubia.claim_snapshot(guarantee=f"{GUARANTEE} (its claim and volume)")

    failed, counted = kubia.make_failed("kubia-1")
    counted_at = clock(now())
    kubia.timeline.sync()
    require(
        f"{GUARANTEE} (deleted by the set as it counts it out)",
        failed_pod_kept(kubia.timeline.states, failed.uid, version_of(counted), counted_at),
    )
    new = kubia.wait_replaced("kubia-1", failed.uid)

    expect(
        (new.spec.hostname, new.spec.subdomain, mounted_claims(new)) == ("kubia-1", "kubia", (claim_name("kubia-1"),)),
        GUARANTEE,
        f"the kubia-1 made again after it was Failed (uid {uid_of(new)[:8]}) has hostname {new.spec.hostname}, "
        f"subdomain {new.spec.subdomain} and mounts {', '.join(mounted_claims(new)) or 'nothing'}; expected kubia-1, "
        f"kubia, {claim_name('kubia-1')}",
    )
    require(f"{GUARANTEE} (its claim and volume)", kubia.lost_claims(claims))
