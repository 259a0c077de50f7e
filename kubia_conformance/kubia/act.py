"""Acting on the kubia StatefulSet through the API, and reading it: creating, scaling, patching and deleting it,
deleting and reaching into its pods, making one unready. Every action is marked on the check's stopwatch, so the
report's lifecycle picture shows what the test did and when."""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client

from kubia_conformance.backends.readiness import ReadinessControl
from kubia_conformance.backends.storage import Storage
from kubia_conformance.cluster import pod_access
from kubia_conformance.cluster.objects import controller_uid, is_ready, is_serving, name_of, uid_of, version_of
from kubia_conformance.cluster.retry import api, api_delete
from kubia_conformance.cluster.watch import Objects, watch_from, watch_until
from kubia_conformance.evidence.states import PodState
from kubia_conformance.evidence.timeline import newer
from kubia_conformance.kubia.build import NAME, claim_names, make_service_object, make_statefulset_object, own_pods
from kubia_conformance.kubia.wait import Waits
from kubia_conformance.timing import stopwatch

APP_PORT = 8080
"""The kubia app's HTTP port in its container."""


class Actions(Waits):
    """What a test does to the kubia StatefulSet in one namespace, and its reads of it (a part of Kubia)."""

    image: str
    storage: Storage
    readiness: ReadinessControl

    def deploy(self, replicas: int = 2, **statefulset_options: Any) -> None:
        """Creates the headless Service and the StatefulSet (in static storage mode, the volumes first)."""
        api(self.cluster.core.create_namespaced_service, self.namespace, make_service_object())
        self.create_statefulset(replicas, **statefulset_options)

    def create_statefulset(self, replicas: int, name: str = NAME, **statefulset_options: Any) -> None:
        """Creates the StatefulSet alone (or, with name, another one beside it), its volumes first in static storage
        mode (deploy() makes the Service)."""
        start = statefulset_options.get("ordinals_start") or 0
        self.storage.provide(self.cluster, self.namespace, claim_names(replicas, start, name))
        body = make_statefulset_object(
            replicas=replicas, image=self.image, storage=self.storage, name=name, **statefulset_options
        )
        api(self.cluster.apps.create_namespaced_stateful_set, self.namespace, body)
        which = "" if name == NAME else f" {name}"
        stopwatch.mark(
            "action", f"StatefulSet{which} created: {replicas} replicas, {body['spec']['podManagementPolicy']}"
        )

    def deploy_ready(self, replicas: int, **statefulset_options: Any) -> Objects:
        self.deploy(replicas, **statefulset_options)
        return self.wait_ready(replicas)

    def scale(self, replicas: int) -> None:
        self.storage.provide(self.cluster, self.namespace, claim_names(replicas))
        api(
            self.cluster.apps.patch_namespaced_stateful_set_scale,
            NAME,
            self.namespace,
            {"spec": {"replicas": replicas}},
        )
        stopwatch.mark("action", f"scaled to {replicas}")

    def set_ordinals(self, start: int | None, replicas: int) -> None:
        """Numbers the set's pods from start (None: removes spec.ordinals, back to 0), with replicas pods."""
        self.storage.provide(self.cluster, self.namespace, claim_names(replicas, start or 0))
        ordinals = {"start": start} if start is not None else None
        self.patch(
            {"spec": {"ordinals": ordinals, "replicas": replicas}},
            f"start ordinal {'set to ' + str(start) if start is not None else 'removed'}, {replicas} replicas",
        )

    def read_scale(self) -> client.V1Scale:
        """The StatefulSet's scale subresource."""
        return api(self.cluster.apps.read_namespaced_stateful_set_scale, NAME, self.namespace)

    def replace_scale(self, replicas: int) -> client.V1Scale:
        """Sets the replicas with an update (PUT) of the scale subresource, unconditionally (no resourceVersion)."""
        self.storage.provide(self.cluster, self.namespace, claim_names(replicas))
        body = client.V1Scale(
            metadata=client.V1ObjectMeta(name=NAME, namespace=self.namespace),
            spec=client.V1ScaleSpec(replicas=replicas),
        )
        scale = api(self.cluster.apps.replace_namespaced_stateful_set_scale, NAME, self.namespace, body)
        stopwatch.mark("action", f"scaled to {replicas} (update of the scale subresource)")
        return scale

    def read_status(self) -> client.V1StatefulSet:
        """The StatefulSet read through its status subresource."""
        return api(self.cluster.apps.read_namespaced_stateful_set_status, NAME, self.namespace)

    def patch_status(self, status: dict[str, Any], what: str) -> client.V1StatefulSet:
        """A JSON merge patch of the status subresource (what says it in words, for the report)."""
        patched = api(
            self.cluster.apps.patch_namespaced_stateful_set_status,
            NAME,
            self.namespace,
            {"status": status},
            _content_type="application/merge-patch+json",
        )
        stopwatch.mark("action", f"status patched: {what}")
        return patched

    def patch(self, body: dict[str, Any], what: str | None = None) -> None:
        """Patches the StatefulSet; what says the change in words for the report (default: the patch itself)."""
        api(self.cluster.apps.patch_namespaced_stateful_set, NAME, self.namespace, body)
        stopwatch.mark("action", what or f"StatefulSet patched: {json.dumps(body, separators=(',', ':'))}")

    def change_template(self, revision_mark: str) -> str:
        """Changes the pod template (an annotation) and waits until the controller has computed the new
        updateRevision; returns it."""
        current = self.statefulset().status
        before = current.update_revision if current else None
        self.patch(
            {"spec": {"template": {"metadata": {"annotations": {"kubia.test/revision": revision_mark}}}}},
            f"pod template changed (revision {revision_mark})",
        )
        status = self.wait_status(
            lambda status: bool(status.update_revision) and status.update_revision != before,
            f"the StatefulSet to compute a new update revision (was {before})",
        )
        return str(status.update_revision)

    def delete_pod(self, name: str, grace_period_seconds: int | None = None, uid: str | None = None) -> None:
        """Deletes pod name; with uid, only that incarnation (the server answers 404 or 409 if it is gone)."""
        options = client.V1DeleteOptions(preconditions=client.V1Preconditions(uid=uid)) if uid else None
        api_delete(
            self.cluster.core.delete_namespaced_pod,
            name,
            self.namespace,
            grace_period_seconds=grace_period_seconds,
            body=options,
        )
        force = " (force: grace period 0)" if grace_period_seconds == 0 else ""
        stopwatch.mark("action", f"{name}{f' (uid {uid[:8]})' if uid else ''} deleted{force}")

    def make_unready(self, name: str) -> None:
        """Makes pod name fail its readiness probe and waits until the cluster reports that same incarnation (uid)
        not Ready (a replacement that is not Ready yet does not count), and until the StatefulSet controller has
        seen it: its status counts no more Ready replicas than the pods show. The controller acts on its own cache,
        so a scale sent before it saw the pod unready is judged on the pod as it was (seen on kind in CI: kubia-3
        created 0.5 s after kubia-0 was reported not Ready); Kubernetes' e2e test waits the same way."""
        pod = self.timeline.current().get(name)
        uid = uid_of(pod) if pod is not None else ""
        self.readiness.make_unready(self.cluster, self.namespace, name)
        stopwatch.mark("action", f"{name} made to fail its readiness probe")
        pods = self.wait_pods(
            lambda pods: name in pods and uid_of(pods[name]) == uid and not is_ready(pods[name]),
            f"{name} (uid {uid[:8]}) to report not Ready once made unready",
        )
        ready = sum(1 for pod in own_pods(pods).values() if is_serving(pod))
        self.wait_status(
            lambda status: (status.ready_replicas or 0) <= ready,
            f"the StatefulSet controller to count {name} unready (status.readyReplicas at most {ready})",
        )

    def make_failed(self, name: str) -> tuple[PodState, client.V1StatefulSet]:
        """Has pod name's node fail it (phase Failed, as a kubelet evicting it does) and waits until the cluster
        shows that incarnation Failed. Returns its first Failed state, and the first StatefulSet the controller wrote
        after that state in which it counted the pod out (status.readyReplicas below the Ready pods before), seen
        by a watch of the set from before the failure: a status the controller wrote and put back at once is seen
        too. The pods need the scratch volume (deploy with scratch=True)."""
        pods = self.timeline.current()
        uid = uid_of(pods[name])
        ready = sum(1 for p in own_pods(pods).values() if is_serving(p))
        since = version_of(self.statefulset())
        self.readiness.make_failed(self.cluster, self.namespace, name)
        stopwatch.mark("action", f"{name} (uid {uid[:8]}) made to be failed by its node")
        self.wait_pods(
            lambda now: any(s.uid == uid and s.phase == "Failed" for s in self.timeline.recorded()[0]),
            f"{name} (uid {uid[:8]}) to be Failed once its node failed it",
            self.timeouts.pod_failed,
        )
        failed = next(s for s in self.timeline.states if s.uid == uid and s.phase == "Failed")
        counted = watch_from(
            self.cluster.apps.list_namespaced_stateful_set,
            since,
            lambda sets: (
                found
                if (found := sets.get(NAME)) is not None
                and newer(version_of(found), failed.version)
                and (found.status.ready_replicas or 0) < ready
                else None
            ),
            timeout=self.timeouts.pod_ready,
            what=f"the StatefulSet's status to count the Failed {name} out (status.readyReplicas below {ready})",
            namespace=self.namespace,
        )
        return failed, counted

    def make_ready(self, name: str) -> None:
        """Lets pod name pass its readiness probe again (the caller waits for the effect it needs)."""
        self.readiness.make_ready(self.cluster, self.namespace, name)
        stopwatch.mark("action", f"{name} made to pass its readiness probe")

    def delete(self, propagation_policy: str) -> None:
        """Deletes the StatefulSet with a cascade (Orphan, Background or Foreground); waits until it is gone."""
        api(
            self.cluster.apps.delete_namespaced_stateful_set,
            NAME,
            self.namespace,
            propagation_policy=propagation_policy,
        )
        stopwatch.mark("action", f"StatefulSet deleted (cascade {propagation_policy})")
        with self.explained():
            watch_until(
                self.cluster.apps.list_namespaced_stateful_set,
                lambda sets: NAME not in sets,
                timeout=self.timeouts.object_gone,
                what=f"StatefulSet {NAME} to be removed ({propagation_policy})",
                namespace=self.namespace,
            )

    def evict(self, name: str) -> None:
        """Evicts pod name through the Eviction API, as a node drain does."""
        eviction = client.V1Eviction(metadata=client.V1ObjectMeta(name=name, namespace=self.namespace))
        api(self.cluster.core.create_namespaced_pod_eviction, name, self.namespace, eviction)
        stopwatch.mark("action", f"{name} evicted (Eviction API)")

    def orphan(self, name: str) -> None:
        """Removes pod name's owner references: nothing controls it until the StatefulSet adopts it again."""
        api(self.cluster.core.patch_namespaced_pod, name, self.namespace, {"metadata": {"ownerReferences": None}})
        stopwatch.mark("action", f"{name} orphaned (owner references removed)")

    def lift_scheduling_gates(self, name: str) -> None:
        """Removes every scheduling gate of pod name: the scheduler may place it from now on."""
        api(self.cluster.core.patch_namespaced_pod, name, self.namespace, {"spec": {"schedulingGates": None}})
        stopwatch.mark("action", f"{name}'s scheduling gates lifted")

    def relabel(self, name: str, labels: dict[str, str | None], what: str) -> None:
        """Sets (None: removes) labels of pod name; what says the change in words for the report."""
        api(self.cluster.core.patch_namespaced_pod, name, self.namespace, {"metadata": {"labels": labels}})
        stopwatch.mark("action", f"{name} {what}")

    def controller_revisions(self) -> dict[str, client.V1ControllerRevision]:
        """The StatefulSet's revision history: its ControllerRevisions by name."""
        uid = uid_of(self.statefulset())
        listing = api(self.cluster.apps.list_namespaced_controller_revision, self.namespace)
        return {name_of(r): r for r in listing.items if controller_uid(r) == uid}

    def exec(self, pod: str, command: list[str]) -> str:
        """Runs command in the pod's container and returns its output (needs running containers)."""
        return pod_access.exec_in(self.cluster, self.namespace, pod, command)

    def http(self, pod: str, method: str, body: str | None = None) -> str:
        """An HTTP request to the pod's kubia port through the API server's pod proxy (needs running containers)."""
        return pod_access.http(self.cluster, self.namespace, pod, APP_PORT, method, body=body)

    def statefulset(self) -> client.V1StatefulSet:
        return api(self.cluster.apps.read_namespaced_stateful_set, NAME, self.namespace)

    def pods(self) -> Objects:
        """Every pod of the namespace, labelled or not (the namespace is the test's own)."""
        listing = api(self.cluster.core.list_namespaced_pod, self.namespace)
        return {name_of(pod): pod for pod in listing.items}

    def claims(self) -> Objects:
        listing = api(self.cluster.core.list_namespaced_persistent_volume_claim, self.namespace)
        return {name_of(claim): claim for claim in listing.items}
