"""The acceptance report looked at as a person would: a real run on the local cluster writes it, headless Chromium
renders it, and the DOM it built must show a row and a lifecycle picture per check, with a lane per pod
incarnation; under a defect, the failing check's message and evidence. The JSON beside it must validate.

Screenshots go to $KUBIA_REPORT_SCREENSHOTS (scripts/report-screenshots sets docs/), else reports/screenshots/.
These run the suite, one of them under a defect of the whole cluster: marker whole_cluster.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from browser import Element, render
from test_defects import DEFECTS

from conftest import REPO, run_suite_to_end
from kubia_conformance.report.document import SCHEMA_FILE

pytestmark = [pytest.mark.whole_cluster, pytest.mark.usefixtures("left_clean")]

SCREENSHOTS = Path(os.environ.get("KUBIA_REPORT_SCREENSHOTS") or REPO / "reports" / "screenshots")
NODE_LOSS = "tests_conformance/test_node_loss.py::test_pod_on_a_lost_node_is_replaced_only_after_force_delete"
PASSING_CHECKS = [
    "tests_conformance/test_ordered_creation.py::test_each_pod_is_created_after_its_predecessor_is_running_and_ready",
    "tests_conformance/test_ordered_creation.py::test_an_unready_pod_holds_back_its_successor_until_it_is_ready",
    NODE_LOSS,
    "tests_conformance/test_stable_identity.py::test_deleted_pod_comes_back_with_the_same_name_and_hostname",
    "tests_conformance/test_stable_identity.py::test_hostname_inside_the_container_is_the_pod_name",
]
"""Ordered creation (a held-back successor), node loss (the at-most-one window) and a check that skips here (it
needs containers), run by two xdist workers whose results merge into one report."""
NAIVE_CONTROLLER = next(d for d in DEFECTS if d.name.startswith("naive StatefulSet controller"))


def read_report(directory: Path) -> dict[str, Any]:
    report = json.loads((directory / "report.json").read_text())
    jsonschema.validate(report, json.loads(SCHEMA_FILE.read_text()))
    return report


def looked_at(directory: Path, name: str) -> Element:
    """The report rendered in Chromium; its screenshot kept as SCREENSHOTS/name."""
    screenshot = directory / name
    dom = render(directory / "report.html", screenshot)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot, SCREENSHOTS / name)
    return dom


def incarnations(check: dict[str, Any]) -> int:
    return len({pod["uid"] for pod in check["lifecycle"]["pods"]}) if check["lifecycle"] else 0


def test_a_passing_run_reads_as_one_report_with_a_picture_per_check(local_cluster, tmp_path):
    done = run_suite_to_end(*PASSING_CHECKS, "-n", "2", "--report", str(tmp_path))
    assert done.returncode == 0, f"the run failed:\n{done.stdout[-3000:]}"
    report = read_report(tmp_path)
    dom = looked_at(tmp_path, "report-passing.png")

    checks = {check["nodeid"]: check for check in report["checks"]}
    articles = {a.attrs["data-nodeid"]: a for a in dom.find_all("article", "check")}
    assert sorted(articles) == sorted(checks), "one row per check, and only those"
    assert report["suite"]["workers"] == 2
    assert len(checks) == len(PASSING_CHECKS), "both workers' checks are in the one report"
    for nodeid, check in checks.items():
        article = articles[nodeid]
        assert article.attrs["data-outcome"] == check["outcome"]
        if check["outcome"] == "skipped":
            assert "needs running containers" in check["message"]
            continue
        (picture,) = article.find_all("svg", "lifecycle")
        lanes = picture.find_all("g", "lane")
        assert len(lanes) == incarnations(check) > 0, f"{nodeid}: a lane per pod incarnation"
        assert article.find_all("g", "mark"), f"{nodeid}: the test's actions are marked"
    node_loss = articles[NODE_LOSS]
    assert [m.attrs["data-kind"] for m in node_loss.find_all("g", "mark")].count("node") >= 2, "node stop and start"
    assert node_loss.find_all("rect", "hold"), "the at-most-one window is shaded"
    verdicts = {row.attrs["data-verdict"] for row in dom.find_all("tr", "verdict")}
    assert verdicts == {"pass"}, "stable identity passes with one check skipped"


def test_a_run_under_a_defect_shows_the_failing_checks_evidence(local_cluster, tmp_path):
    check = NAIVE_CONTROLLER.checks[0]
    with NAIVE_CONTROLLER.apply(local_cluster, tmp_path):
        run_suite_to_end(check, "--report", str(tmp_path))
    report = read_report(tmp_path)
    dom = looked_at(tmp_path, "report-failing.png")

    (article,) = dom.find_all("article", "check")
    assert article.attrs["data-outcome"] == "failed", f"with the defect: {report['checks'][0]['message']}"
    (message,) = article.find_all("pre", "message")
    assert "ordered creation (OrderedReady) broken" in message.all_text()
    (evidence,) = article.find_all("details", "evidence")
    assert "open" in evidence.attrs, "a failing check's evidence is shown, not folded"
    assert "pod timeline" in evidence.all_text()
    assert len(article.find_all("g", "lane")) == incarnations(report["checks"][0]) >= 3
    (verdict,) = dom.find_all("tr", "verdict")
    assert verdict.attrs["data-verdict"] == "fail"
