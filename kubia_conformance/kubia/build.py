"""Building the book's objects for one test: the headless Service and the StatefulSet, from manifests/, adjusted for
the run (replicas, image, policies, storage, the readiness probe). Builders only build; nothing here calls the API."""

from __future__ import annotations

from typing import Any

from kubia_conformance.backends.readiness import add_readiness_probe
from kubia_conformance.backends.storage import Storage
from kubia_conformance.cluster.manifests import load_manifest
from kubia_conformance.cluster.objects import is_statefulset_pod, pod_name
from kubia_conformance.cluster.watch import Objects

NAME = "kubia"
"""The StatefulSet's name, and its headless Service's."""


def pod_names(replicas: int) -> list[str]:
    """kubia-0 .. kubia-(replicas-1)."""
    return [pod_name(NAME, index) for index in range(replicas)]


def own_pods(pods: Objects) -> Objects:
    """The StatefulSet's pods among pods (kubia-N): waits for a count look at these; the at-most-one rule looks at
    every pod."""
    return {name: pod for name, pod in pods.items() if is_statefulset_pod(name) and name.startswith(f"{NAME}-")}


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
) -> dict[str, Any]:
    statefulset = load_manifest("kubia-statefulset.yaml")
    spec = statefulset["spec"]
    spec["replicas"] = replicas
    spec["podManagementPolicy"] = pod_management_policy
    spec["template"]["spec"]["containers"][0]["image"] = image
    add_readiness_probe(spec["template"])
    if update_strategy:
        spec["updateStrategy"] = update_strategy
    if retention_policy:
        spec["persistentVolumeClaimRetentionPolicy"] = retention_policy
    for template in spec["volumeClaimTemplates"]:
        storage.adjust_claim_template(template["spec"])
    return statefulset
