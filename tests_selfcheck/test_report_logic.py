"""The acceptance report's own logic, on hand-made checks: verdicts per guarantee, lanes of the lifecycle picture,
the document against its schema, and the page's structure. A report from a real run is checked in a browser by
test_report_in_browser.py."""

from __future__ import annotations

import json
import subprocess
import sys
from html.parser import HTMLParser
from typing import Any

import jsonschema
import pytest
from histories import T0, Recorder

from kubia_conformance.report import document as report
from kubia_conformance.report import lifecycle
from kubia_conformance.report.html import render
from kubia_conformance.report.records import figures_of
from kubia_conformance.report.results import read_outcomes

START = T0.timestamp() - 1


def check(nodeid: str, outcome: str, guarantee: str = "Ordered creation", message: str = "") -> dict[str, Any]:
    pods = (
        Recorder()
        .created("kubia-0")
        .ready("kubia-0")
        .created("kubia-1")
        .terminating("kubia-1")
        .deleted("kubia-1")
        .created("kubia-1", uid="uid-kubia-1-b")
    )
    module, _, name = nodeid.partition("::")
    return {
        "nodeid": nodeid,
        "name": name,
        "module": module,
        "guarantee": guarantee,
        "promise": "pods in order",
        "outcome": outcome,
        "duration": 9.5,
        "started": START,
        "message": message,
        "evidence": "--- pod timeline ---\n12:00:01 kubia-0 <created>" if outcome == "failed" else "",
        "lifecycle": {
            "start": START,
            "end": START + 9.5,
            "pods": [lifecycle.pod_record(s) for s in pods.states],
            "marks": [{"kind": "action", "what": "scaled to 2", "at": START + 0.5}],
            "holds": [{"what": "a quiet window of 10 s", "started": START + 2, "ended": START + 4}],
        },
    }


def test_guarantee_name_and_promise_come_from_the_module_docstring():
    name, promise = report.guarantee_of("Ordered creation (OrderedReady): kubia-1 after kubia-0\nis Ready.\n\nMore.")
    assert (name, promise) == ("Ordered creation (OrderedReady)", "kubia-1 after kubia-0 is Ready.")


def test_a_failed_check_fails_its_guarantee_whatever_the_others_did():
    checks = [check("t.py::a", "passed"), check("t.py::b", "failed"), check("t.py::c", "error")]
    (verdict,) = report.verdicts(checks)
    assert verdict["verdict"] == "fail"
    assert verdict["reason"] == "1 failed; 1 errored; 1 passed"


def test_an_error_without_a_failure_is_no_verdict_either_way():
    (verdict,) = report.verdicts([check("t.py::a", "passed"), check("t.py::b", "error")])
    assert verdict["verdict"] == "error"


def test_a_guarantee_whose_checks_all_skipped_is_skipped_with_their_reasons():
    verdicts = report.verdicts(
        [check("t.py::a", "passed"), check("n.py::b", "skipped", "Node loss", "disruptive test (stops a node)")]
    )
    assert [(v["name"], v["verdict"]) for v in verdicts] == [("Ordered creation", "pass"), ("Node loss", "skip")]
    assert verdicts[1]["reason"] == "b skipped: disruptive test (stops a node)"


def test_each_incarnation_is_a_lane_that_ends_at_its_deletion():
    lanes = lifecycle.lanes(check("t.py::a", "passed")["lifecycle"]["pods"], end=START + 9.5)
    assert [(lane.name, lane.uid, lane.deleted is not None) for lane in lanes] == [
        ("kubia-0", "uid-kubia-0", False),
        ("kubia-1", "uid-kubia-1", True),
        ("kubia-1", "uid-kubia-1-b", False),
    ]
    assert [s.state for s in lanes[0].segments] == ["pending", "ready"]
    assert [s.state for s in lanes[1].segments] == ["pending", "terminating"]
    assert lanes[0].segments[-1].ended == START + 9.5


