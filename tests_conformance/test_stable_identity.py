"""Stable identity: a deleted or evicted pod comes back as a new pod with the same name, hostname and subdomain (and,
evicted, the same claim)."""

import pytest

from kubia_conformance.cluster.objects import claim_name, mounted_claims, uid_of
from kubia_conformance.verdicts import expect, require

GUARANTEE = "stable identity"


def test_deleted_pod_comes_back_with_the_same_name_and_hostname(kubia):
    """Span: from the delete until the new kubia-1 is Ready (its spec read then); at most one pod per identity and
    claim over the whole test."""
    old = kubia.deploy_ready(2)["kubia-1"]

    kubia.delete_pod("kubia-1")
    new = kubia.wait_replaced("kubia-1", old.metadata.uid)

    expect(
        new.spec.hostname == "kubia-1",
        GUARANTEE,
        f"the new kubia-1 (uid {new.metadata.uid[:8]}) has spec.hostname {new.spec.hostname}, expected kubia-1",
    )
    expect(
        new.spec.subdomain == "kubia",
        GUARANTEE,
        f"the new kubia-1 (uid {new.metadata.uid[:8]}) has spec.subdomain {new.spec.subdomain}, "
        "expected the Service name kubia",
    )


@pytest.mark.needs_containers
def test_hostname_inside_the_container_is_the_pod_name(kubia):
    """Span: after the recreated pod is Ready, one exec per pod."""
    old = kubia.deploy_ready(2)["kubia-1"]
    kubia.delete_pod("kubia-1")
    kubia.wait_replaced("kubia-1", old.metadata.uid)

    for pod in ("kubia-0", "kubia-1"):
        hostname = kubia.exec(pod, ["hostname"]).strip()
        expect(hostname == pod, GUARANTEE, f"`hostname` in {pod} says {hostname}")


def test_an_evicted_pod_comes_back_with_the_same_name_hostname_and_claim(kubia):
    """Span: the claims kept from before the eviction to the end of the test (claim watch); the new kubia-1 read
    once Ready. An eviction (a node drain's way of removing a pod) is a deletion the StatefulSet must make good."""
    old = kubia.deploy_ready(2)["kubia-1"]
    claims = kubia.claim_snapshot(guarantee=f"{GUARANTEE} (eviction: the claims and their volumes)")

    kubia.evict("kubia-1")
    new = kubia.wait_replaced("kubia-1", uid_of(old))

    expect(
        (new.spec.hostname, new.spec.subdomain, mounted_claims(new)) == ("kubia-1", "kubia", (claim_name("kubia-1"),)),
        f"{GUARANTEE} (eviction)",
        f"the kubia-1 recreated after its eviction (uid {uid_of(new)[:8]}) has hostname {new.spec.hostname}, "
        f"subdomain {new.spec.subdomain} and mounts {', '.join(mounted_claims(new)) or 'nothing'}; expected kubia-1, "
        f"kubia, {claim_name('kubia-1')}",
    )
    require(f"{GUARANTEE} (eviction: the claims and their volumes)", kubia.lost_claims(claims))
