"""Reaching the cluster DNS from the runner, and reading a headless Service's records with dnspython.

Three ways in: DNS server addresses the runner can reach (the local cluster's CoreDNS, a NodePort, a VPN); inside
a pod, the nameservers of its own /etc/resolv.conf, the way a database in the cluster finds its peers; or a
port-forward to each cluster DNS pod, spoken over TCP. Where several endpoints serve, each is asked: a client
may reach any of them. DNS cannot be watched, so waits for records poll it, and an answer counts only once it
has held, unchanged, over STABLE_POLLS more polls (Timeouts.dns_poll apart).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import tenacity

from kubia_conformance.cluster.connect import Cluster, PreflightError
from kubia_conformance.cluster.objects import name_of, phase
from kubia_conformance.cluster.pod_access import port_forward
from kubia_conformance.cluster.retry import api
from kubia_conformance.timeouts import Timeouts
from kubia_conformance.timing import stopwatch
from kubia_conformance.timing.clock import clock, now
from kubia_conformance.verdicts import GuaranteeBroken

RESOLV_CONF = "/etc/resolv.conf"
CLUSTER_DNS_SELECTOR = "k8s-app=kube-dns"
STABLE_POLLS = 3
"""Reads after the first expected answer that must give it again, unchanged: a deliberate hold of STABLE_POLLS reads
Timeouts.dns_poll apart, so that an answer that flaps (a stale cache, one endpoint of several lagging) is not taken
for the right one."""


class DnsUnavailable(GuaranteeBroken):
    """The cluster DNS did not answer, or answered with an error: peer discovery is broken, a failed check."""


class DnsAccess(Protocol):
    @property
    def description(self) -> str: ...

    def ask(self, query: dns.message.Message) -> dns.message.Message: ...


@dataclass(frozen=True)
class DirectDns:
    host: str
    port: int
    timeout: float
    """One query (Timeouts.dns_query)."""
    source: str = ""
    """Where the address came from, when not from --dns-server."""

    @property
    def description(self) -> str:
        return f"server {self.host}:{self.port}" + (f" ({self.source})" if self.source else "")

    def ask(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.query.udp(query, self.host, port=self.port, timeout=self.timeout)
        if response.flags & dns.flags.TC:
            response = dns.query.tcp(query, self.host, port=self.port, timeout=self.timeout)
        return response


@dataclass(frozen=True)
class PortForwardDns:
    """Queries over TCP through a port-forward to a cluster DNS pod, for clusters whose DNS the runner cannot reach."""

    cluster: Cluster
    namespace: str
    pod: str
    timeout: float
    """One query (Timeouts.dns_query)."""

    @property
    def description(self) -> str:
        return f"port-forward to {self.namespace}/{self.pod}:53 (TCP)"

    def ask(self, query: dns.message.Message) -> dns.message.Message:
        forward = port_forward(self.cluster, self.namespace, self.pod, 53)
        try:
            return dns.query.tcp(query, "127.0.0.1", timeout=self.timeout, sock=forward.socket(53))
        finally:
            forward.close()


@dataclass(frozen=True)
class EveryDns:
    """Several endpoints of the cluster DNS, each asked on its own."""

    members: tuple[DnsAccess, ...]

    @property
    def description(self) -> str:
        return f"each of {len(self.members)} endpoints: " + ", ".join(m.description for m in self.members)

    def ask(self, query: dns.message.Message) -> dns.message.Message:
        """Never answers for all: asking one member would hide the others. Ask each of endpoints(access)."""
        raise TypeError(f"{self.description}: ask each endpoint (dns.endpoints), not all at once")


def endpoints(access: DnsAccess) -> tuple[DnsAccess, ...]:
    """The endpoints to ask one by one."""
    return access.members if isinstance(access, EveryDns) else (access,)


def one_or_every(members: list[DnsAccess]) -> DnsAccess | None:
    if not members:
        return None
    return members[0] if len(members) == 1 else EveryDns(tuple(members))


def find_cluster_dns_pods(cluster: Cluster, timeout: float) -> DnsAccess | None:
    """A port-forward to each running cluster DNS pod, or None when there is none."""
    pods = api(cluster.core.list_namespaced_pod, "kube-system", label_selector=CLUSTER_DNS_SELECTOR).items
    running = sorted(name_of(p) for p in pods if phase(p) == "Running")
    return one_or_every([PortForwardDns(cluster, "kube-system", name, timeout) for name in running])


def choose_dns(
    cluster: Cluster, servers: tuple[tuple[str, int], ...], domain: str, timeouts: Timeouts
) -> DnsAccess | None:
    """The DNS endpoints named by --dns-server, each of which must answer; else a port-forward to each cluster DNS
    pod, if there are any.

    The preflight only checks that each server answers and knows the domain: whether it answers correctly is what
    the DNS checks themselves are for. Raises PreflightError for a server that does not answer.
    """
    if servers:
        return answering([DirectDns(host, port, timeouts.dns_query) for host, port in servers], domain, "--dns-server")
    if cluster.in_cluster:
        return answering(pod_resolvers(timeouts.dns_query), domain, f"{RESOLV_CONF}: nameserver")
    return find_cluster_dns_pods(cluster, timeouts.dns_query)


def pod_resolvers(timeout: float) -> list[DirectDns]:
    """The nameservers of this pod's /etc/resolv.conf, as dnspython reads it."""
    try:
        nameservers = dns.resolver.Resolver(filename=RESOLV_CONF).nameservers
    except (dns.resolver.NoResolverConfiguration, OSError) as error:
        raise PreflightError(f"inside a pod, but {RESOLV_CONF} names no usable nameserver: {error}") from None
    return [DirectDns(str(server), 53, timeout, f"{RESOLV_CONF} of this pod") for server in nameservers]


