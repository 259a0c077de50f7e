"""What a failed test leaves in its report: the pod and claim timelines, the namespace's events, and its objects'
states."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from kubernetes import client

from kubia_conformance.cluster.connect import Cluster
from kubia_conformance.cluster.objects import describe_claim, describe_pods, describe_status, meta, name_of
from kubia_conformance.cluster.retry import api
from kubia_conformance.evidence.timeline import ClaimTimeline, PodTimeline


def collect(cluster: Cluster, namespace: str, timeline: PodTimeline | None, claims: ClaimTimeline | None = None) -> str:
    """A plain-text report; each part that cannot be read says why instead of hiding the rest."""
    parts = []
    if timeline is not None:
        parts.append(("pod timeline (time seen, watch sequence, pod, state)", timeline.render()))
    if claims is not None:
        parts.append(("claim timeline (time seen, watch sequence, claim, state)", claims.render()))
    parts.append(("StatefulSets", _read(lambda: _statefulsets(cluster, namespace))))
    parts.append(
        (
            "pods now",
            _read(
                lambda: describe_pods({name_of(p): p for p in api(cluster.core.list_namespaced_pod, namespace).items})
            ),
        )
    )
    parts.append(("claims", _read(lambda: _claims(cluster, namespace))))
    parts.append(("events", _read(lambda: _events(cluster, namespace))))
    return "\n\n".join(f"--- {title} ---\n{body}" for title, body in parts)


def _read(produce: Callable[[], str]) -> str:
    try:
        return produce()
    except Exception as error:  # noqa: BLE001 - evidence is best effort: a broken cluster must not hide the failure
        return f"(could not read: {type(error).__name__}: {error})"


def _statefulsets(cluster: Cluster, namespace: str) -> str:
    lines = []
    for s in api(cluster.apps.list_namespaced_stateful_set, namespace).items:
        lines.append(
            f"{name_of(s)}: replicas {s.spec.replicas} policy {s.spec.pod_management_policy} "
            f"update {s.spec.update_strategy.type if s.spec.update_strategy else '?'}; status: "
            f"{describe_status(s.status)}"
        )
    return "\n".join(lines) or "(none)"


def _claims(cluster: Cluster, namespace: str) -> str:
    claims = api(cluster.core.list_namespaced_persistent_volume_claim, namespace).items
    return "\n".join(describe_claim(c) for c in sorted(claims, key=name_of)) or "(none)"


def event_time(event: client.CoreV1Event) -> datetime:
    """When the event last happened, by whichever time the reporting component set."""
    return event.last_timestamp or event.event_time or meta(event).creation_timestamp or datetime.min


def _events(cluster: Cluster, namespace: str) -> str:
    events = api(cluster.core.list_namespaced_event, namespace).items
    events.sort(key=event_time)
    return (
        "\n".join(
            f"{event_time(e):%H:%M:%S} {e.type} {e.reason} "
            f"{e.involved_object.kind}/{e.involved_object.name}: {e.message}"
            for e in events
        )
        or "(none)"
    )
