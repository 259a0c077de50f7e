"""A node reserved for one disruptive check, so that the other checks need not stop.

A check that stops, cordons or taints a node reserves it first:
1. it takes that node's lock (cluster/lock.py: one disruptive check per node, across runs); one worker, the spare,
   is never reserved, so the other checks always have somewhere to go;
2. it taints the node kubia.test/reserved=<its namespace>:PreferNoSchedule, so the scheduler puts the other checks'
   new pods elsewhere (a pod pinned there by its volume still goes: a check that started before can finish), and
   waits until no other check, of this run or another, has a pod on it or a volume pinned to it;
3. it makes the taint NoSchedule (nothing else may land there now) and looks once more, and if something did land,
   back to 2;
4. its own pods tolerate the taint, and it may ask for them there;
5. right before each stop, cordon or taint it looks again (ensure_clear): a pod that was waiting to be scheduled as
   the node was reserved can still be put there by a scheduler that had not seen the taint yet (seen on the local
   cluster: bound 0.5 to 1.5 s after the NoSchedule taint). If so, back to 2: the taint soft again, so that the
   pod can come back there (its volume is pinned there) until its check ends.
Once the node is down, the node controller's not-ready taints keep every other pod off it too. The taint is removed
and the lock given back after the node is restored; `kubia-conformance-cleanup` removes the taint that a run killed
outright left (its lock expires by itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubia_conformance.backends.disruption import CONTROL_PLANE_LABEL
from kubia_conformance.backends.outage import STOPPED_BY, foreign_among, note
from kubia_conformance.cluster.connect import Cluster
from kubia_conformance.cluster.namespaces import suite_namespaces
from kubia_conformance.cluster.objects import (
    HOSTNAME_LABEL,
    annotations_of,
    is_node_ready,
    labels_of,
    meta,
    name_of,
    phase,
    pinned_node,
)
from kubia_conformance.cluster.retry import api
from kubia_conformance.cluster.watch import Objects, WaitTimeout, watch_until
from kubia_conformance.timeouts import Timeouts
from kubia_conformance.timing import stopwatch
from kubia_conformance.verdicts import InfrastructureError

RESERVED = "kubia.test/reserved"
"""The reservation taint's key; its value is the namespace of the check that holds the node."""
FIRST = "kubia.test/first"
"""The label of the pod placed on the reserved node (placement): the others keep off the node that runs it."""


def first_label() -> dict[str, str]:
    return {FIRST: "true"}


SUITE_NAMESPACE_PREFIX = "kubia-"
"""Every namespace the suite makes is named kubia-<random> (cluster/namespaces.py)."""


class NodeNotClear(InfrastructureError):
    """Other checks' pods or volumes did not leave the reserved node in time."""


def reserved_nodes(cluster: Cluster) -> dict[str, str]:
    """Nodes reserved by a check: name -> the namespace of that check."""
    return {
        name_of(node): str(taint.value)
        for node in api(cluster.core.list_node).items
        for taint in (node.spec.taints if node.spec else None) or []
        if taint.key == RESERVED
    }


def set_reservation(cluster: Cluster, node: str, owner: str | None, effect: str = "NoSchedule") -> None:
    """Taints node as reserved by owner's check, with effect (owner None: removes the reservation)."""
    current = api(cluster.core.read_node, node)
    taints = [t.to_dict() for t in (current.spec.taints if current.spec else None) or [] if t.key != RESERVED]
    if owner is not None:
        taints.append({"key": RESERVED, "value": owner, "effect": effect})
    api(cluster.core.patch_node, node, {"spec": {"taints": taints or None}})


