"""Predicates, names and words of the Kubernetes objects the suite reads, in one place: the Ready conditions of pods
and nodes, claims mounted by a pod and the volume of a claim, StatefulSet ordinals, claim names and revisions, and
each object's state in words. The suite, its tests and the defect programs all read objects through these."""

from __future__ import annotations

from typing import Any, Protocol

from kubernetes import client

from kubia_conformance.verdicts import InfrastructureError

READY = "Ready"
REVISION_LABEL = "controller-revision-hash"
"""The pod label that names the StatefulSet revision a pod was made from."""
HOSTNAME_LABEL = "kubernetes.io/hostname"


class Resource(Protocol):
    """An API object: the client's models declare every field optional, even those the server always sets."""

    @property
    def metadata(self) -> client.V1ObjectMeta | None: ...


class Listing(Protocol):
    @property
    def metadata(self) -> client.V1ListMeta | None: ...


def meta(obj: Resource) -> client.V1ObjectMeta:
    """The object's metadata, which the server always sends (a missing one is a broken server or client)."""
    if obj.metadata is None:
        raise InfrastructureError(f"the API server sent a {type(obj).__name__} without metadata")
    return obj.metadata


def name_of(obj: Resource) -> str:
    return str(meta(obj).name)


def uid_of(obj: Resource) -> str:
    return str(meta(obj).uid)


def version_of(obj: Resource) -> str:
    """The object's resourceVersion."""
    return str(meta(obj).resource_version)


def labels_of(obj: Resource) -> dict[str, str]:
    return dict(meta(obj).labels or {})


def annotations_of(obj: Resource) -> dict[str, str]:
    return dict(meta(obj).annotations or {})


def controller_of(obj: Resource) -> client.V1OwnerReference | None:
    """The ownerReference marked controller: the object that manages this one (a StatefulSet for its pods)."""
    return next((ref for ref in meta(obj).owner_references or [] if ref.controller), None)


def controller_uid(obj: Resource) -> str:
    """The uid of the object's controller, "" when nothing controls it (an orphan)."""
    owner = controller_of(obj)
    return str(owner.uid) if owner is not None else ""


def dns_name(pod: client.V1Pod) -> str:
    """The pod's own DNS name in its namespace, hostname.subdomain ("" unless it sets both): the name a headless
    Service of that subdomain gives it."""
    spec = pod.spec
    return f"{spec.hostname}.{spec.subdomain}" if spec is not None and spec.hostname and spec.subdomain else ""


def owner_uids(obj: Resource) -> tuple[str, ...]:
    """The uids of every ownerReference of the object, controller or not."""
    return tuple(str(ref.uid) for ref in meta(obj).owner_references or [])


def list_version(listing: Listing) -> str:
    """The resourceVersion of a list, to watch from."""
    if listing.metadata is None or listing.metadata.resource_version is None:
        raise InfrastructureError(f"the API server sent a {type(listing).__name__} without a resourceVersion")
    return str(listing.metadata.resource_version)


def pod_spec(pod: client.V1Pod) -> client.V1PodSpec:
    if pod.spec is None:
        raise InfrastructureError(f"the API server sent pod {name_of(pod)} without a spec")
    return pod.spec


def node_name(pod: client.V1Pod) -> str:
    """The node the pod is bound to, "" before it is scheduled."""
    return str(pod_spec(pod).node_name or "")


def condition(obj: client.V1Pod | client.V1Node, kind: str) -> client.V1PodCondition | client.V1NodeCondition | None:
    """The status condition of type kind of a pod or node, if it reports one."""
    conditions = obj.status.conditions if obj.status else None
    return next((c for c in conditions or [] if c.type == kind), None)


def is_ready(pod: client.V1Pod) -> bool:
    """The pod's Ready condition is True (it may still be terminating: see is_serving)."""
    found = condition(pod, READY)
    return found is not None and found.status == "True"


def is_terminating(obj: Resource) -> bool:
    """The object is marked for deletion (it has a deletionTimestamp) but still exists."""
    return meta(obj).deletion_timestamp is not None


def is_serving(pod: client.V1Pod) -> bool:
    """Ready and not terminating: the pod counts as one of the set's Ready replicas."""
    return is_ready(pod) and not is_terminating(pod)


def is_usable(claim: client.V1PersistentVolumeClaim) -> bool:
    """Bound and not marked for deletion: a claim that still keeps its data (one marked for deletion stays Bound
    until its pod goes, and then its data is gone)."""
    return bool(claim.status and claim.status.phase == "Bound") and not is_terminating(claim)


def volume_source(volume: client.V1PersistentVolume) -> str:
    """Where a PersistentVolume keeps its data, in words: the same name with another source is another volume."""
    spec = volume.spec
    if spec is None:
        return "no spec"
    if spec.host_path is not None:
        return f"hostPath {spec.host_path.path}"
    if spec.local is not None:
        return f"local {spec.local.path}"
    if spec.csi is not None:
        return f"csi {spec.csi.driver} {spec.csi.volume_handle}"
    if spec.nfs is not None:
        return f"nfs {spec.nfs.server}:{spec.nfs.path}"
    return "another kind of source"


def phase(pod: client.V1Pod) -> str:
    return str(pod.status.phase) if pod.status and pod.status.phase else ""


