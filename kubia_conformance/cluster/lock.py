"""The node lock: a node is taken down by one disruptive check at a time, across xdist workers, runs and machines.

It is held on the cluster itself, as coordination.k8s.io Leases in the `default` namespace, labelled as the
suite's: a disruptive check holds kubia-conformance-node-<node> for the node it takes down, and only that one. The
other checks take no lock, and two disruptive checks run at once on two nodes: each reserves its node and waits until
no other check has pods or volumes there (backends/reservation.py).

The holder renews its Lease every Timeouts.lease_renew. A Lease that nobody renews for its leaseDurationSeconds
belongs to a run that was killed: it has expired and is taken over. Expiry is judged the way client-go's leader
election judges it: by this process's clock, from the moment it saw the Lease change, so the clocks of different
machines need not agree.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from kubia_conformance.cluster.connect import Cluster
from kubia_conformance.cluster.namespaces import OWNER_LABEL, SUITE, SUITE_LABEL
from kubia_conformance.cluster.objects import labels_of, name_of, version_of
from kubia_conformance.cluster.retry import api
from kubia_conformance.cluster.watch import Objects, WaitTimeout, watch_until
from kubia_conformance.timeouts import Timeouts
from kubia_conformance.timing.clock import clock, now
from kubia_conformance.verdicts import InfrastructureError

NAMESPACE = "default"
NODE_PREFIX = "kubia-conformance-node-"
KIND_LABEL = "kubia.test/lock"
LOCK_SELECTOR = f"{SUITE_LABEL}={SUITE},{KIND_LABEL}"


class LockLost(InfrastructureError):
    """Another holder took the Lease over (this one could not renew it in time): the check had no lock."""


class LockTimeout(InfrastructureError):
    """The lock was not free in time."""


def micro_time(moment: datetime) -> str:
    """A Lease's MicroTime: RFC 3339 with exactly six fraction digits."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def holder_identity(what: str) -> str:
    return f"{socket.gethostname()} pid {os.getpid()}: {what}"


@dataclass
class Observed:
    """When this process last saw each Lease change: the basis of expiry."""

    lease: float
    """How long a Lease that says no duration of its own lives unrenewed."""
    seen: dict[str, tuple[str, float]] = field(default_factory=dict)
    """name -> (resourceVersion, monotonic time it was first seen at that version)."""

    def update(self, leases: dict[str, client.V1Lease]) -> None:
        for name, lease in leases.items():
            version = version_of(lease)
            if self.seen.get(name, ("", 0.0))[0] != version:
                self.seen[name] = (version, time.monotonic())

    def live(self, lease: client.V1Lease) -> bool:
        """Held by someone, and changed within its lease duration (or seen for less than that)."""
        if not lease.spec or not lease.spec.holder_identity:
            return False
        _, since = self.seen.get(name_of(lease), ("", time.monotonic()))
        return time.monotonic() - since < (lease.spec.lease_duration_seconds or self.lease)


def holder_of(lease: client.V1Lease) -> str:
    return str(lease.spec.holder_identity) if lease.spec and lease.spec.holder_identity else "nobody"


def lease_body(
    name: str, kind: str, holder: str, duration: float, *, version: str | None = None, owner: str = ""
) -> dict[str, Any]:
    moment = micro_time(now())
    labels = {SUITE_LABEL: SUITE, KIND_LABEL: kind, **({OWNER_LABEL: owner} if owner else {})}
    metadata: dict[str, Any] = {"name": name, "labels": labels}
    if version is not None:
        metadata["resourceVersion"] = version
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": metadata,
        "spec": {
            "holderIdentity": holder,
            "leaseDurationSeconds": int(duration),
            "acquireTime": moment,
            "renewTime": moment,
        },
    }


def lease_name(node: str) -> str:
    return NODE_PREFIX + node


