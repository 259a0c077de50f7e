"""Fresh, labelled namespaces per test, and finding and removing what the suite left on a cluster."""

from __future__ import annotations

import os
import re
import uuid

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from kubia_conformance.cluster.connect import Cluster
from kubia_conformance.cluster.objects import labels_of, name_of
from kubia_conformance.cluster.retry import api
from kubia_conformance.cluster.watch import watch_until

SUITE_LABEL = "kubia.test/suite"
SUITE = "conformance"
TEST_LABEL = "kubia.test/test"
RUN_LABEL = "kubia.test/run"
"""The run a namespace belongs to: $KUBIA_RUN_ID, else xdist's id of the run (the same in every worker), else one
made when the suite starts. What one run made can be told from another's on the same cluster (the self-checks scope
a broken cluster's defect to the run that checks it, so that several run at once)."""
SUITE_SELECTOR = f"{SUITE_LABEL}={SUITE}"
OWNER_LABEL = "kubia.test/namespace"
"""On what a check makes outside its namespace (a volume in static mode, a node lock's Lease): that namespace. What
a check that is over left behind is what names a namespace that no longer exists (cleanup.py)."""


def label_value(text: str) -> str:
    """text made into a valid label value (63 characters of [A-Za-z0-9._-], alphanumeric at both ends)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text)[-63:].strip("-._") or "unnamed"


def run_id() -> str:
    return label_value(os.environ.get("KUBIA_RUN_ID") or os.environ.get("PYTEST_XDIST_TESTRUNUID") or _started_run)


_started_run = uuid.uuid4().hex[:16]


def create_test_namespace(cluster: Cluster, test_name: str, labels: dict[str, str] | None = None) -> str:
    """Creates a namespace named kubia-<random>, labelled as the suite's, with the test's name and the run's id (and
    labels)."""
    body = client.V1Namespace(
        metadata=client.V1ObjectMeta(
            generate_name="kubia-",
            labels={**(labels or {}), SUITE_LABEL: SUITE, TEST_LABEL: label_value(test_name), RUN_LABEL: run_id()},
        )
    )
    return name_of(api(cluster.core.create_namespace, body))


def delete_namespace(cluster: Cluster, name: str) -> None:
    """Deletes the namespace, its StatefulSets and claims first. The namespace controller starts on a deleted
    namespace only 5 s later (namespaceDeletionGracePeriod), and each pass that leaves something behind (a pod
    still terminating, a claim held by its finalizer) waits 5 s or more before the next. With the StatefulSets and
    claims deleted now, their pods end and the claims' finalizers are lifted during those first 5 s, and the
    namespace goes in one pass: 5 to 6 s instead of 10 to 15 s (measured on the local cluster)."""
    try:
        api(cluster.apps.delete_collection_namespaced_stateful_set, name, propagation_policy="Background")
        api(cluster.core.delete_collection_namespaced_persistent_volume_claim, name)
        api(cluster.core.delete_namespace, name, propagation_policy="Background")
    except ApiException as error:
        if error.status != 404:
            raise


def suite_namespaces(cluster: Cluster) -> list[str]:
    return [name_of(ns) for ns in api(cluster.core.list_namespace, label_selector=SUITE_SELECTOR).items]


def run_and_other_namespaces(cluster: Cluster, run: str | None) -> tuple[list[str], set[str]]:
    """The suite's namespaces of run, and those of every other run (whose checks may still be running), from one
    list; run None: every suite namespace, and no other run."""
    listed = api(cluster.core.list_namespace, label_selector=SUITE_SELECTOR).items
    ours = [name_of(ns) for ns in listed if run is None or labels_of(ns).get(RUN_LABEL) == label_value(run)]
    return ours, {name_of(ns) for ns in listed} - set(ours)


def wait_namespaces_gone(cluster: Cluster, names: set[str], timeout: float) -> None:
    """Waits until none of names exists any more (their pods, claims and volumes went with them)."""
    watch_until(
        cluster.core.list_namespace,
        lambda objects: not (names & objects.keys()),
        timeout=timeout,
        what=f"namespaces {', '.join(sorted(names))} to be removed",
        describe=lambda objects: "still present: " + ", ".join(sorted(names & objects.keys())),
        label_selector=SUITE_SELECTOR,
    )