def answering(members: list[DirectDns], domain: str, named_by: str) -> DnsAccess | None:
    """The endpoints, once each has answered for the cluster domain. Raises PreflightError for one that does not."""
    probe = f"kubernetes.default.svc.{domain}"
    for access in members:
        where = f"{named_by} {access.host}:{access.port}"
        try:
            response = access.ask(dns.message.make_query(probe, "A"))
        except (dns.exception.DNSException, OSError) as error:
            raise PreflightError(f"{where} did not answer ({type(error).__name__} {error})") from None
        if response.rcode() == dns.rcode.NXDOMAIN:
            raise PreflightError(f"{where} does not know {probe}: is --cluster-domain {domain} right?")
    return one_or_every(list(members))


def lookup(access: DnsAccess, name: str, rdtype: str) -> list[str]:
    """The records of one type at name, as text ("0 33 80 kubia-0.kubia.ns.svc.cluster.local." for SRV);
    [] for NXDOMAIN or no data. Raises DnsUnavailable when the server does not answer."""
    query = dns.message.make_query(name, rdtype)
    try:
        response = access.ask(query)
    except (dns.exception.DNSException, OSError) as error:
        raise DnsUnavailable(
            f"peer discovery: cluster DNS ({access.description}) did not answer {rdtype} {name}: "
            f"{type(error).__name__} {error}"
        ) from None
    if response.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        raise DnsUnavailable(
            f"peer discovery: cluster DNS ({access.description}) answered {dns.rcode.to_text(response.rcode())} "
            f"to {rdtype} {name}"
        )
    wanted = dns.rdatatype.from_text(rdtype)
    return sorted(rd.to_text() for rrset in response.answer if rrset.rdtype == wanted for rd in rrset)


def srv_targets(access: DnsAccess, name: str) -> set[str]:
    """target:port (the target without its trailing dot) of each SRV record at name."""
    records = lookup(access, name, "SRV")
    return {f"{fields[3].rstrip('.')}:{fields[2]}" for fields in (r.split() for r in records)}


def a_records(access: DnsAccess, name: str) -> set[str]:
    return set(lookup(access, name, "A"))


def wait_for_records(
    read: Callable[[], set[str]], expected: set[str], *, timeout: float, poll: float, what: str
) -> set[str]:
    """Polls read() until it returns expected, then holds it: the next STABLE_POLLS reads must return it too. DNS
    has no watch. A server that stops answering fails at once.

    Raises GuaranteeBroken naming what was expected and what was read, with times.
    """
    retrying: tenacity.Retrying = tenacity.Retrying(
        stop=tenacity.stop_after_delay(timeout),
        wait=tenacity.wait_fixed(poll),
        retry=tenacity.retry_if_result(lambda records: records != expected),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
    )
    with stopwatch.measure("poll", what):
        seen: set[str] = retrying(read)
    if seen != expected:
        raise GuaranteeBroken(
            f"{what}: after {timeout:.0f} s DNS still answers {words(seen)}, expected {words(expected)}"
        )
    matched_at = clock(now())
    with stopwatch.measure("hold", f"{what}: the answer holds for {STABLE_POLLS} more reads"):
        for reads in range(1, STABLE_POLLS + 1):
            time.sleep(poll)  # a deliberate hold: the answer must not change meanwhile
            again = read()
            if again != expected:
                raise GuaranteeBroken(
                    f"{what}: the answer did not hold: DNS answered {words(expected)} at {matched_at}, then "
                    f"{words(again)} at {clock(now())} (read {reads} of {STABLE_POLLS} after the first match)"
                )
    return seen


def words(records: set[str]) -> str:
    return ", ".join(sorted(records)) or "nothing"
