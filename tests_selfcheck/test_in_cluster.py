"""The suite from inside the cluster: the plain Job of manifests/job/, with exactly the RBAC of manifests/rbac/ (the
node-loss checks' opt-in part included, and KUBIA_ALLOW_DISRUPTION=1), runs the suite's image
(scripts/build-suite-image) on the kind cluster, where pods run real containers. Every check must pass, the DNS
checks through the pod's own /etc/resolv.conf, and the node-loss checks by a fault done from inside the node (the
partition, auto's choice from a pod), never on the node the Job runs on; and the report the Job prints must validate.
A second Job runs the node-loss checks with the kubelet stopped instead. (The plugin without the opt-in, where they
skip, is tests_selfcheck/test_sonobuoy.py.)

Needs the kind cluster (scripts/kind-cluster) and $KUBIA_SUITE_IMAGE loaded into it; scripts/test runs it after
the suite on kind. Marker in_cluster.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from kubernetes import client

from conftest import RBAC_NAMESPACE as NAMESPACE
from conftest import shipped_rbac_applied
from kubia_conformance.backends.reservation import workers
from kubia_conformance.cluster.connect import Cluster
from kubia_conformance.cluster.manifests import load_manifests
from kubia_conformance.cluster.objects import HOSTNAME_LABEL
from kubia_conformance.cluster.watch import watch_until
from kubia_conformance.report.document import SCHEMA_FILE

pytestmark = pytest.mark.in_cluster

JOB_TIMEOUT = 900
"""The whole suite inside the kind cluster: about 6 min on 2 cores."""
TAKEN_DOWN = re.compile(r"node (\S+) (?:partitioned|kubelet stopped)")
"""The mark of a node taken down from inside (backends/node_faults.py, PodFaults.stop)."""
REPORT_START, REPORT_END = "--- kubia-conformance report.json ---", "--- end of report.json ---"


@pytest.fixture
def shipped_rbac(kind_cluster: Cluster) -> Iterator[None]:
    with shipped_rbac_applied(kind_cluster, node_faults=True):
        yield


def report_in(logs: str) -> dict[str, Any]:
    """The report the suite's image printed at the end of its logs, validated against its schema."""
    assert REPORT_START in logs, f"no report in the logs:\n{logs[-3000:]}"
    report = json.loads(logs[logs.index(REPORT_START) + len(REPORT_START) : logs.index(REPORT_END)])
    jsonschema.validate(report, json.loads(SCHEMA_FILE.read_text()))
    return report


def job_object(spare: str, **env: str) -> dict[str, Any]:
    """manifests/job/kubia-conformance.yaml with the suite's image, the kubia image built here, node loss allowed by
    the suite's own image as the fault pod's, and env; on the spare worker, the one no check takes down, so that the
    node-loss checks have two nodes to take, not one (the Job's own is never taken)."""
    (job,) = load_manifests("job/kubia-conformance.yaml")
    job["spec"]["template"]["spec"]["nodeSelector"] = {HOSTNAME_LABEL: spare}
    container = job["spec"]["template"]["spec"]["containers"][0]
    container["image"] = os.environ["KUBIA_SUITE_IMAGE"]
    container["imagePullPolicy"] = "Never"
    values = {
        "KUBIA_IMAGE": os.environ["KUBIA_IMAGE"],
        "KUBIA_ALLOW_DISRUPTION": "1",
        "KUBIA_NODE_FAULT_IMAGE": os.environ["KUBIA_SUITE_IMAGE"],
        **env,
    }
    container["env"] = [v for v in container["env"] if v["name"] not in values] + [
        {"name": name, "value": value} for name, value in values.items()
    ]
    return job


def finished(jobs: dict[str, Any]) -> bool:
    job = jobs.get("kubia-conformance")
    conditions = (job.status.conditions if job is not None and job.status else None) or []
    return any(c.type in ("Complete", "Failed") and c.status == "True" for c in conditions)


def run_job(cluster: Cluster, **env: str) -> tuple[dict[str, Any], str]:
    """Runs the Job to its end; the report it printed, and the node its pod ran on."""
    batch = client.BatchV1Api(cluster.api_client)
    every, _ = workers(cluster)
    batch.create_namespaced_job(NAMESPACE, job_object(max(every), **env))
    jobs = watch_until(
        batch.list_namespaced_job,
        finished,
        timeout=JOB_TIMEOUT,
        what="the suite's Job to finish",
        namespace=NAMESPACE,
    )
    (pod,) = cluster.core.list_namespaced_pod(NAMESPACE, label_selector="app=kubia-conformance").items
    logs = cluster.core.read_namespaced_pod_log(pod.metadata.name, NAMESPACE)
    print(logs[: logs.find(REPORT_START)][-3000:])
    report = report_in(logs)
    conditions = {c.type: c.status for c in jobs["kubia-conformance"].status.conditions}
    not_passed = [
        f"{c['name']} {c['outcome']}: {c['message'][:300]}" for c in report["checks"] if c["outcome"] != "passed"
    ]
    assert not not_passed, "from inside the cluster:\n" + "\n".join(not_passed)
    assert conditions.get("Complete") == "True", f"the Job did not complete: {conditions}"
    return report, pod.spec.node_name


def assert_node_loss_by(report: dict[str, Any], fault: str, runner: str) -> None:
    """The node-loss checks ran with fault, each on a node other than the Job's, with their failover figures."""
    cluster = report["cluster"]
    assert any(line.startswith(f"node disruption: {fault}:") for line in cluster["capabilities"]), cluster
    node_loss = [c for c in report["checks"] if c["module"].endswith("test_node_loss.py")]
    assert len(node_loss) == 2, [c["name"] for c in report["checks"]]
    for check in node_loss:
        taken = {
            found.group(1)
            for mark in check["lifecycle"]["marks"]
            if mark["kind"] == "node" and (found := TAKEN_DOWN.match(mark["what"]))
        }
        assert taken, f"{check['name']} took no node down"
        assert runner not in taken, f"{check['name']} took down {taken}; the Job ran on {runner}"
        figures = {f["what"] for f in check["figures"]}
        assert {"fault to NotReady", "heal to node Ready", "heal to old container gone"} <= figures, figures


@pytest.mark.usefixtures("shipped_rbac")
def test_the_job_runs_every_check_from_inside_the_cluster_node_loss_by_partition(kind_cluster):
    report, runner = run_job(kind_cluster)
    cluster = report["cluster"]
    assert cluster["context"] == "in-cluster"
    assert "/etc/resolv.conf" in (cluster["dns"] or ""), f"DNS was reached by {cluster['dns']}"
    assert report["summary"]["passed"] >= 49, report["summary"]
    assert_node_loss_by(report, "partition", runner)


@pytest.mark.usefixtures("shipped_rbac")
def test_the_job_takes_nodes_down_by_stopping_their_kubelet(kind_cluster):
    report, runner = run_job(kind_cluster, KUBIA_NODE_FAULT="kubelet-stop", KUBIA_MARKERS="disruptive and slow")
    assert_node_loss_by(report, "kubelet-stop", runner)