def revision_of(pod: client.V1Pod) -> str | None:
    """The StatefulSet revision (controller-revision-hash) the pod was made from."""
    return labels_of(pod).get(REVISION_LABEL)


def volume_name(claim: client.V1PersistentVolumeClaim) -> str:
    """The name of the volume the claim is bound to, "" while it is not bound."""
    return str((claim.spec.volume_name if claim.spec else None) or "")


def claim_phase(claim: client.V1PersistentVolumeClaim) -> str:
    return str((claim.status.phase if claim.status else None) or "")


def pinned_node(volume: client.V1PersistentVolume) -> str | None:
    """The node a volume is pinned to by its node affinity (local-path, local volumes), or None when it can move."""
    affinity = volume.spec.node_affinity if volume.spec else None
    for term in affinity.required.node_selector_terms if affinity and affinity.required else []:
        for expression in term.match_expressions or []:
            if expression.key == HOSTNAME_LABEL and expression.operator == "In" and expression.values:
                return str(expression.values[0])
    return None


def mounted_claims(pod: client.V1Pod) -> tuple[str, ...]:
    """Names of the PersistentVolumeClaims the pod mounts, in volume order."""
    volumes = pod_spec(pod).volumes or []
    return tuple(str(v.persistent_volume_claim.claim_name) for v in volumes if v.persistent_volume_claim)


def split_ordinal(name: str) -> tuple[str, int] | None:
    """("kubia", 2) for kubia-2: the StatefulSet and the ordinal of a pod it names; None for a name without one."""
    base, _, index = name.rpartition("-")
    return (base, int(index)) if base and index.isdigit() else None


def is_statefulset_pod(name: str) -> bool:
    """kubia-N: a name with an ordinal, as the StatefulSet names its pods."""
    return split_ordinal(name) is not None


def _ordinal_parts(pod: str) -> tuple[str, int]:
    parts = split_ordinal(pod)
    if parts is None:
        raise ValueError(f"{pod} is not a StatefulSet pod's name (<set>-<ordinal>)")
    return parts


def ordinal(pod: str) -> int:
    """The ordinal of a StatefulSet pod: 2 for kubia-2. ValueError for a name without one."""
    return _ordinal_parts(pod)[1]


def predecessor(pod: str) -> str:
    """The pod one ordinal below: kubia-0 for kubia-1."""
    statefulset, index = _ordinal_parts(pod)
    return pod_name(statefulset, index - 1)


def pod_name(statefulset: str, index: int) -> str:
    return f"{statefulset}-{index}"


def claim_name(pod: str, template: str = "data") -> str:
    """The claim a StatefulSet makes for pod from its claim template: data-kubia-1 for kubia-1."""
    return f"{template}-{pod}"


def node_ready(node: client.V1Node) -> str:
    """The node's Ready condition status: "True", "False", or "Unknown" (also when it reports none)."""
    found = condition(node, READY)
    return str(found.status) if found is not None else "Unknown"


def is_node_ready(node: client.V1Node) -> bool:
    return node_ready(node) == "True"


SIMULATED_RUNTIME_PREFIX = "kwok"
"""The containerRuntimeVersion of a simulated node (kwok-v0.8.0)."""


def simulated_runtime(node: client.V1Node) -> str | None:
    """The node's container runtime, if it is a simulation (kwok: pods are marked Running, nothing runs in them)."""
    info = node.status.node_info if node.status else None
    runtime = str(info.container_runtime_version or "") if info else ""
    return runtime if runtime.startswith(SIMULATED_RUNTIME_PREFIX) else None


def readiness_words(phase: str, ready: bool) -> str:
    """Running Ready, Pending not Ready: a pod's phase and readiness as every message says them."""
    return f"{phase or 'without phase'} {'Ready' if ready else 'not Ready'}"


def describe_pod(pod: client.V1Pod) -> str:
    """kubia-1 Running Ready on node-a: what a reader needs to see of one pod."""
    return (
        f"{name_of(pod)} {readiness_words(phase(pod), is_ready(pod))}"
        f"{' Terminating' if is_terminating(pod) else ''} on {node_name(pod) or 'no node'}"
    )


def describe_claim(claim: client.V1PersistentVolumeClaim) -> str:
    return (
        f"{name_of(claim)} (uid {uid_of(claim)[:8]}) {claim_phase(claim) or 'without phase'}"
        f"{' Terminating' if is_terminating(claim) else ''} on volume {volume_name(claim) or '-'}"
    )


def describe_pods(pods: dict[str, Any]) -> str:
    """One clause per pod: what a reader needs to see why a wait did not end."""
    return "; ".join(describe_pod(pod) for _, pod in sorted(pods.items())) or "no kubia pods"


def describe_claims(claims: dict[str, Any]) -> str:
    return "; ".join(describe_claim(claim) for _, claim in sorted(claims.items())) or "no claims"


def describe_status(status: client.V1StatefulSetStatus | None) -> str:
    """The StatefulSet status fields the checks read, in words."""
    if status is None:
        return "no status yet"
    return (
        f"replicas {status.replicas}, ready {status.ready_replicas or 0}, current {status.current_replicas or 0}, "
        f"updated {status.updated_replicas or 0}, currentRevision {status.current_revision}, "
        f"updateRevision {status.update_revision}"
    )
