"""Choosing, once per session, how this run loses a node (--node-fault), or why it will not: the disruptive checks'
skips give that reason, and -m disruptive turns it into the preflight's one error line.

auto takes the strongest way the cluster allows: the user's commands when given (they know their nodes); else the
node's container stopped, where a local engine holds the nodes (kind: the node goes as a machine does); else, from
inside the cluster, the partition (the book's scenario: the node cut off, its containers running on), else the
kubelet stopped. The inside faults are asked of one worker first (node_faults.probe), so that a cluster that refuses
privileged pods, or nodes without nftables or a systemd kubelet, are told apart before any check runs.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from kubia_conformance.backends.disruption import (
    CONTROL_PLANE_LABEL,
    CommandNodes,
    ContainerNodes,
    NodeBackend,
    find_backend,
)
from kubia_conformance.backends.node_agent import FAULTS
from kubia_conformance.backends.node_faults import PodFaults, probe
from kubia_conformance.cluster.connect import Cluster, PreflightError
from kubia_conformance.cluster.objects import is_node_ready, labels_of, name_of, simulated_runtime
from kubia_conformance.cluster.permissions import NODE_FAULTS_RBAC, missing_permissions
from kubia_conformance.cluster.retry import api
from kubia_conformance.options import Options
from kubia_conformance.timeouts import Timeouts

NODE_NAME_VARIABLE = "KUBIA_NODE_NAME"
"""In a pod: the node it runs on (the Job and the plugin set it from the downward API)."""
SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


@dataclass(frozen=True)
class NodeChoice:
    backend: NodeBackend | None
    refusal: str
    """Why backend is None."""
    runner_node: str | None = None
    """The node the suite itself runs on, in a pod: never taken down (it would cut itself off)."""


def runner_node(cluster: Cluster) -> str | None:
    """The node the suite's own pod runs on: $KUBIA_NODE_NAME, else its pod read by name (its hostname)."""
    if os.environ.get(NODE_NAME_VARIABLE):
        return os.environ[NODE_NAME_VARIABLE]
    try:
        namespace = SERVICE_ACCOUNT_NAMESPACE.read_text().strip()
        pod = api(cluster.core.read_namespaced_pod, os.environ.get("HOSTNAME", ""), namespace)
    except (OSError, ApiException):
        return None
    return str(pod.spec.node_name) if pod.spec and pod.spec.node_name else None


def not_allowed(cluster: Cluster, options: Options) -> str | None:
    """Why this context's nodes may not be taken down, or None."""
    if options.allow_disruption or any(
        fnmatch.fnmatchcase(cluster.context, pattern) for pattern in options.disruptive_contexts
    ):
        return None
    if cluster.in_cluster:
        return (
            "off: the suite runs inside the cluster, where taking nodes down is opt-in: set KUBIA_ALLOW_DISRUPTION=1 "
            f"(--allow-disruption) and apply manifests/{NODE_FAULTS_RBAC}"
        )
    return (
        f"off: context {cluster.context!r} matches none of --disruptive-contexts "
        f"{','.join(options.disruptive_contexts)}; pass --allow-disruption to take nodes of this cluster down"
    )


def candidate_workers(cluster: Cluster, runner: str | None) -> list[client.V1Node]:
    """Ready worker nodes, the suite's own left out, by name."""
    return sorted(
        (
            n
            for n in api(cluster.core.list_node).items
            if CONTROL_PLANE_LABEL not in labels_of(n) and name_of(n) != runner and is_node_ready(n)
        ),
        key=name_of,
    )


def choose_disruption(cluster: Cluster, options: Options, timeouts: Timeouts) -> NodeChoice:
    """How to lose a node here, or why the disruptive checks will not run. Raises PreflightError when the user
    selected them (-m disruptive) and they cannot run."""
    runner = runner_node(cluster) if cluster.in_cluster else None
    refusal = not_allowed(cluster, options)
    if refusal is not None:
        if options.selects_disruptive:
            raise PreflightError(f"disruptive tests were selected but are not allowed: {refusal}")
        return NodeChoice(None, refusal, runner)
    backend, refusal = find_way(cluster, options, timeouts, runner)
    if backend is None and options.selects_disruptive:
        raise PreflightError(f"disruptive tests were selected but cannot run: node disruption is {refusal}")
    return NodeChoice(backend, refusal, runner)