class NodeLock:
    """A disruptive check's hold on the nodes it may take down: one Lease per node, taken without waiting
    (try_take), or the first of several nodes to be free (take_first)."""

    def __init__(self, cluster: Cluster, *, what: str, timeouts: Timeouts, owner: str = "") -> None:
        self._leases = cluster.coordination
        self.kind = "node"
        self.name = ""
        """The Lease held, once one is."""
        self.node = ""
        self.holder = holder_identity(what)
        self.owner = owner
        """The namespace of the check that holds the lock (a label of the Lease): cleanup.py tells a Lease a check
        that is over left from one a running check holds."""
        self._timeouts = timeouts
        self._timeout = timeouts.cluster_lock
        self._observed = Observed(timeouts.lease)
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self._version = ""
        self.lost: str | None = None
        self.log: list[str] = []
        """What happened to this hold, with times: for the check's report."""

    # -- taking and giving back ------------------------------------------------------------------------------

    def take_first(self, nodes: list[str]) -> str:
        """Takes the lock of the first of nodes (in their order) that no live holder has, waiting for one to be
        free; returns that node."""
        started = time.monotonic()
        names = {lease_name(node) for node in nodes}
        while True:
            for node in nodes:
                if self._try_take(lease_name(node)):
                    self.node = node
                    self._start_renewing()
                    waited = time.monotonic() - started
                    self.log.append(f"{clock(now())} node lock {self.name} taken after {waited:.1f} s")
                    return node
            self._wait(
                f"one of the nodes {', '.join(nodes)} to be free of other disruptive checks",
                lambda leases: any(n not in leases or not self._observed.live(leases[n]) for n in names),
                started,
            )

    def _body(self, name: str, version: str | None = None) -> dict[str, Any]:
        return lease_body(name, self.kind, self.holder, self._timeouts.lease, version=version, owner=self.owner)

    def _start_renewing(self) -> None:
        self._renewer = threading.Thread(target=self._renew, name=f"lease-{self.name}", daemon=True)
        self._renewer.start()

    def release(self) -> None:
        """Gives the Lease back. Raises LockLost if another holder had taken it over meanwhile."""
        if not self.name:
            return
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=self._timeouts.lease_renew)
        if self.lost is not None:
            raise LockLost(f"the node lock was lost: {self.lost}")
        self._delete()
        self.log.append(f"{clock(now())} node lock {self.name} released")
        self.name = ""

    def _try_take(self, name: str) -> bool:
        """Takes the Lease name if nobody holds it or its holder's hold expired; False if a live holder has it or
        another taker was faster."""
        current = self._read(name)
        try:
            if current is None:
                self._version = version_of(api(self._leases.create_namespaced_lease, NAMESPACE, self._body(name)))
            else:
                self._observed.update({name: current})
                if self._observed.live(current):
                    return False
                replaced = api(
                    self._leases.replace_namespaced_lease, name, NAMESPACE, self._body(name, version_of(current))
                )
                self._version = version_of(replaced)
                self.log.append(f"{clock(now())} took over the expired {name} of {holder_of(current)}")
        except ApiException as error:
            if error.status != 409:  # another taker was faster
                raise
            return False
        self.name = name
        return True

    def _renew(self) -> None:
        while not self._stop.wait(self._timeouts.lease_renew):
            body = self._body(self.name, self._version)
            try:
                self._version = version_of(api(self._leases.replace_namespaced_lease, self.name, NAMESPACE, body))
            except ApiException as error:
                self.lost = f"{clock(now())} renewing {self.name} was refused: {error.status} {error.reason}"
                return
            except Exception as error:  # noqa: BLE001 - whatever stopped the renewal, the hold is no longer safe
                self.lost = f"{clock(now())} renewing {self.name} failed: {type(error).__name__}: {error}"
                return

    def _delete(self) -> None:
        options = client.V1DeleteOptions(preconditions=client.V1Preconditions(resource_version=self._version))
        try:
            api(self._leases.delete_namespaced_lease, self.name, NAMESPACE, body=options)
        except ApiException as error:
            if error.status not in (404, 409):
                raise

    # -- looking at the Leases -------------------------------------------------------------------------------

    def _read(self, name: str) -> client.V1Lease | None:
        try:
            return api(self._leases.read_namespaced_lease, name, NAMESPACE)
        except ApiException as error:
            if error.status == 404:
                return None
            raise

    def _list(self) -> dict[str, client.V1Lease]:
        """The suite's Leases by name, as observed now."""
        listing = api(self._leases.list_namespaced_lease, NAMESPACE, label_selector=LOCK_SELECTOR)
        leases = {name_of(lease): lease for lease in listing.items}
        self._observed.update(leases)
        return leases

    def _others(self, leases: dict[str, client.V1Lease]) -> list[str]:
        """Live Leases of other holders."""
        return sorted(
            f"{holder_of(lease)} ({name})"
            for name, lease in leases.items()
            if holder_of(lease) != self.holder and self._observed.live(lease)
        )

    def _wait(self, what: str, free: Callable[[dict[str, client.V1Lease]], bool], started: float) -> None:
        """Follows the suite's Leases until free(leases), looking again at least every Timeouts.lock_recheck so that
        expiries are noticed while no Lease changes."""

        def observed_and_free(leases: Objects) -> bool:
            self._observed.update(leases)
            return free(leases)

        recheck = self._timeouts.lock_recheck
        while True:
            remaining = self._timeout - (time.monotonic() - started)
            try:
                watch_until(
                    self._leases.list_namespaced_lease,
                    observed_and_free,
                    timeout=max(0.0, min(recheck, remaining)),
                    what=what,
                    namespace=NAMESPACE,
                    label_selector=LOCK_SELECTOR,
                )
                return
            except WaitTimeout:
                if remaining > recheck:
                    continue
                holders = self._others(self._list())
                raise LockTimeout(
                    f"waited {self._timeout:.0f} s for {what}; the node locks are held by {', '.join(holders)}"
                ) from None


def suite_leases(cluster: Cluster) -> dict[str, str]:
    """The suite's Leases on the cluster: name -> the namespace of the check that took it ("" if it says none).
    A running check holds its Lease; after the run, one is left only by a run killed before it could give it back."""
    leases = api(cluster.coordination.list_namespaced_lease, NAMESPACE, label_selector=LOCK_SELECTOR).items
    return {name_of(lease): labels_of(lease).get(OWNER_LABEL, "") for lease in leases}


def delete_lease(cluster: Cluster, name: str) -> None:
    try:
        api(cluster.coordination.delete_namespaced_lease, name, NAMESPACE)
    except ApiException as error:
        if error.status != 404:
            raise
