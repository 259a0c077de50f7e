"""Peer discovery: the headless Service's SRV and per-pod A records, read with dnspython, follow the Ready pods.

Each expected answer must arrive within the DNS timeout and then hold, unchanged, over several more reads; where
several cluster DNS endpoints serve, each of them is asked."""

from dataclasses import dataclass

import pytest

from kubia_conformance.dns import DnsAccess, a_records, endpoints, srv_targets, wait_for_records
from kubia_conformance.timeouts import Timeouts

pytestmark = pytest.mark.needs_dns


@dataclass(frozen=True)
class Records:
    """The kubia Service's records in the test's namespace, and the waits for what they must say."""

    access: DnsAccess
    service: str
    timeout: float

    @property
    def srv(self) -> str:
        return f"_http._tcp.{self.service}"

    def pod(self, name: str) -> str:
        return f"{name}.{self.service}"

    def expect_srv(self, pods: list[str], why: str) -> None:
        for endpoint in endpoints(self.access):
            wait_for_records(
                lambda endpoint=endpoint: srv_targets(endpoint, self.srv),
                {f"{self.pod(p)}:80" for p in pods},
                timeout=self.timeout,
                what=f"peer discovery ({why}): SRV {self.srv} must list exactly {', '.join(pods) or 'nothing'} "
                f"on port 80{self.at(endpoint)}",
            )

    def expect_a(self, pod: str, ips: set[str], why: str) -> None:
        for endpoint in endpoints(self.access):
            wait_for_records(
                lambda endpoint=endpoint: a_records(endpoint, self.pod(pod)),
                ips,
                timeout=self.timeout,
                what=f"peer discovery ({why}): A {self.pod(pod)} must be {', '.join(sorted(ips)) or 'absent'}"
                f"{self.at(endpoint)}",
            )

    def at(self, endpoint: DnsAccess) -> str:
        """Which endpoint answered, when there are several."""
        return f" (asked {endpoint.description})" if len(endpoints(self.access)) > 1 else ""


@pytest.fixture
def records(kubia, dns_access: DnsAccess, cluster_domain: str, timeouts: Timeouts) -> Records:
    return Records(dns_access, f"kubia.{kubia.namespace}.svc.{cluster_domain}", timeouts.dns_records)


def test_srv_lists_exactly_the_ready_pods(kubia, records):
    """Span: each expected answer, from when the pods reach the state until it has held over 3 more reads, on each
    DNS endpoint."""
    kubia.deploy_ready(3)
    records.expect_srv(["kubia-0", "kubia-1", "kubia-2"], "all Ready")

    kubia.make_unready("kubia-1")
    records.expect_srv(["kubia-0", "kubia-2"], "kubia-1 not Ready")

    kubia.make_ready("kubia-1")
    kubia.wait_ready(3)
    records.expect_srv(["kubia-0", "kubia-1", "kubia-2"], "kubia-1 Ready again")


def test_each_pod_a_record_is_its_pod_ip(kubia, records):
    """Span: each pod's A record, until it has held over 3 more reads, on each DNS endpoint."""
    pods = kubia.deploy_ready(3)

    for name, pod in sorted(pods.items()):
        records.expect_a(name, {pod.status.pod_ip}, f"per-pod A record of {name}")


def test_records_follow_scale_up_scale_down_and_a_replaced_pod(kubia, records):
    """Span: each expected answer after each change, until it has held over 3 more reads, on each DNS endpoint."""
    kubia.deploy_ready(2)
    records.expect_srv(["kubia-0", "kubia-1"], "2 replicas")

    kubia.scale(3)
    pods = kubia.wait_ready(3)
    records.expect_srv(["kubia-0", "kubia-1", "kubia-2"], "after scale-up to 3")
    records.expect_a("kubia-2", {pods["kubia-2"].status.pod_ip}, "after scale-up")

    kubia.scale(1)
    kubia.wait_count(1)
    records.expect_srv(["kubia-0"], "after scale-down to 1")
    records.expect_a("kubia-1", set(), "after scale-down, the removed kubia-1 has no A record")

    old = pods["kubia-0"]
    kubia.delete_pod("kubia-0")
    new = kubia.wait_replaced("kubia-0", old.metadata.uid)
    if new.status.pod_ip == old.status.pod_ip:
        # The A record cannot show that it followed the pod: say so rather than claim the IP changed.
        print(f"the replaced kubia-0 kept its IP {old.status.pod_ip}: its A record is only checked to still be it")
        why = f"the replaced pod kept its IP {old.status.pod_ip}"
    else:
        why = f"the replaced pod's new IP (was {old.status.pod_ip})"
    records.expect_a("kubia-0", {new.status.pod_ip}, why)
    records.expect_srv(["kubia-0"], "after kubia-0 was replaced")