def find_way(
    cluster: Cluster, options: Options, timeouts: Timeouts, runner: str | None
) -> tuple[NodeBackend | None, str]:
    """The backend --node-fault asks for (auto: the first of the user's commands, a node container here, a fault
    from inside), or why none can be used, each way's reason named."""
    wanted = options.node_fault
    if cluster.in_cluster and runner is None:
        return None, (
            f"off: the suite runs in a pod but cannot tell on which node (set {NODE_NAME_VARIABLE} from the downward "
            "API), and must never take that node down"
        )
    workers = candidate_workers(cluster, runner)
    if not workers:
        return None, "off: no Ready worker node to take down"
    whys = []
    if wanted in ("auto", "command") and options.node_stop_command and options.node_start_command:
        return CommandNodes(options.node_stop_command, options.node_start_command, timeouts.node_command), ""
    if wanted in ("auto", "container-stop"):
        if cluster.in_cluster:
            whys.append("container-stop: the suite runs in a pod, where no container engine holds the nodes")
        else:
            found = find_backend(None, None, name_of(workers[0]), timeouts.node_command)
            if isinstance(found, ContainerNodes):
                return found, ""
            whys.append(f"container-stop: no docker or podman container on this machine is named {name_of(workers[0])}")
    if wanted in ("auto", *FAULTS):
        backend, refusals = inside_fault(cluster, options, timeouts, workers[0])
        if backend is not None:
            return backend, ""
        whys += refusals
    return None, "off: no way to lose a node here (" + "; ".join(whys) + ")"


def inside_fault(
    cluster: Cluster, options: Options, timeouts: Timeouts, worker: client.V1Node
) -> tuple[NodeBackend | None, list[str]]:
    """The strongest fault from inside the cluster that RBAC, the cluster and worker allow (partition, then
    kubelet-stop; only the one asked for when --node-fault names it), or why each is refused."""
    faults = list(FAULTS) if options.node_fault == "auto" else [options.node_fault]
    simulated = simulated_runtime(worker)
    if simulated:
        return None, [
            f"{fault}: node {name_of(worker)} is simulated ({simulated}): no pod runs there" for fault in faults
        ]
    missing = missing_permissions(cluster, NODE_FAULTS_RBAC)
    if missing:
        return None, [f"{fault}: {missing[0]}" for fault in faults]
    allowed = probe(cluster, options.node_fault_image, name_of(worker), timeouts)
    for fault in faults:
        if allowed[fault] is None:
            return PodFaults(cluster, fault, options.node_fault_image, timeouts), []
    return None, [f"{fault}: {allowed[fault]}" for fault in faults]


def backend_facts(choice: NodeChoice) -> dict[str, str]:
    """The chosen backend (or why there is none) as plain strings: what an xdist worker needs to take its
    controller's choice instead of asking the cluster and the container engine again."""
    facts = {"runner": choice.runner_node or ""}
    backend = choice.backend
    if isinstance(backend, ContainerNodes):
        return {**facts, "runtime": backend.runtime}
    if isinstance(backend, CommandNodes):
        return {**facts, "stop_command": backend.stop_command, "start_command": backend.start_command}
    if isinstance(backend, PodFaults):
        return {**facts, "fault": backend.fault, "image": backend.image}
    return {**facts, "refusal": choice.refusal}


def from_facts(facts: dict[str, str], cluster: Cluster, timeouts: Timeouts) -> NodeChoice:
    """The choice backend_facts described."""
    runner = facts.get("runner") or None
    if "runtime" in facts:
        return NodeChoice(ContainerNodes(facts["runtime"], timeouts.node_command), "", runner)
    if "stop_command" in facts:
        return NodeChoice(
            CommandNodes(facts["stop_command"], facts["start_command"], timeouts.node_command), "", runner
        )
    if "fault" in facts:
        return NodeChoice(PodFaults(cluster, facts["fault"], facts["image"], timeouts), "", runner)
    return NodeChoice(None, facts["refusal"], runner)