@dataclass
class NodeReservation:
    """One node reserved by the check of namespace owner. release() is safe to call at any point, any number of
    times."""

    cluster: Cluster
    node: str
    owner: str
    timeouts: Timeouts
    log: list[str] = field(default_factory=list)
    held: bool = False

    def note(self, what: str) -> None:
        note(self.log, what)

    def take(self) -> None:
        """Reserves the node, and waits until no other check has pods or volumes on it."""
        self.held = True
        self.ensure_clear()
        self.note(f"node {self.node} clear of other checks' pods and volumes; reserved NoSchedule")

    def ensure_clear(self) -> None:
        """Until, with the taint NoSchedule, no other check's pod or volume is on the node: the taint is
        PreferNoSchedule while they leave (a pod of theirs pinned there by its volume must be able to come back
        until its check ends), then NoSchedule, then one more look. Called again right before each stop, cordon or
        taint: the scheduler can still put there a pod that was waiting as the taint changed, before it saw it."""
        with stopwatch.measure("lock", f"other checks to leave node {self.node}"):
            while True:
                if not self._clear_now():
                    set_reservation(self.cluster, self.node, self.owner, "PreferNoSchedule")
                    self.note(f"node {self.node} reserved ({RESERVED}={self.owner}:PreferNoSchedule)")
                    self._wait_clear()
                set_reservation(self.cluster, self.node, self.owner, "NoSchedule")
                if self._clear_now():
                    return

    def _clear_now(self) -> bool:
        others = set(suite_namespaces(self.cluster)) - {self.owner}
        pods = api(self.cluster.core.list_pod_for_all_namespaces, field_selector=f"spec.nodeName={self.node}").items
        volumes = api(self.cluster.core.list_persistent_volume).items
        return not self._pods_there({f"{meta(p).namespace}/{name_of(p)}": p for p in pods}, others) and not (
            self._volumes_there({name_of(v): v for v in volumes}, others)
        )

    def release(self) -> None:
        if self.held:
            set_reservation(self.cluster, self.node, None)
            self.held = False
            self.note(f"node {self.node} reservation released")

    def toleration(self) -> dict[str, Any]:
        """Lets this check's pods on the reserved node, whatever the taint's effect."""
        return {"key": RESERVED, "operator": "Equal", "value": self.owner}

    def placement(self) -> dict[str, Any]:
        """StatefulSet options that put the set's first pod on the reserved node and every other pod of the set
        elsewhere: the toleration, a preference for the node, and no pod on a node that runs a pod labelled FIRST.
        Deploy one replica, label it (first_label), then scale: the pod comes to the node, and the others cannot.
        Its replacement, unlabelled, may then go to any node (where its volume can move), beside the others."""
        return {
            "tolerations": [self.toleration()],
            "affinity": {
                "nodeAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {
                            "weight": 100,
                            "preference": {
                                "matchExpressions": [{"key": HOSTNAME_LABEL, "operator": "In", "values": [self.node]}]
                            },
                        }
                    ]
                },
                "podAntiAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": [
                        {"labelSelector": {"matchLabels": first_label()}, "topologyKey": HOSTNAME_LABEL}
                    ]
                },
            },
        }

    def _pods_there(self, pods: Objects, others: set[str]) -> list[str]:
        return sorted(
            f"{meta(p).namespace}/{name_of(p)}"
            for p in pods.values()
            if meta(p).namespace in others and phase(p) not in ("Succeeded", "Failed")
        )

    def _volumes_there(self, volumes: Objects, others: set[str]) -> list[str]:
        """Volumes pinned to the node and claimed from another suite namespace, or from one being removed (its
        volume is deleted on the node: a stopped node would hold that up)."""
        return sorted(
            f"{name_of(v)} (claim {v.spec.claim_ref.namespace}/{v.spec.claim_ref.name})"
            for v in volumes.values()
            if pinned_node(v) == self.node
            and v.spec.claim_ref is not None
            and v.spec.claim_ref.namespace != self.owner
            and (
                v.spec.claim_ref.namespace in others
                or str(v.spec.claim_ref.namespace).startswith(SUITE_NAMESPACE_PREFIX)
            )
        )

    def _wait_clear(self) -> None:
        """Waits until the node holds no pod of another suite namespace, then no volume of one (ensure_clear looks at
        both again, under NoSchedule, and comes back here if something landed meanwhile)."""
        others = set(suite_namespaces(self.cluster)) - {self.owner}
        try:
            watch_until(
                self.cluster.core.list_pod_for_all_namespaces,
                lambda pods: not self._pods_there(pods, others),
                timeout=self.timeouts.node_clear,
                what=f"other checks' pods to leave the reserved node {self.node}",
                describe=lambda pods: "still there: " + ", ".join(self._pods_there(pods, others)),
                field_selector=f"spec.nodeName={self.node}",
            )
            watch_until(
                self.cluster.core.list_persistent_volume,
                lambda volumes: not self._volumes_there(volumes, others),
                timeout=self.timeouts.node_clear,
                what=f"other checks' volumes on the reserved node {self.node} to go",
                describe=lambda volumes: "still there: " + ", ".join(self._volumes_there(volumes, others)),
            )
        except WaitTimeout as timeout:
            raise NodeNotClear(str(timeout)) from None


def workers(cluster: Cluster) -> tuple[list[str], list[str]]:
    """(every worker node, those a check could take now or once another check gives it back): Ready, schedulable
    and untainted, or held by another of the suite's checks (reserved, stopped or cordoned by it: its node lock
    says when it is free)."""
    names, usable = [], []
    for node in api(cluster.core.list_node).items:
        if CONTROL_PLANE_LABEL in labels_of(node):
            continue
        names.append(name_of(node))
        taints = (node.spec.taints if node.spec else None) or []
        if (
            any(t.key == RESERVED for t in taints)
            or STOPPED_BY in annotations_of(node)
            or (
                is_node_ready(node)
                and not (node.spec and node.spec.unschedulable)
                and not any(t.effect in ("NoSchedule", "NoExecute") for t in taints)
            )
        ):
            usable.append(name_of(node))
    return sorted(names), sorted(usable)


def lockable(cluster: Cluster, nodes: list[str], workers: list[str]) -> list[str]:
    """Of nodes, those a check may reserve, the quickest to clear first (fewest pods outside the suite, then fewest
    of the suite's): every worker but the spare, the last of workers by name, which stays for the other checks'
    pods."""
    spare = max(workers) if len(workers) > 1 else None
    ours = set(suite_namespaces(cluster))
    pods: dict[str, list[Any]] = {node: [] for node in nodes}
    for pod in api(cluster.core.list_pod_for_all_namespaces).items:
        node = pod.spec.node_name if pod.spec else None
        if node in pods:
            pods[node].append(pod)
    return sorted(
        (n for n in nodes if n != spare),
        key=lambda n: (len(foreign_among(pods[n], ours)), sum(meta(p).namespace in ours for p in pods[n]), n),
    )


def wait_foreign_gone(cluster: Cluster, node: str, timeout: float) -> list[str]:
    """Waits up to timeout until node runs no pods outside the suite (a storage provisioner's helper pod that deletes
    another check's volume is gone in seconds; a workload stays); returns those still there, if any."""
    seen: list[str] = []

    def gone(pods: Objects) -> bool:
        seen[:] = foreign_among(pods.values(), set(suite_namespaces(cluster)))
        return not seen

    try:
        watch_until(
            cluster.core.list_pod_for_all_namespaces,
            gone,
            timeout=timeout,
            what=f"pods outside the suite to leave node {node}",
            field_selector=f"spec.nodeName={node}",
        )
    except WaitTimeout:
        return seen
    return []
