"""Stable storage: each pod keeps its own claim; a recreated pod mounts the same claim and volume, data included."""

import pytest

from kubia_conformance.kubia import claim_name


def mounted_claims(pod):
    return [v.persistent_volume_claim.claim_name for v in pod.spec.volumes or [] if v.persistent_volume_claim]


def test_recreated_pod_mounts_the_same_claim_and_volume(kubia):
    old = kubia.deploy_ready(2)["kubia-1"]
    before = kubia.claims()[claim_name("kubia-1")]

    kubia.delete_pod("kubia-1")
    new = kubia.wait_replaced("kubia-1", old.metadata.uid)

    after = kubia.claims().get(claim_name("kubia-1"))
    assert mounted_claims(new) == [claim_name("kubia-1")], (
        f"stable storage: the new kubia-1 mounts {mounted_claims(new)}, expected only data-kubia-1"
    )
    assert after is not None, "stable storage: claim data-kubia-1 is gone after kubia-1 was recreated"
    assert after.metadata.uid == before.metadata.uid, (
        f"stable storage: data-kubia-1 is a new claim (uid {after.metadata.uid[:8]}, was {before.metadata.uid[:8]})"
    )
    assert (after.spec.volume_name, after.status.phase) == (before.spec.volume_name, "Bound"), (
        f"stable storage: data-kubia-1 is {after.status.phase} on volume {after.spec.volume_name}, "
        f"was Bound on {before.spec.volume_name}"
    )


@pytest.mark.needs_containers
def test_posted_data_survives_pod_recreation_and_scaling_to_zero(kubia):
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
        assert f"written to {pod}" in answer, f"stable storage: {pod} lost its data; it answers {answer!r}"
