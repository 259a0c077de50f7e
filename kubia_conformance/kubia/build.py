"""Building the book's objects for one test: the headless Service and the StatefulSet, from manifests/, adjusted for
the run (replicas, image, policies, storage, the readiness probe). Builders only build; nothing here calls the API."""

from __future__ import annotations

from typing import Any

from kubia_conformance.backends.readiness import add_readiness_probe, add_scratch
from kubia_conformance.backends.storage import Storage
from kubia_conformance.cluster.manifests import load_manifest
from kubia_conformance.cluster.objects import claim_name, pod_name, split_ordinal
from kubia_conformance.cluster.watch import Objects
from kubia_conformance.evidence.trace import TRACE_FILE

NAME = "kubia"
"""The StatefulSet's name, and its headless Service's."""


def pod_names(replicas: int, start: int = 0) -> list[str]:
    """kubia-0 .. kubia-(replicas-1); with a start ordinal, kubia-start .. kubia-(start+replicas-1)."""
    return [pod_name(NAME, index) for index in range(start, start + replicas)]


def claim_names(replicas: int, start: int = 0, statefulset: str = NAME) -> list[str]:
    """The claims the set's pods use: data-kubia-0 .. for kubia-0 .. (from the start ordinal)."""
    return [claim_name(pod_name(statefulset, index)) for index in range(start, start + replicas)]


def own_pods(pods: Objects, statefulset: str = NAME) -> Objects:
    """The StatefulSet's pods among pods (kubia-N): waits for a count look at these; the at-most-one rule looks at
    every pod."""
    return {name: pod for name, pod in pods.items() if (split_ordinal(name) or ("", 0))[0] == statefulset}


def make_service_object() -> dict[str, Any]:
    return load_manifest("kubia-service.yaml")


def make_statefulset_object(
    *,
    replicas: int,
    image: str,
    storage: Storage,
    pod_management_policy: str = "OrderedReady",
    update_strategy: dict[str, Any] | None = None,
    retention_policy: dict[str, str] | None = None,
    min_ready_seconds: int | None = None,
    ordinals_start: int | None = None,
    node_selector: dict[str, str] | None = None,
    tolerations: list[dict[str, Any]] | None = None,
    affinity: dict[str, Any] | None = None,
    name: str = NAME,
    labels: dict[str, str] | None = None,
    scratch: bool = False,
    trace: bool = False,
) -> dict[str, Any]:
    """The book's StatefulSet with the given settings. name and labels make another set beside it (its pods labelled
    app=<name>, out of the kubia Service); labels go on the StatefulSet itself. scratch adds the small emptyDir
    that lets the kubelet evict a pod on purpose (backends/readiness.py SCRATCH); trace has the app write its trace
    on the volume (evidence/trace.py: the image built here does, luksa/kubia-pet does not)."""
    statefulset = load_manifest("kubia-statefulset.yaml")
    spec = statefulset["spec"]
    if name != NAME:
        statefulset["metadata"]["name"] = name
        spec["selector"]["matchLabels"]["app"] = spec["template"]["metadata"]["labels"]["app"] = name
    if labels:
        statefulset["metadata"]["labels"] = labels
    spec["replicas"] = replicas
    spec["podManagementPolicy"] = pod_management_policy
    spec["template"]["spec"]["containers"][0]["image"] = image
    add_readiness_probe(spec["template"])
    if update_strategy:
        spec["updateStrategy"] = update_strategy
    if retention_policy:
        spec["persistentVolumeClaimRetentionPolicy"] = retention_policy
    if min_ready_seconds is not None:
        spec["minReadySeconds"] = min_ready_seconds
    if ordinals_start is not None:
        spec["ordinals"] = {"start": ordinals_start}
    if node_selector:
        spec["template"]["spec"]["nodeSelector"] = node_selector
    if tolerations:
        spec["template"]["spec"]["tolerations"] = tolerations
    if affinity:
        spec["template"]["spec"]["affinity"] = affinity
    if scratch:
        add_scratch(spec["template"])
    if trace:
        spec["template"]["spec"]["containers"][0].setdefault("env", []).extend(
            [
                {"name": "KUBIA_TRACE_FILE", "value": TRACE_FILE},
                {"name": "KUBIA_POD_UID", "valueFrom": {"fieldRef": {"fieldPath": "metadata.uid"}}},
                {"name": "KUBIA_NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
            ]
        )
    for template in spec["volumeClaimTemplates"]:
        storage.adjust_claim_template(template["spec"])
    return statefulset
