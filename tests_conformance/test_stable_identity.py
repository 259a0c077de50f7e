"""Stable identity: a deleted pod comes back as a new pod with the same name, hostname and subdomain."""

import pytest


def test_deleted_pod_comes_back_with_the_same_name_and_hostname(kubia):
    old = kubia.deploy_ready(2)["kubia-1"]

    kubia.delete_pod("kubia-1")
    new = kubia.wait_replaced("kubia-1", old.metadata.uid)

    assert new.metadata.uid != old.metadata.uid, "stable identity: kubia-1 was not replaced by a new pod"
    assert new.spec.hostname == "kubia-1", (
        f"stable identity: the new kubia-1 (uid {new.metadata.uid[:8]}) has spec.hostname {new.spec.hostname!r}, "
        "expected 'kubia-1'"
    )
    assert new.spec.subdomain == "kubia", (
        f"stable identity: the new kubia-1 (uid {new.metadata.uid[:8]}) has spec.subdomain {new.spec.subdomain!r}, "
        "expected the Service name 'kubia'"
    )


@pytest.mark.needs_containers
def test_hostname_inside_the_container_is_the_pod_name(kubia):
    old = kubia.deploy_ready(2)["kubia-1"]
    kubia.delete_pod("kubia-1")
    kubia.wait_replaced("kubia-1", old.metadata.uid)

    for pod in ("kubia-0", "kubia-1"):
        hostname = kubia.exec(pod, ["hostname"]).strip()
        assert hostname == pod, f"stable identity: `hostname` in {pod} says {hostname!r}"
