"""The comparison of two runs (kubia-conformance compare), on reports made by hand: what changed is said, and only a
new failure or error, a verdict turned fail or error, or a pass turned skip is a regression."""

from __future__ import annotations

import json

from kubia_conformance.report.compare import compare, html, main, text
from kubia_conformance.report.document import SCHEMA, verdicts


def check(name: str, outcome: str, duration: float = 10.0, message: str = "") -> dict:
    return {
        "nodeid": f"tests_conformance/test_x.py::{name}",
        "name": name,
        "module": "tests_conformance/test_x.py",
        "guarantee": "Stable identity" if "identity" in name else "Stable storage",
        "promise": "",
        "outcome": outcome,
        "duration": duration,
        "started": 0.0,
        "message": message,
        "evidence": "",
        "lifecycle": None,
    }


def report(*checks: dict) -> dict:
    summary = dict.fromkeys(("passed", "failed", "error", "skipped"), 0)
    for c in checks:
        summary[c["outcome"]] += 1
    return {
        "schema": SCHEMA,
        "started": "2026-12-04T00:00:00+00:00",
        "duration": 60.0,
        "suite": {"version": "0", "arguments": [], "workers": 0, "options": {}},
        "cluster": None,
        "summary": summary,
        "guarantees": verdicts(list(checks)),
        "checks": list(checks),
    }


def test_a_new_failure_is_a_regression_with_its_message_and_the_verdict_change():
    before = report(check("test_identity", "passed"), check("test_storage", "passed"))
    after = report(
        check("test_identity", "failed", message="stable identity: hostname None"), check("test_storage", "passed")
    )
    result = compare(before, after, "a", "b")
    assert result.regressed
    assert result.new_problems == [
        ("tests_conformance/test_x.py::test_identity", "passed", "failed", "stable identity: hostname None")
    ]
    assert result.verdicts == [("Stable identity", "pass", "fail")]
    said = text(result)
    assert "REGRESSION" in said
    assert "passed -> failed: stable identity: hostname None" in said
    assert 'id="new-problems"' in html(result)
    assert 'class="badge regression"' in html(result)


def test_slower_fixed_and_skipped_checks_are_said_and_only_the_skip_regresses():
    before = report(
        check("test_identity", "failed", message="x"),
        check("test_storage", "passed", 10.0),
        check("test_storage_data", "passed"),
    )
    after = report(
        check("test_identity", "passed"),
        check("test_storage", "passed", 16.0),
        check("test_storage_data", "skipped", message="needs containers"),
    )
    result = compare(before, after, "a", "b")
    assert result.fixed == [("tests_conformance/test_x.py::test_identity", "failed")]
    assert result.slower == [("tests_conformance/test_x.py::test_storage", 10.0, 16.0)]
    assert result.lost_coverage == [("tests_conformance/test_x.py::test_storage_data", "needs containers")]
    assert result.regressed


def test_a_small_slowdown_is_noise_and_nothing_changed_is_said(tmp_path):
    before = report(check("test_storage", "passed", 2.0))
    after = report(check("test_storage", "passed", 3.5))
    result = compare(before, after, "a", "b")
    assert not result.regressed
    assert not result.slower
    assert "nothing changed" in text(result)
    (tmp_path / "a.json").write_text(json.dumps(before))
    (tmp_path / "b.json").write_text(json.dumps(after))
    assert main([str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--html", str(tmp_path / "c.html")]) == 0
    assert (tmp_path / "c.html").read_text().startswith("<!DOCTYPE html>")


def test_a_file_that_is_not_a_report_is_one_error_line(tmp_path, capsys):
    (tmp_path / "a.json").write_text('{"schema": "something-else"}')
    assert main([str(tmp_path / "a.json"), str(tmp_path / "a.json")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
