"""Stable storage: each pod keeps its own claim; a recreated pod mounts the same claim and volume, data included."""

import pytest

from kubia_conformance.cluster.objects import claim_name, mounted_claims
from kubia_conformance.verdicts import expect, require

GUARANTEE = "stable storage"


def test_recreated_pod_mounts_the_same_claim_and_volume(kubia):
    """Span: the claims kept from before the delete to the end of the test (claim watch); at most one pod per
    claim over the whole test, counting pods without the StatefulSet's labels."""
    old = kubia.deploy_ready(2)["kubia-1"]
    claims = kubia.claim_snapshot()

    kubia.delete_pod("kubia-1")
    new = kubia.wait_replaced("kubia-1", old.metadata.uid)

    expect(
        mounted_claims(new) == (claim_name("kubia-1"),),
        GUARANTEE,
        f"the new kubia-1 mounts {', '.join(mounted_claims(new)) or 'nothing'}, expected only {claim_name('kubia-1')}",
    )
    require(f"{GUARANTEE} (the claims and their volumes, after kubia-1 was recreated)", kubia.lost_claims(claims))


@pytest.mark.needs_containers
def test_posted_data_survives_pod_recreation_and_scaling_to_zero(kubia):
    """Span: the data is read back once, after recreation and scaling to 0 and back."""
    kubia.deploy_ready(2)
    for pod in ("kubia-0", "kubia-1"):
        kubia.http(pod, "POST", f"written to {pod}")

    old = kubia.pods()["kubia-1"]
    kubia.delete_pod("kubia-1")
    kubia.wait_replaced("kubia-1", old.metadata.uid)
    kubia.scale(0)
    kubia.wait_count(0)
    kubia.scale(2)
    kubia.wait_ready(2)

    for pod in ("kubia-0", "kubia-1"):
        answer = kubia.http(pod, "GET")
        expect(f"written to {pod}" in answer, GUARANTEE, f"{pod} lost its data; it answers: {answer.strip()}")
