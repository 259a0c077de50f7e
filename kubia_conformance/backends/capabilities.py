"""What the cluster under test can do, detected once per session; tests that need a missing capability skip."""

from __future__ import annotations

from dataclasses import dataclass

from kubernetes.client.exceptions import ApiException

from kubia_conformance.backends.disruption import NodeBackend
from kubia_conformance.backends.dns import DnsAccess
from kubia_conformance.backends.node_choice import NodeChoice
from kubia_conformance.backends.readiness import ExecReadiness, LabelReadiness, ReadinessControl
from kubia_conformance.backends.storage import Storage
from kubia_conformance.cluster.connect import Cluster
from kubia_conformance.cluster.manifests import load_manifest
from kubia_conformance.cluster.objects import simulated_runtime
from kubia_conformance.cluster.retry import api

MAX_UNAVAILABLE_GATE = "feature gate MaxUnavailableStatefulSet"


@dataclass(frozen=True)
class Capabilities:
    containers_run: bool
    """Pods run real containers (false on simulated nodes): exec, writing data into the app."""
    readiness: ReadinessControl
    dns: DnsAccess | None
    """How the runner reaches the cluster DNS; None when it cannot."""
    retention_policy: bool
    """The server keeps spec.persistentVolumeClaimRetentionPolicy of a StatefulSet."""
    max_unavailable: bool
    """The server keeps spec.updateStrategy.rollingUpdate.maxUnavailable (feature gate MaxUnavailableStatefulSet)."""
    storage: Storage
    disruption: NodeBackend | None
    """How to lose a node; None when disruptive tests cannot or may not run here."""
    disruption_refusal: str
    """Why disruption is None."""
    runner_node: str | None = None
    """The node the suite's own pod runs on (inside the cluster): never taken down."""

    def lines(self) -> list[str]:
        return [
            f"containers run: {'yes' if self.containers_run else 'no (simulated nodes)'}",
            f"readiness control: {self.readiness.description}",
            f"DNS: {self.dns.description if self.dns else 'not reachable from this machine'}",
            f"storage: {self.storage.description}",
            f"claim retention policy: {'supported' if self.retention_policy else 'not supported by the server'}",
            "maxUnavailable rolling updates: "
            + ("supported" if self.max_unavailable else f"not supported by the server ({MAX_UNAVAILABLE_GATE} off)"),
            f"node disruption: {self.disruption.description if self.disruption else self.disruption_refusal}",
        ]


def nodes_are_simulated(cluster: Cluster) -> bool:
    nodes = api(cluster.core.list_node).items
    return bool(nodes) and all(simulated_runtime(n) for n in nodes)


def server_keeps(cluster: Cluster, namespace: str) -> tuple[bool, bool]:
    """Whether the server keeps a StatefulSet's claim retention policy (clusters older than 1.27 drop it) and its
    rolling update's maxUnavailable (dropped while the feature gate is off), asked with a dry-run create of the book's
    StatefulSet that sets both."""
    body = load_manifest("kubia-statefulset.yaml")
    body["spec"]["replicas"] = 0
    body["spec"]["persistentVolumeClaimRetentionPolicy"] = {"whenScaled": "Delete", "whenDeleted": "Delete"}
    body["spec"]["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}}
    try:
        created = api(cluster.apps.create_namespaced_stateful_set, namespace, body, dry_run="All")
    except ApiException as error:
        if error.status in (400, 422):
            return False, False
        raise
    rolling = created.spec.update_strategy.rolling_update if created.spec.update_strategy else None
    return (
        created.spec.persistent_volume_claim_retention_policy is not None,
        rolling is not None and rolling.max_unavailable is not None,
    )


def detect(
    cluster: Cluster,
    storage: Storage,
    dns: DnsAccess | None,
    disruption: NodeChoice,
    probe_namespace: str,
) -> Capabilities:
    simulated = nodes_are_simulated(cluster)
    retention_policy, max_unavailable = server_keeps(cluster, probe_namespace)
    return Capabilities(
        containers_run=not simulated,
        readiness=LabelReadiness() if simulated else ExecReadiness(),
        dns=dns,
        retention_policy=retention_policy,
        max_unavailable=max_unavailable,
        storage=storage,
        disruption=disruption.backend,
        disruption_refusal=disruption.refusal,
        runner_node=disruption.runner_node,
    )
