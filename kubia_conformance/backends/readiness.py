"""Making a kubia pod unready and ready again on purpose: one interface, a backend per kind of node.

Every kubia pod carries the same readiness probe (a file outside the data volume must be absent). Where containers
run, the suite flips it by exec'ing into the pod. On simulated nodes no probe runs; kwok's stages read the pod
label kubia.test/readiness instead (manifests/local-cluster/kwok-stages.yaml). Tests only say make_unready() and
make_ready().
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from kubia_conformance.cluster.connect import Cluster
from kubia_conformance.cluster.pod_access import exec_in
from kubia_conformance.cluster.retry import api

UNREADY_FILE = "/tmp/kubia-unready"
READINESS_LABEL = "kubia.test/readiness"
UNREADY = "unready"
FATE_LABEL = "kubia.test/fate"
"""On simulated nodes, FATE_LABEL=EVICTED makes the node fail the pod (manifests/local-cluster/kwok-stages.yaml)."""
EVICTED = "evicted"


def add_readiness_probe(pod_template: dict[str, Any]) -> None:
    """The probe every kubia pod gets: Ready while UNREADY_FILE is absent, checked every second."""
    pod_template["spec"]["containers"][0]["readinessProbe"] = {
        "exec": {"command": ["sh", "-c", f"test ! -e {UNREADY_FILE}"]},
        "periodSeconds": 1,
        "failureThreshold": 1,
        "successThreshold": 1,
    }


SCRATCH = "/scratch"
SCRATCH_LIMIT_MIB = 1
"""A pod's scratch emptyDir (at SCRATCH, sizeLimit SCRATCH_LIMIT_MIB): filling it past the limit makes the kubelet
evict the pod (phase Failed, reason Evicted), within its eviction manager's period (10 s) and volume statistics."""


def add_scratch(pod_template: dict[str, Any]) -> None:
    """The scratch emptyDir a pod needs to be evicted on purpose where a real kubelet runs it (make_failed)."""
    spec = pod_template["spec"]
    spec.setdefault("volumes", []).append({"name": "scratch", "emptyDir": {"sizeLimit": f"{SCRATCH_LIMIT_MIB}Mi"}})
    spec["containers"][0].setdefault("volumeMounts", []).append({"name": "scratch", "mountPath": SCRATCH})


class ReadinessControl(Protocol):
    @property
    def description(self) -> str: ...

    def make_unready(self, cluster: Cluster, namespace: str, pod: str) -> None:
        """Makes the pod fail readiness until make_ready(); the caller waits for the effect on the timeline."""

    def make_ready(self, cluster: Cluster, namespace: str, pod: str) -> None: ...

    @property
    def fails_pods(self) -> str:
        """How make_failed() fails a pod here, "" where it cannot yet."""

    def make_failed(self, cluster: Cluster, namespace: str, pod: str) -> None:
        """Has the pod's node fail it (phase Failed), as a kubelet that evicts or rejects it does; the caller waits."""


@dataclass(frozen=True)
class ExecReadiness:
    """Where containers run: create or remove the probe's file inside the container."""

    description: str = f"exec into the container: {UNREADY_FILE} present means not Ready"

    def make_unready(self, cluster: Cluster, namespace: str, pod: str) -> None:
        exec_in(cluster, namespace, pod, ["sh", "-c", f"touch {UNREADY_FILE}"])

    def make_ready(self, cluster: Cluster, namespace: str, pod: str) -> None:
        exec_in(cluster, namespace, pod, ["sh", "-c", f"rm -f {UNREADY_FILE}"])

    fails_pods: str = (
        f"exec into the container: its scratch emptyDir filled past its {SCRATCH_LIMIT_MIB} MiB limit, the kubelet "
        "evicts the pod"
    )

    def make_failed(self, cluster: Cluster, namespace: str, pod: str) -> None:
        size = SCRATCH_LIMIT_MIB * 3
        exec_in(cluster, namespace, pod, ["sh", "-c", f"dd if=/dev/zero of={SCRATCH}/fill bs=1M count={size}"])


@dataclass(frozen=True)
class LabelReadiness:
    """On simulated (kwok) nodes: the pod label kubia.test/readiness=unready makes the node agent report not Ready."""

    description: str = f"pod label {READINESS_LABEL}={UNREADY}, read by the simulated node's stages"

    def _label(self, cluster: Cluster, namespace: str, pod: str, value: str | None) -> None:
        api(cluster.core.patch_namespaced_pod, pod, namespace, {"metadata": {"labels": {READINESS_LABEL: value}}})

    def make_unready(self, cluster: Cluster, namespace: str, pod: str) -> None:
        self._label(cluster, namespace, pod, UNREADY)

    def make_ready(self, cluster: Cluster, namespace: str, pod: str) -> None:
        self._label(cluster, namespace, pod, None)

    fails_pods: str = f"pod label {FATE_LABEL}={EVICTED}: the simulated node evicts the pod (phase Failed)"

    def make_failed(self, cluster: Cluster, namespace: str, pod: str) -> None:
        api(cluster.core.patch_namespaced_pod, pod, namespace, {"metadata": {"labels": {FATE_LABEL: EVICTED}}})
