"""A node lost on purpose: choosing it safely, stopping or cordoning it, watching its condition, and always bringing
it back.

Every stopped node is annotated with the namespace of the test that stopped it before the stop, so that a run
killed outright can still be repaired by `kubia-conformance-cleanup` (kubia_conformance/cleanup.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from kubia_conformance.backends.disruption import NodeDisruption
from kubia_conformance.cluster.connect import Cluster
from kubia_conformance.cluster.objects import annotations_of, is_node_ready, meta, name_of, node_ready, phase
from kubia_conformance.cluster.retry import api
from kubia_conformance.cluster.watch import Objects, watch_for
from kubia_conformance.timeouts import Timeouts
from kubia_conformance.timing import stopwatch
from kubia_conformance.timing.clock import clock

STOPPED_BY = "kubia.test/stopped-by"
"""Node annotation: the namespace of the test that stopped this node."""
OUT_OF_SERVICE = client.V1Taint(key="node.kubernetes.io/out-of-service", value="nodeshutdown", effect="NoExecute")


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


def annotate(cluster: Cluster, node: str, value: str | None) -> None:
    api(cluster.core.patch_node, node, {"metadata": {"annotations": {STOPPED_BY: value}}})


@dataclass
class NodeOutage:
    """One node taken down by a test. restore() is safe to call at any point, any number of times."""

    cluster: Cluster
    backend: NodeDisruption
    node: str
    owner: str
    timeouts: Timeouts
    log: list[str] = field(default_factory=list)
    stopped: bool = False
    tainted: bool = False
    cordoned: bool = False
    before_disruption: Callable[[], None] | None = None
    """Called before each stop, cordon or taint: the node's reservation makes sure no other check has pods there
    (one may have been scheduled just as the node was reserved)."""

    def _guard(self) -> None:
        if self.before_disruption is not None:
            self.before_disruption()

    def note(self, what: str) -> None:
        note(self.log, what)

    def stop(self) -> None:
        self._guard()
        annotate(self.cluster, self.node, self.owner)
        self.stopped = True
        self.backend.stop(self.node)
        self.note(f"node {self.node} stopped ({self.backend.description})")

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
            describe=lambda nodes: (
                f"{self.node} Ready={node_ready(nodes[self.node]) if self.node in nodes else 'absent'}"
            ),
            field_selector=f"metadata.name={self.node}",
        )
        self.note(f"node {self.node} Ready={node_ready(node)}")
        return node

    def cordon(self, unschedulable: bool = True) -> None:
        """Marks the node unschedulable (False: schedulable again): new pods stay off it, running ones stay."""
        if unschedulable:
            self._guard()
            annotate(self.cluster, self.node, self.owner)
        self.cordoned = unschedulable
        api(self.cluster.core.patch_node, self.node, {"spec": {"unschedulable": unschedulable or None}})
        self.note(f"node {self.node} {'cordoned' if unschedulable else 'uncordoned'}")

    def taint_out_of_service(self) -> None:
        self._guard()
        self.tainted = True
        set_out_of_service(self.cluster, self.node, True)
        self.note(f"node {self.node} tainted {OUT_OF_SERVICE.key}={OUT_OF_SERVICE.value}:{OUT_OF_SERVICE.effect}")

    def start(self) -> None:
        """Starts the node again and waits until it is Ready."""
        if self.stopped:
            self.backend.start(self.node)
            self.note(f"node {self.node} started")
            self.stopped = False
        self.wait_condition(ready=True)

    def restore(self) -> None:
        """Whatever state the test left: the node started, Ready and schedulable, the out-of-service taint and the
        annotation gone."""
        try:
            self.start()
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


def stopped_nodes(cluster: Cluster) -> dict[str, str]:
    """Nodes a suite run stopped and did not restore: name -> namespace of the test."""
    return {
        name_of(n): annotations_of(n)[STOPPED_BY]
        for n in api(cluster.core.list_node).items
        if STOPPED_BY in annotations_of(n)
    }
