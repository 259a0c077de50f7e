"""The kubia Service's DNS records in one test namespace, as a peer finds them: the SRV records of its named port and
each pod's A record, and the waits for what they must say, on every endpoint of the cluster DNS."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from kubia_conformance.backends.dns import DnsAccess, a_records, endpoints, srv_targets, wait_for_records
from kubia_conformance.timeouts import Timeouts


@dataclass(frozen=True)
class Records:
    """The kubia Service's records in the test's namespace, and the waits for what they must say."""

    access: DnsAccess
    service: str
    """kubia.<namespace>.svc.<cluster domain>"""
    timeouts: Timeouts

    @property
    def srv(self) -> str:
        return f"_http._tcp.{self.service}"

    def pod(self, name: str) -> str:
        return f"{name}.{self.service}"

    def expect_srv(self, pods: list[str], why: str) -> None:
        for endpoint in endpoints(self.access):
            wait_for_records(
                partial(srv_targets, endpoint, self.srv),
                {f"{self.pod(p)}:80" for p in pods},
                timeout=self.timeouts.dns_records,
                poll=self.timeouts.dns_poll,
                what=f"peer discovery ({why}): SRV {self.srv} must list exactly {', '.join(pods) or 'nothing'} "
                f"on port 80{self.at(endpoint)}",
            )

    def expect_a(self, pod: str, ips: set[str], why: str) -> None:
        for endpoint in endpoints(self.access):
            wait_for_records(
                partial(a_records, endpoint, self.pod(pod)),
                ips,
                timeout=self.timeouts.dns_records,
                poll=self.timeouts.dns_poll,
                what=f"peer discovery ({why}): A {self.pod(pod)} must be {', '.join(sorted(ips)) or 'absent'}"
                f"{self.at(endpoint)}",
            )

    def at(self, endpoint: DnsAccess) -> str:
        """Which endpoint answered, when there are several."""
        return f" (asked {endpoint.description})" if len(endpoints(self.access)) > 1 else ""
