"""Node faults from inside the cluster (--node-fault partition or kubelet-stop): a privileged pod pinned to the node
runs the node agent (node_agent.py), which cuts the node off from the API server or stops its kubelet, and has the
node itself undo that at a deadline armed before the fault (Timeouts.node_fault_deadline). It needs nothing but the
kubeconfig and the cluster's consent to a privileged pod in the check's namespace (labelled for privileged pods).

The suite talks to the agent through the API server's pod proxy, which connects to the node's address itself: that
path stays open while the kubelet is cut off or stopped, so the suite heals the node as soon as the check is done,
and asks the node which processes of a pod still run there.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from kubia_conformance.backends.disruption import DisruptionError, FaultRefused, NodeBackend, NodeProcess
from kubia_conformance.backends.node_agent import CANNOT, FAULTS, endpoint_text
from kubia_conformance.cluster.connect import Cluster
from kubia_conformance.cluster.manifests import load_manifest
from kubia_conformance.cluster.namespaces import create_test_namespace, delete_namespace
from kubia_conformance.cluster.objects import is_node_ready, meta, name_of, node_name, phase, pod_spec
from kubia_conformance.cluster.pod_access import http
from kubia_conformance.cluster.retry import api
from kubia_conformance.cluster.watch import Objects, WaitTimeout, watch_for
from kubia_conformance.timeouts import Timeouts
from kubia_conformance.timing.clock import clock_at

WHAT = {
    "partition": "its traffic to the API server dropped (nftables on the node)",
    "kubelet-stop": "its kubelet stopped (systemctl on the node)",
}
AGENT = Path(__file__).with_name("node_agent.py")
AGENT_CONFIGMAP = "kubia-node-fault-agent"
POD_MANIFEST = "node-fault/pod.yaml"
FAULT_LABEL = "kubia.test/node-fault"
"""On a fault pod: its fault (partition, kubelet-stop, check)."""
NODE_LABEL = "kubia.test/node"
"""On a fault pod: the node it is pinned to."""
PRIVILEGED = {f"pod-security.kubernetes.io/{mode}": "privileged" for mode in ("enforce", "audit", "warn")}
"""The namespace labels of Pod Security admission that allow a privileged pod."""
PORTS = (20000, 29999)
"""The agent's port on the node's network, drawn at random; a taken one is drawn again."""
PORT_ATTEMPTS = 3
IMAGE_TROUBLE = ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "CreateContainerError")
LONG_POLL = 10.0
"""The longest the agent is asked to hold one answer while a pod's processes end (the proxy stays well inside its
own limits)."""


@dataclass(frozen=True)
class AgentPod:
    """One running fault pod."""

    namespace: str
    name: str
    node: str
    port: int
    token: str


def agent_configmap() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": AGENT_CONFIGMAP},
        "data": {AGENT.name: AGENT.read_text()},
    }


def fault_pod(node: str, image: str, arguments: list[str], *, port: int, token: str, fault: str) -> dict[str, Any]:
    """manifests/node-fault/pod.yaml, pinned to node, running the agent with arguments on port."""
    pod = load_manifest(POD_MANIFEST)
    pod["metadata"] = {"generateName": "kubia-node-fault-", "labels": {FAULT_LABEL: fault, NODE_LABEL: node}}
    pod["spec"]["nodeName"] = node
    container = pod["spec"]["containers"][0]
    container["image"] = image
    container["args"] = [*arguments, "--port", str(port), "--token", token]
    container["readinessProbe"]["httpGet"] = {"path": f"/{token}/ready", "port": port}
    return pod


def api_endpoints(cluster: Cluster) -> list[str]:
    """The API server's endpoints as the `kubernetes` Service's EndpointSlices give them: ADDRESS:PORT, [V6]:PORT."""
    slices = api(
        client.DiscoveryV1Api(cluster.api_client).list_namespaced_endpoint_slice,
        "default",
        label_selector="kubernetes.io/service-name=kubernetes",
    ).items
    found = set()
    for endpoint_slice in slices:
        for port in [p.port for p in endpoint_slice.ports or [] if p.port]:
            for endpoint in endpoint_slice.endpoints or []:
                for address in endpoint.addresses or []:
                    found.add(endpoint_text(address, port))
    return sorted(found)


def refusal_of(error: ApiException) -> str:
    """What the server said when it refused a pod, in its own words."""
    try:
        return str(json.loads(error.body or "{}").get("message") or error.reason)
    except ValueError:
        return str(error.body or error.reason)


def start_agent(
    cluster: Cluster, namespace: str, node: str, *, image: str, arguments: list[str], fault: str, timeout: float
) -> tuple[AgentPod, client.V1Pod]:
    """Makes the agent's ConfigMap and pod in namespace, on node, and waits until the agent serves (Ready) or has
    ended (a --check run, or a refusal). FaultRefused when admission refuses the pod or the node cannot do the fault;
    DisruptionError when the pod cannot start at all (its image)."""
    try:
        api(cluster.core.create_namespaced_config_map, namespace, agent_configmap())
    except ApiException as error:
        if error.status != 409:
            raise
    for _ in range(PORT_ATTEMPTS):
        port, token = random.randint(*PORTS), secrets.token_hex(16)
        try:
            created = api(
                cluster.core.create_namespaced_pod,
                namespace,
                fault_pod(node, image, arguments, port=port, token=token, fault=fault),
            )
        except ApiException as error:
            if error.status in (400, 403, 422):
                raise FaultRefused(
                    f"the cluster refuses the privileged node-fault pod in namespace {namespace}: {refusal_of(error)}"
                ) from None
            raise
        agent = AgentPod(namespace, name_of(created), node, port, token)
        pod = wait_started(cluster, agent, image, timeout)
        ended = terminated(pod)
        if ended is None or ended.exit_code == 0:
            return agent, pod
        message = " ".join(str(ended.message or ended.reason or "").split())
        api(cluster.core.delete_namespaced_pod, agent.name, namespace, grace_period_seconds=0)
        if ended.exit_code == CANNOT and "cannot listen on port" in message:
            continue
        if ended.exit_code == CANNOT:
            raise FaultRefused(f"node {node} cannot do the {fault} fault: {message}")
        raise DisruptionError(f"the node-fault pod on node {node} exited {ended.exit_code}: {message}")
    raise DisruptionError(f"the node agent found no free port on node {node} in {PORT_ATTEMPTS} tries")


def terminated(pod: client.V1Pod) -> client.V1ContainerStateTerminated | None:
    statuses = (pod.status.container_statuses if pod.status else None) or []
    return statuses[0].state.terminated if statuses and statuses[0].state else None


def wait_started(cluster: Cluster, agent: AgentPod, image: str, timeout: float) -> client.V1Pod:
    """Waits until the agent's pod is Ready or its container has ended; DisruptionError if its image cannot run, or
    neither comes in time."""

    def settled(pods: Objects) -> client.V1Pod | None:
        pod = pods.get(agent.name)
        if pod is None:
            return None
        statuses = (pod.status.container_statuses if pod.status else None) or []
        waiting = statuses[0].state.waiting if statuses and statuses[0].state else None
        if waiting is not None and waiting.reason in IMAGE_TROUBLE:
            raise DisruptionError(
                f"the node-fault pod's image {image} cannot run on node {agent.node}: {waiting.reason}: "
                f"{waiting.message or ''} (pass --node-fault-image: any image with python3 and nsenter)"
            )
        if terminated(pod) is not None or (statuses and statuses[0].ready):
            return pod  # type: ignore[no-any-return]
        return None

    try:
        return watch_for(
            cluster.core.list_namespaced_pod,
            settled,
            timeout=timeout,
            what=f"the node-fault pod {agent.name} on node {agent.node} to serve",
            describe=lambda pods: describe_agent(pods.get(agent.name)),
            namespace=agent.namespace,
            field_selector=f"metadata.name={agent.name}",
        )
    except WaitTimeout as late:
        raise DisruptionError(str(late)) from None


def describe_agent(pod: client.V1Pod | None) -> str:
    if pod is None:
        return "no pod"
    statuses = (pod.status.container_statuses if pod.status else None) or []
    state = statuses[0].state if statuses else None
    waiting = state.waiting if state else None
    detail = f", {waiting.reason}: {waiting.message or ''}" if waiting else ""
    return f"{name_of(pod)} {phase(pod)} on {node_name(pod)}{detail}"


def when(moment: float | None) -> str:
    return clock_at(moment) if moment else "never"


@dataclass
class PodFaults(NodeBackend):
    """partition or kubelet-stop, done by the node agent in a fault pod on the node."""

    cluster: Cluster
    fault: str
    image: str
    timeouts: Timeouts
    agents: dict[str, AgentPod] = field(default_factory=dict)
    """node -> its running fault pod."""

    @property
    def name(self) -> str:
        return self.fault

    @property
    def description(self) -> str:
        return (
            f"{self.fault}: a privileged pod on the node ({self.image}) leaves it running with {WHAT[self.fault]}; "
            f"the node undoes it by itself {self.timeouts.node_fault_deadline:.0f} s after it began"
        )

    @property
    def namespace_labels(self) -> dict[str, str]:
        return PRIVILEGED

    @property
    def containers_survive(self) -> bool:
        return True

    def prepare(self, node: str, namespace: str) -> None:
        arguments = ["--fault", self.fault, "--deadline", f"{self.timeouts.node_fault_deadline:.0f}"]
        if self.fault == "partition":
            endpoints = api_endpoints(self.cluster)
            if not endpoints:
                raise DisruptionError("the `kubernetes` Service has no endpoints: no API server address to cut off")
            arguments += ["--api", ",".join(endpoints)]
        agent, _ = start_agent(
            self.cluster,
            namespace,
            node,
            image=self.image,
            arguments=arguments,
            fault=self.fault,
            timeout=self.timeouts.pod_ready,
        )
        self.agents[node] = agent

    def adopt(self, pod: client.V1Pod) -> None:
        """Takes over a fault pod a killed run left (kubia-conformance-cleanup), to heal its node."""
        args = pod_spec(pod).containers[0].args or []
        agent = AgentPod(
            str(meta(pod).namespace),
            name_of(pod),
            node_name(pod),
            int(args[args.index("--port") + 1]),
            args[args.index("--token") + 1],
        )
        self.agents[agent.node] = agent

    def _agent(self, node: str) -> AgentPod:
        agent = self.agents.get(node)
        if agent is None:
            raise DisruptionError(f"no node-fault pod serves on node {node}")
        return agent

    def _call(self, node: str, method: str, what: str, query: dict[str, str] | None = None) -> dict[str, Any]:
        agent = self._agent(node)
        wait = float((query or {}).get("wait", 0))
        try:
            body = http(
                self.cluster,
                agent.namespace,
                agent.name,
                agent.port,
                method,
                body="" if method == "POST" else None,
                path=f"{agent.token}/{what}",
                query=query,
                timeout=self.timeouts.node_agent_call + wait,
            )
        except ApiException as error:
            if error.status == 409:
                return dict(json.loads(error.body or "{}"))
            raise DisruptionError(
                f"the node agent on {node} did not answer {method} {what}: {error.status} {error.reason}"
            ) from None
        return dict(json.loads(body))

    def stop(self, node: str) -> str:
        status = self._call(node, "POST", "fault")
        if status.get("state") != "on":
            raise DisruptionError(
                f"the node agent could not do the {self.fault} fault to node {node}: {status.get('error') or status}"
            )
        kept = " and ".join(status.get("deadline_kept_by") or [])
        undone = f"the node undoes it by itself at {when(status.get('deadline_at'))} ({kept})"
        if self.fault == "partition":
            return f"partitioned: its traffic to {', '.join(status['cut'])} dropped; {undone}"
        return f"kubelet stopped; {undone}"

    def start(self, node: str) -> str:
        agent = self.agents.get(node)
        if agent is None:
            return "no fault pod is left on it: the node undoes the fault by itself at its deadline"
        try:
            pod = api(self.cluster.core.read_namespaced_pod, agent.name, agent.namespace)
        except ApiException as error:
            if error.status != 404:
                raise
            pod = None
        if pod is None or terminated(pod) is not None:
            return "the fault pod had ended: the node undid the fault by itself at its deadline"
        try:
            status = self._call(node, "POST", "heal")
        except DisruptionError as silent:
            # The agent may have ended with its node cut off, so that its pod does not show it yet; a node that is
            # Ready again has undone the fault by itself (its deadline), and there is nothing left to heal.
            if is_node_ready(api(self.cluster.core.read_node, node)):
                return f"Ready again: the node had undone the fault by itself at its deadline ({silent})"
            raise
        if status.get("state") != "healed":
            raise DisruptionError(
                f"the node agent could not undo the {self.fault} fault on node {node}: {status.get('error') or status}"
                f"; the node undoes it by itself at {when(status.get('deadline_at'))}"
            )
        return f"healed ({'nftables table removed' if self.fault == 'partition' else 'kubelet started'})"

    def processes(self, node: str, uid: str, wait: float = 0.0) -> list[NodeProcess]:
        """Asked of the agent, which looks at the node's /proc; a wait is asked for in turns of at most LONG_POLL."""
        ends = time.monotonic() + wait
        while True:
            turn = min(LONG_POLL, max(0.0, ends - time.monotonic()))
            answer = self._call(node, "GET", f"pods/{uid}", {"wait": f"{turn:.1f}"} if turn else None)
            found = [
                NodeProcess(p["pid"], p["command"], p["started"], p["sandbox"]) for p in answer.get("processes", [])
            ]
            if not found or time.monotonic() >= ends:
                return found

    def release(self, node: str) -> None:
        agent = self.agents.pop(node, None)
        if agent is None:
            return
        try:
            api(self.cluster.core.delete_namespaced_pod, agent.name, agent.namespace)
        except ApiException as error:
            if error.status != 404:
                raise


def probe(cluster: Cluster, image: str, node: str, timeouts: Timeouts) -> dict[str, str | None]:
    """Which faults the cluster and node allow (None) or why not, asked once: the agent's --check run in a
    privileged pod on node, in a namespace of its own that is removed after. DisruptionError when the pod cannot
    run at all (its image)."""
    namespace = create_test_namespace(cluster, "node-fault-probe", labels=PRIVILEGED)
    try:
        _, pod = start_agent(
            cluster, namespace, node, image=image, arguments=["--check"], fault="check", timeout=timeouts.pod_ready
        )
    except FaultRefused as refused:
        return dict.fromkeys(FAULTS, str(refused))
    finally:
        delete_namespace(cluster, namespace)
    ended = terminated(pod)
    try:
        said = json.loads(ended.message if ended is not None and ended.message else "")
    except ValueError:
        raise DisruptionError(f"the node agent's check on node {node} said nothing readable") from None
    return {fault: None if said.get(fault) is None else f"node {node}: {said[fault]}" for fault in FAULTS}