@pytest.mark.parametrize(
    ("phase", "ready", "terminating", "event", "state"),
    [
        ("Pending", False, False, "ADDED", "pending"),
        ("", False, False, "ADDED", "pending"),
        ("Running", False, False, "MODIFIED", "running"),
        ("Running", True, False, "MODIFIED", "ready"),
        ("Running", True, True, "MODIFIED", "terminating"),
        ("Failed", False, False, "MODIFIED", "finished"),
        ("Running", True, True, "DELETED", None),
    ],
)
def test_state_of_a_pod_record(phase, ready, terminating, event, state):
    assert lifecycle.state_of({"phase": phase, "ready": ready, "terminating": terminating, "event": event}) == state


def document() -> dict[str, Any]:
    return report.document(
        started=START,
        ended=START + 30,
        suite={"version": "0.1.0", "arguments": ["tests_conformance"], "workers": 2, "options": {"image": "kubia"}},
        cluster={
            "context": "kind-kubia",
            "server": "https://127.0.0.1:6443",
            "version": "v1.36.3",
            "nodes": [{"name": "n1", "ready": "True", "roles": [], "kubelet": "v1.36.3", "runtime": "kwok", "os": ""}],
            "storage": "dynamic",
            "dns": None,
            "capabilities": ["containers run: no"],
        },
        checks=[check("t.py::a", "passed"), check("t.py::b", "failed", message="GuaranteeBroken: kubia-1 early")],
    )


def test_the_document_validates_against_its_schema():
    schema = json.loads(report.SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads(json.dumps(document())), schema)


def test_the_schema_refuses_a_document_without_verdicts():
    broken = document()
    del broken["guarantees"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, json.loads(report.SCHEMA_FILE.read_text()))


class Tags(HTMLParser):
    """Start tags with their attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_the_page_is_self_contained_with_a_picture_per_check():
    page = render(document())
    parser = Tags()
    parser.feed(page)
    tags = [tag for tag, _ in parser.tags]
    assert "script" not in tags
    assert not [a for _, a in parser.tags if str(a.get("src") or a.get("href") or "").startswith(("http", "//"))]
    assert tags.count("article") == 2
    assert tags.count("svg") == 2
    lanes = [a for t, a in parser.tags if t == "g" and "lane" in str(a.get("class"))]
    assert len(lanes) == 6
    assert "GuaranteeBroken: kubia-1 early" in page


def test_a_node_loss_checks_failover_figures_reach_the_document_and_the_page():
    measurements = [
        {
            "kind": "figure",
            "what": "fault to NotReady",
            "started": START,
            "reached": START + 16.46,
            "ended": START + 16.46,
        },
        {"kind": "wait", "what": "node to be Ready", "started": START, "reached": START + 2, "ended": START + 2},
    ]
    figures = figures_of(measurements)
    assert figures == [
        {"what": "fault to NotReady", "seconds": 16.46, "started": round(START, 3), "ended": round(START + 16.46, 3)}
    ]
    with_figures = document()
    with_figures["checks"][0]["figures"] = figures
    jsonschema.validate(json.loads(json.dumps(with_figures)), json.loads(report.SCHEMA_FILE.read_text()))
    page = render(with_figures)
    assert "<td>fault to NotReady</td><td>16.5 s</td>" in page


TEARDOWN_AFTER_FAILURE = """
import pytest

@pytest.fixture
def breaks_on_teardown():
    yield
    raise AssertionError("left something behind")

def test_fails_then_errors(breaks_on_teardown):
    raise AssertionError("the guarantee broke")

def test_passes_then_errors(breaks_on_teardown):
    pass
"""


def test_a_check_that_fails_and_then_errors_on_teardown_counts_as_failed(tmp_path):
    """pytest writes such a check as two testcase elements of one name, the failure and then the error: the failure
    is what it showed (a later element must not hide it)."""
    (tmp_path / "test_teardown.py").write_text(TEARDOWN_AFTER_FAILURE)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--junitxml", "out.xml", "test_teardown.py"]
    subprocess.run(command, cwd=tmp_path, capture_output=True, check=False, timeout=60)
    outcomes = read_outcomes(tmp_path / "out.xml")
    assert outcomes["test_fails_then_errors"].outcome == "failed"
    assert "the guarantee broke" in outcomes["test_fails_then_errors"].message
    assert outcomes["test_passes_then_errors"].outcome == "error"
