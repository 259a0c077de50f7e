"""Waiting for the kubia StatefulSet's pods, claims and status to reach a state, on the test's timelines (or, for the
StatefulSet's status, on a watch of its own). A wait that times out is explained by the violation of an invariant
when the timeline saw one: the guarantee broken, with the timeout as its consequence."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from kubernetes import client

from kubia_conformance.cluster.connect import Cluster
from kubia_conformance.cluster.objects import describe_claims, describe_pods, describe_status, is_serving, uid_of
from kubia_conformance.cluster.watch import Objects, WaitTimeout, watch_for
from kubia_conformance.evidence.timeline import ClaimTimeline, PodTimeline
from kubia_conformance.kubia.build import NAME, own_pods, pod_names
from kubia_conformance.timeouts import Timeouts


class Waits:
    """The waits of the kubia StatefulSet in one namespace (a part of Kubia)."""

    cluster: Cluster
    namespace: str
    timeouts: Timeouts
    timeline: PodTimeline
    claim_timeline: ClaimTimeline

    def wait_pods(self, holds: Callable[[Objects], bool], what: str, timeout: float | None = None) -> Objects:
        """Waits on the timeline until holds(pods); returns the pods then. Fails with the pods as last seen, or
        with the violation of an invariant that explains why the state never came."""
        return self.timeline.wait_until(
            holds, timeout=timeout or self.timeouts.pod_ready, what=what, describe=describe_pods
        )

    def wait_pod(
        self, find: Callable[[Objects], client.V1Pod | None], what: str, timeout: float | None = None
    ) -> client.V1Pod:
        """Waits on the timeline until find(pods) returns a pod; returns it."""
        return self.timeline.wait_for(
            find, timeout=timeout or self.timeouts.pod_ready, what=what, describe=describe_pods
        )

    def wait_ready(self, replicas: int) -> Objects:
        """Waits until exactly kubia-0..replicas-1 exist, each Ready and not terminating; returns them."""
        return self.wait_names(pod_names(replicas), f"exactly {replicas} Ready kubia pods in {self.namespace}")

    def wait_names(self, names: list[str], what: str) -> Objects:
        """Waits until exactly the kubia pods names exist, each Ready and not terminating; returns the pods then."""
        expected = set(names)
        return self.wait_pods(
            lambda pods: set(own_pods(pods)) == expected and all(is_serving(pods[name]) for name in expected),
            what,
            self.timeouts.for_pods(len(names)),
        )

    def wait_count(self, replicas: int) -> Objects:
        """Waits until exactly replicas pods exist (scale-down finished, terminations done)."""
        return self.wait_pods(
            lambda pods: set(own_pods(pods)) == set(pod_names(replicas)),
            f"exactly {replicas} kubia pods in {self.namespace}",
            self.timeouts.for_pods(max(replicas, 1) + 2),
        )

    def wait_replaced(self, name: str, old_uid: str) -> client.V1Pod:
        """Waits until pod name exists again with a uid other than old_uid, Ready; returns it."""

        def replacement(pods: Objects) -> client.V1Pod | None:
            pod = pods.get(name)
            return pod if pod is not None and uid_of(pod) != old_uid and is_serving(pod) else None

        return self.wait_pod(replacement, f"{name} to come back as a new pod (old uid {old_uid[:8]}) and be Ready")

    def wait_claims(self, holds: Callable[[Objects], bool], what: str) -> Objects:
        """Waits on the claim timeline until holds(claims); returns the claims then."""
        with self.explained():
            return self.claim_timeline.wait_until(
                holds, timeout=self.timeouts.object_gone, what=what, describe=describe_claims
            )

    def wait_status(self, holds: Callable[[client.V1StatefulSetStatus], bool], what: str) -> client.V1StatefulSetStatus:
        """Watches the StatefulSet until holds(status); returns that status."""

        def status(sets: Objects) -> client.V1StatefulSetStatus | None:
            found = sets.get(NAME)
            return found.status if found is not None and found.status and holds(found.status) else None

        with self.explained():
            return watch_for(
                self.cluster.apps.list_namespaced_stateful_set,
                status,
                timeout=self.timeouts.pod_ready,
                what=what,
                describe=lambda sets: describe_status(sets[NAME].status) if NAME in sets else "no StatefulSet",
                namespace=self.namespace,
            )

    @contextmanager
    def explained(self) -> Iterator[None]:
        """A wait on its own watch (claims, the StatefulSet) that times out is explained like the timeline's waits:
        by the violation of an invariant, when the timeline saw one."""
        try:
            yield
        except WaitTimeout as timed_out:
            raise self.timeline.explain(timed_out) from None
