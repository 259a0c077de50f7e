"""The suite from inside the cluster: the plain Job of manifests/job/, with exactly the RBAC of manifests/rbac/, runs
the suite's image (scripts/build-suite-image) on the kind cluster, where pods run real containers. Every
non-disruptive check must pass, the DNS checks through the pod's own /etc/resolv.conf; the disruptive ones must
skip, saying why; and the report the Job prints must validate.

Needs the kind cluster (scripts/kind-cluster) and $KUBIA_SUITE_IMAGE loaded into it; scripts/test runs it after
the suite on kind. Marker in_cluster.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from kubernetes import client

from conftest import RBAC_NAMESPACE as NAMESPACE
from conftest import selected_checks, shipped_rbac_applied
from kubia_conformance.cluster.connect import Cluster
from kubia_conformance.cluster.manifests import load_manifests
from kubia_conformance.cluster.watch import watch_until
from kubia_conformance.report.document import SCHEMA_FILE

pytestmark = pytest.mark.in_cluster

JOB_TIMEOUT = 900
"""The whole non-disruptive suite inside the kind cluster: about 5 min on 2 cores."""
REPORT_START, REPORT_END = "--- kubia-conformance report.json ---", "--- end of report.json ---"


@pytest.fixture
def shipped_rbac(kind_cluster: Cluster) -> Iterator[None]:
    with shipped_rbac_applied(kind_cluster):
        yield


def report_in(logs: str) -> dict[str, Any]:
    """The report the suite's image printed at the end of its logs, validated against its schema."""
    assert REPORT_START in logs, f"no report in the logs:\n{logs[-3000:]}"
    report = json.loads(logs[logs.index(REPORT_START) + len(REPORT_START) : logs.index(REPORT_END)])
    jsonschema.validate(report, json.loads(SCHEMA_FILE.read_text()))
    return report


def job_object() -> dict[str, Any]:
    """manifests/job/kubia-conformance.yaml with the suite's image and the kubia image built here."""
    (job,) = load_manifests("job/kubia-conformance.yaml")
    container = job["spec"]["template"]["spec"]["containers"][0]
    container["image"] = os.environ["KUBIA_SUITE_IMAGE"]
    container["imagePullPolicy"] = "Never"
    for variable in container["env"]:
        if variable["name"] == "KUBIA_IMAGE":
            variable["value"] = os.environ["KUBIA_IMAGE"]
    return job


def finished(jobs: dict[str, Any]) -> bool:
    job = jobs.get("kubia-conformance")
    conditions = (job.status.conditions if job is not None and job.status else None) or []
    return any(c.type in ("Complete", "Failed") and c.status == "True" for c in conditions)


@pytest.mark.usefixtures("shipped_rbac")
def test_the_job_runs_every_non_disruptive_check_from_inside_the_cluster(kind_cluster):
    batch = client.BatchV1Api(kind_cluster.api_client)
    batch.create_namespaced_job(NAMESPACE, job_object())
    jobs = watch_until(
        batch.list_namespaced_job,
        finished,
        timeout=JOB_TIMEOUT,
        what="the suite's Job to finish",
        namespace=NAMESPACE,
    )
    (pod,) = kind_cluster.core.list_namespaced_pod(NAMESPACE, label_selector="app=kubia-conformance").items
    logs = kind_cluster.core.read_namespaced_pod_log(pod.metadata.name, NAMESPACE)
    print(logs[: logs.find(REPORT_START)][-3000:])
    report = report_in(logs)

    cluster = report["cluster"]
    assert cluster["context"] == "in-cluster"
    assert "/etc/resolv.conf" in (cluster["dns"] or ""), f"DNS was reached by {cluster['dns']}"
    assert any("inside the cluster" in line for line in cluster["capabilities"]), cluster["capabilities"]
    marked = selected_checks("disruptive")
    disruptive = [c for c in report["checks"] if c["name"] in marked]
    assert disruptive, "the disruptive checks are not in the report"
    for check in disruptive:
        assert check["outcome"] == "skipped", f"{check['name']} {check['outcome']} inside the cluster"
        assert "runs inside the cluster" in check["message"], check["message"]
    not_passed = [
        f"{c['name']} {c['outcome']}: {c['message'][:300]}"
        for c in report["checks"]
        if c["outcome"] != "passed" and c not in disruptive
    ]
    assert not not_passed, "from inside the cluster:\n" + "\n".join(not_passed)
    assert report["summary"]["passed"] >= 44, report["summary"]
    conditions = {c.type: c.status for c in jobs["kubia-conformance"].status.conditions}
    assert conditions.get("Complete") == "True", f"the Job did not complete: {conditions}"
