"""Peer discovery: the headless Service's SRV and per-pod A records, read with dnspython, follow the Ready pods."""

import pytest

from kubia_conformance.dns import a_records, srv_targets, wait_for_records

pytestmark = pytest.mark.needs_dns


@pytest.fixture
def names(kubia, cluster_domain):
    """DNS names of the kubia Service in the test's namespace."""

    class Names:
        service = f"kubia.{kubia.namespace}.svc.{cluster_domain}"
        srv = f"_http._tcp.{service}"

        @staticmethod
        def pod(name):
            return f"{name}.{Names.service}"

    return Names


def expect_srv(kubia, dns_access, names, timeouts, pods, why):
    expected = {(names.pod(p), 80) for p in pods}
    wait_for_records(
        lambda: srv_targets(dns_access, names.srv), expected, timeout=timeouts.dns_records,
        what=f"peer discovery ({why}): SRV {names.srv} must list exactly {sorted(pods)} on port 80",
    )


def expect_a(kubia, dns_access, names, timeouts, pod, ip, why):
    wait_for_records(
        lambda: a_records(dns_access, names.pod(pod)), {ip}, timeout=timeouts.dns_records,
        what=f"peer discovery ({why}): A {names.pod(pod)} must be {pod}'s IP {ip}",
    )


def test_srv_lists_exactly_the_ready_pods(kubia, dns_access, names, timeouts):
    kubia.deploy_ready(3)
    expect_srv(kubia, dns_access, names, timeouts, ["kubia-0", "kubia-1", "kubia-2"], "all Ready")

    kubia.hold("kubia-1")
    expect_srv(kubia, dns_access, names, timeouts, ["kubia-0", "kubia-2"], "kubia-1 not Ready")

    kubia.release("kubia-1")
    kubia.wait_ready(3)
    expect_srv(kubia, dns_access, names, timeouts, ["kubia-0", "kubia-1", "kubia-2"], "kubia-1 Ready again")


def test_each_pod_a_record_is_its_pod_ip(kubia, dns_access, names, timeouts):
    pods = kubia.deploy_ready(3)

    for name, pod in sorted(pods.items()):
        expect_a(kubia, dns_access, names, timeouts, name, pod.status.pod_ip, "per-pod A record")


def test_records_follow_scale_up_scale_down_and_a_replaced_pod(kubia, dns_access, names, timeouts):
    kubia.deploy_ready(2)
    expect_srv(kubia, dns_access, names, timeouts, ["kubia-0", "kubia-1"], "2 replicas")

    kubia.scale(3)
    pods = kubia.wait_ready(3)
    expect_srv(kubia, dns_access, names, timeouts, ["kubia-0", "kubia-1", "kubia-2"], "after scale-up to 3")
    expect_a(kubia, dns_access, names, timeouts, "kubia-2", pods["kubia-2"].status.pod_ip, "after scale-up")

    kubia.scale(1)
    kubia.wait_count(1)
    expect_srv(kubia, dns_access, names, timeouts, ["kubia-0"], "after scale-down to 1")
    wait_for_records(
        lambda: a_records(dns_access, names.pod("kubia-1")), set(), timeout=timeouts.dns_records,
        what="peer discovery (after scale-down): A record of the removed kubia-1 must be gone",
    )

    old = pods["kubia-0"]
    kubia.delete_pod("kubia-0")
    new = kubia.wait_replaced("kubia-0", old.metadata.uid)
    expect_a(kubia, dns_access, names, timeouts, "kubia-0", new.status.pod_ip, "replaced pod's new IP")
    expect_srv(kubia, dns_access, names, timeouts, ["kubia-0"], "after kubia-0 was replaced")
