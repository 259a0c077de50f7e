"""A node lost on purpose: taking it down (its backend's fault), cordoning or tainting it, watching its condition,
and always bringing it back; with the moment of each step, for the check's failover figures.

Every node taken down is annotated, before the fault, with the namespace of the test that did it and the fault, so
that a run killed outright can still be repaired by `kubia-conformance-cleanup` (kubia_conformance/cleanup.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from kubia_conformance.backends.disruption import DisruptionError, FaultRefused, NodeBackend, NodeProcess
from kubia_conformance.cluster.connect import Cluster
from kubia_conformance.cluster.objects import (
    annotations_of,
    condition,
    is_node_ready,
    meta,
    name_of,
    node_ready,
    phase,
)
from kubia_conformance.cluster.retry import api
from kubia_conformance.cluster.watch import Objects, WaitTimeout, watch_for
from kubia_conformance.timeouts import Timeouts
from kubia_conformance.timing import stopwatch
from kubia_conformance.timing.clock import clock

STOPPED_BY = "kubia.test/stopped-by"
"""Node annotation: the namespace of the test that took this node down."""
FAULT = "kubia.test/node-fault"
"""Node annotation: how it was taken down (the backend's --node-fault name)."""
LOST_TAINTS = ("node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready")
"""The node lifecycle controller's taints of a node that stopped reporting (Unknown) or reports NotReady."""
OUT_OF_SERVICE = client.V1Taint(key="node.kubernetes.io/out-of-service", value="nodeshutdown", effect="NoExecute")


class FaultLeaked(DisruptionError):
    """A node taken down came back before the suite brought it back: the fault did not hold."""


class NodeNotBack(DisruptionError):
    """A node the suite brought back did not become Ready in time: an error of the check, with the node's last
    conditions (kubia-conformance-cleanup tries again)."""


def note(log: list[str], what: str) -> None:
    """What happened to a node a check took, with its time: into the check's log and its stopwatch's marks."""
    log.append(f"{clock(datetime.now(timezone.utc))} {what}")
    stopwatch.mark("node", what)


def foreign_among(pods: Iterable[client.V1Pod], ours: set[str]) -> list[str]:
    """Of pods, those that belong neither to the suite's namespaces (ours) nor to a DaemonSet, and still run."""
    return sorted(
        f"{meta(p).namespace}/{name_of(p)}"
        for p in pods
        if meta(p).namespace not in ours
        and not any(ref.kind == "DaemonSet" for ref in meta(p).owner_references or [])
        and phase(p) not in ("Succeeded", "Failed")
    )


def set_out_of_service(cluster: Cluster, node: str, present: bool) -> None:
    current = api(cluster.core.read_node, node)
    taints = [t for t in (current.spec.taints if current.spec else None) or [] if t.key != OUT_OF_SERVICE.key]
    if present:
        taints.append(OUT_OF_SERVICE)
    api(cluster.core.patch_node, node, {"spec": {"taints": [t.to_dict() for t in taints] or None}})


def annotate(cluster: Cluster, node: str, owner: str | None, fault: str | None = None) -> None:
    """Marks node as taken down by the check of namespace owner, with fault (owner None: removes the marks)."""
    api(cluster.core.patch_node, node, {"metadata": {"annotations": {STOPPED_BY: owner, FAULT: fault}}})


def lost_taint(node: client.V1Node) -> str | None:
    """The node lifecycle controller's NoExecute taint on a node that stopped reporting or is NotReady, if any."""
    for taint in (node.spec.taints if node.spec else None) or []:
        if taint.key in LOST_TAINTS and taint.effect == "NoExecute":
            return str(taint.key)
    return None


@dataclass
class NodeOutage:
    """One node taken down by a test. restore() is safe to call at any point, any number of times."""

    cluster: Cluster
    backend: NodeBackend
    node: str
    owner: str
    timeouts: Timeouts
    log: list[str] = field(default_factory=list)
    moments: dict[str, float] = field(default_factory=dict)
    """When each step happened (seconds since the epoch): fault, not_ready, lost_taint, healed, node_ready, and those
    the test adds (evidence/failover.py)."""
    let_go: str = ""
    """How the test freed the lost pod's identity (force delete, out-of-service taint), once it has."""
    prepared: bool = False
    stopped: bool = False
    tainted: bool = False
    cordoned: bool = False
    before_disruption: Callable[[], None] | None = None
    """Called before each stop, cordon or taint: the node's reservation makes sure no other check has pods there
    (one may have been scheduled just as the node was reserved)."""
    _leaving: Future[list[NodeProcess]] | None = None
    on_refusal: Callable[[FaultRefused], None] | None = None
    """Called when the cluster or the node refuses the fault (the check's fixture skips it, or errors under
    -m disruptive); the refusal is raised if it returns."""

    def _guard(self) -> None:
        if self.before_disruption is not None:
            self.before_disruption()

    def note(self, what: str) -> None:
        note(self.log, what)

    def at(self, moment: str) -> float:
        """Records that moment happens now."""
        self.moments[moment] = time.time()
        return self.moments[moment]

    def let_go_by(self, act: str) -> None:
        """Records that the test has just freed the lost pod's identity, and how (force delete, out-of-service
        taint): the moment let_go of the failover figures."""
        self.at("let_go")
        self.let_go = act

    def stop(self) -> None:
        """Takes the node down with the backend's fault (made ready on the node first, where it needs to be)."""
        if not self.prepared:
            try:
                self.backend.prepare(self.node, self.owner)
            except FaultRefused as refused:
                if self.on_refusal is not None:
                    self.on_refusal(refused)
                raise
            self.prepared = True
        self._guard()
        annotate(self.cluster, self.node, self.owner, self.backend.name)
        self.stopped = True
        done = self.backend.stop(self.node)
        self.at("fault")
        self.note(f"node {self.node} {done}")

    def wait_lost(self) -> client.V1Node:
        """Waits until the node's Ready condition is no longer True and the node lifecycle controller has tainted it
        NoExecute (unreachable, or not-ready); notes when each was first seen."""

        def lost(nodes: Objects) -> client.V1Node | None:
            node = nodes.get(self.node)
            if node is None:
                return None
            if not is_node_ready(node) and "not_ready" not in self.moments:
                self.at("not_ready")
                self.note(f"node {self.node} Ready={node_ready(node)}")
            taint = lost_taint(node)
            if taint is not None and "lost_taint" not in self.moments:
                self.at("lost_taint")
                self.note(f"node {self.node} tainted {taint}:NoExecute by the node lifecycle controller")
            return node if "not_ready" in self.moments and "lost_taint" in self.moments else None

        return watch_for(
            self.cluster.core.list_node,
            lost,
            timeout=self.timeouts.node_not_ready,
            what=f"node {self.node} to become NotReady or Unknown and be tainted {' or '.join(LOST_TAINTS)}",
            describe=lambda nodes: describe_node(nodes.get(self.node), self.node),
            field_selector=f"metadata.name={self.node}",
        )

    def wait_condition(self, ready: bool) -> client.V1Node:
        """Waits until the node's Ready condition is True (ready) or False/Unknown (not ready)."""
        wanted = "Ready" if ready else "NotReady or Unknown"

        def reached(nodes: Objects) -> client.V1Node | None:
            node = nodes.get(self.node)
            return node if node is not None and is_node_ready(node) == ready else None

        node = watch_for(
            self.cluster.core.list_node,
            reached,
            timeout=self.timeouts.node_ready if ready else self.timeouts.node_not_ready,
            what=f"node {self.node} to become {wanted}",
            describe=lambda nodes: describe_node(nodes.get(self.node), self.node),
            field_selector=f"metadata.name={self.node}",
        )
        self.note(f"node {self.node} Ready={node_ready(node)}")
        return node

    def ensure_down(self, failure: AssertionError | None = None) -> None:
        """Raises FaultLeaked if the node, taken down and not yet brought back by the suite, is Ready: the fault did
        not hold (the kubelet reached the API server some other way). failure: what the check saw meanwhile, which is
        then not the cluster's to answer for (the plugin asks this of every check that fails while a node is down)."""
        if not self.stopped:
            return
        node = api(self.cluster.core.read_node, self.node)
        if not is_node_ready(node):
            return
        ready = condition(node, "Ready")
        since = clock(ready.last_transition_time) if ready and ready.last_transition_time else "an unknown time"
        raise FaultLeaked(
            f"the {self.backend.name} fault did not hold: node {self.node} was Ready again since {since}, before the "
            "suite brought it back"
            + (f"; what the check saw meanwhile is not the cluster's doing: {failure}" if failure else "")
        ) from failure

    def processes(self, uid: str, wait: float = 0.0) -> list[NodeProcess] | None:
        """Pod uid's processes still on the node (with wait: until none is left or wait seconds passed); None when the
        backend cannot see inside the node."""
        return self.backend.processes(self.node, uid, wait) if self.prepared else None

    def cordon(self, unschedulable: bool = True) -> None:
        """Marks the node unschedulable (False: schedulable again): new pods stay off it, running ones stay."""
        if unschedulable:
            self._guard()
            annotate(self.cluster, self.node, self.owner, "cordon")
        self.cordoned = unschedulable
        api(self.cluster.core.patch_node, self.node, {"spec": {"unschedulable": unschedulable or None}})
        self.note(f"node {self.node} {'cordoned' if unschedulable else 'uncordoned'}")

    def taint_out_of_service(self) -> None:
        self._guard()
        self.tainted = True
        set_out_of_service(self.cluster, self.node, True)
        self.note(f"node {self.node} tainted {OUT_OF_SERVICE.key}={OUT_OF_SERVICE.value}:{OUT_OF_SERVICE.effect}")

    def start(self, awaited: str | None = None) -> None:
        """Brings the node back and waits until it is Ready. awaited: a pod uid whose processes the node must stop once
        it is back (its pod was removed meanwhile); where the fault left them running, the node is asked until they
        are gone from the moment of the heal on, beside the wait for Ready (left_behind() has the answer)."""
        if self.stopped:
            done = self.backend.start(self.node)
            self.at("healed")
            self.note(f"node {self.node} {done}")
            self.stopped = False
            if awaited is not None and self.prepared and self.backend.containers_survive:
                pool = ThreadPoolExecutor(1)
                self._leaving = pool.submit(self._await_gone, awaited)
                pool.shutdown(wait=False)
        try:
            self.wait_condition(ready=True)
        except WaitTimeout as late:
            raise NodeNotBack(
                f"node {self.node} did not come back: {late}; kubia-conformance-cleanup brings it back, or the node by "
                "itself at its fault's deadline"
            ) from None
        if "healed" in self.moments and "node_ready" not in self.moments:
            self.at("node_ready")

    def _await_gone(self, uid: str) -> list[NodeProcess]:
        left = self.backend.processes(self.node, uid, wait=self.timeouts.old_container_gone) or []
        if not left:
            self.at("old_gone")
        return left

    def left_behind(self) -> list[NodeProcess] | None:
        """The awaited pod's processes still on the node Timeouts.old_container_gone after the heal (empty: they went,
        at moment old_gone); None when the node was not asked (its containers went with it, or start() had no pod
        to await)."""
        leaving, self._leaving = self._leaving, None
        return None if leaving is None else leaving.result()

    def restore(self, awaited: str | None = None) -> None:
        """Whatever state the test left: the node back, Ready and schedulable, the out-of-service taint and the
        annotations gone. awaited: as for start()."""
        try:
            self.start(awaited)
        finally:
            if self.cordoned:
                self.cordon(unschedulable=False)
            if self.tainted:
                set_out_of_service(self.cluster, self.node, False)
                self.tainted = False
                self.note(f"node {self.node} out-of-service taint removed")
            try:
                annotate(self.cluster, self.node, None)
            except ApiException as error:
                if error.status != 404:
                    raise

    def release(self) -> None:
        """Gives up what the backend made for the fault (the fault pod), once the node is back."""
        if self.prepared:
            self.backend.release(self.node)
            self.prepared = False


def describe_conditions(node: client.V1Node) -> str:
    """The node's conditions in words: each with its status, reason, message and last heartbeat."""
    conditions = (node.status.conditions if node.status else None) or []
    return (
        "; ".join(
            f"{c.type}={c.status} ({c.reason or 'no reason'}: {c.message or 'no message'}; last heartbeat "
            f"{clock(c.last_heartbeat_time) if c.last_heartbeat_time else 'never'})"
            for c in conditions
        )
        or "no conditions"
    )


def describe_node(node: client.V1Node | None, name: str) -> str:
    """The node as a wait last saw it: its taints and conditions."""
    if node is None:
        return f"{name} absent"
    taints = ", ".join(f"{t.key}:{t.effect}" for t in (node.spec.taints if node.spec else None) or []) or "none"
    return f"{name}: taints {taints}; {describe_conditions(node)}"


def stopped_nodes(cluster: Cluster) -> dict[str, tuple[str, str]]:
    """Nodes a suite run took down and did not restore: name -> (namespace of the test, how: the fault)."""
    return {
        name_of(n): (annotations_of(n)[STOPPED_BY], annotations_of(n).get(FAULT, "container-stop"))
        for n in api(cluster.core.list_node).items
        if STOPPED_BY in annotations_of(n)
    }
