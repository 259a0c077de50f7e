"""Predicates and names of the Kubernetes objects the suite reads, in one place: the Ready conditions of pods and
nodes, claims mounted by a pod, StatefulSet ordinals and claim names. The suite, its tests and the defect programs
all read objects through these."""

from __future__ import annotations

from typing import Protocol

from kubernetes import client

from kubia_conformance.verdicts import InfrastructureError

READY = "Ready"


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


def mounted_claims(pod: client.V1Pod) -> tuple[str, ...]:
    """Names of the PersistentVolumeClaims the pod mounts, in volume order."""
    volumes = pod_spec(pod).volumes or []
    return tuple(str(v.persistent_volume_claim.claim_name) for v in volumes if v.persistent_volume_claim)


def ordinal(pod_name: str) -> int:
    """The ordinal of a StatefulSet pod: 2 for kubia-2. ValueError for a name without one."""
    return int(pod_name.rsplit("-", 1)[1])


def predecessor(pod: str) -> str:
    """The pod one ordinal below: kubia-0 for kubia-1."""
    statefulset, index = pod.rsplit("-", 1)
    return pod_name(statefulset, int(index) - 1)


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


def describe_pod(pod: client.V1Pod) -> str:
    """kubia-1 Running Ready on node-a: what a reader needs to see of one pod."""
    return (
        f"{name_of(pod)} {phase(pod) or 'without phase'} {'Ready' if is_ready(pod) else 'not Ready'}"
        f"{' Terminating' if is_terminating(pod) else ''} on {node_name(pod) or 'no node'}"
    )


def describe_claim(claim: client.V1PersistentVolumeClaim) -> str:
    phase_ = claim.status.phase if claim.status else None
    volume = claim.spec.volume_name if claim.spec else None
    return (
        f"{name_of(claim)} (uid {uid_of(claim)[:8]}) {phase_ or 'without phase'}"
        f"{' Terminating' if is_terminating(claim) else ''} on volume {volume or '-'}"
    )
