"""Every check's reports, collected by the process that reports (the xdist controller, or the only process): they
feed the next run's scheduling (timing/scheduling.py), --timings and --report (document.py).

Each check's stopwatch records (timing/stopwatch.py) and pod timeline ride on its teardown report, which xdist carries
from the worker to the controller; the controller adds the check's duration (setup + call + teardown, as JUnit
counts it), outcome and message. --timings writes:

    {"started": <epoch seconds>, "wall": <seconds>, "workers": <xdist width, 0 without xdist>,
     "checks": [{"nodeid": ..., "outcome": "passed" | "failed" | "error" | "skipped", "duration": <seconds>,
                 "started": <epoch seconds>, "measurements": [{"kind", "what", "started", "reached", "ended"}]}]}
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kubia_conformance.options import Options
from kubia_conformance.report.document import (
    GUARANTEE_PROPERTY,
    PROMISE_PROPERTY,
    document,
    short_message,
    suite_facts,
    write,
)
from kubia_conformance.timing.scheduling import remember_durations
from kubia_conformance.verdicts import is_infrastructure_error

MEASUREMENTS_ATTRIBUTE = "kubia_measurements"
"""The teardown report's attribute that carries the check's measurements (a list of plain dicts)."""
PODS_ATTRIBUTE = "kubia_pods"
"""The teardown report's attribute that carries the check's pod timeline: {"pods": [...], "gaps": [...]}, as
lifecycle.py describes them; absent for a check that had none."""
EVIDENCE_SECTION = "Captured stdout kubia evidence"
MARK_KINDS = ("action", "node")
FIGURE_PROPERTY = "figure: {what}"
"""A JUnit property of a check: one of its failover figures, in seconds."""


def figures_of(measurements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A check's figures (stopwatch kind figure) as the report holds them (report.schema.json, "figure")."""
    return [
        {
            "what": m["what"],
            "seconds": round(m["ended"] - m["started"], 2),
            "started": round(m["started"], 3),
            "ended": round(m["ended"], 3),
        }
        for m in measurements
        if m["kind"] == "figure"
    ]


@dataclass
class Check:
    nodeid: str
    outcome: str = "passed"
    duration: float = 0.0
    started: float = 0.0
    measurements: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""
    """Why it failed, errored or skipped, in the words of the exception or the skip."""
    evidence: str = ""
    guarantee: str = ""
    promise: str = ""
    pods: dict[str, list[dict[str, Any]]] | None = None

    @property
    def own_duration(self) -> float:
        """The duration less the wait for the cluster lock (another check's time)."""
        locked = sum(float(m["ended"]) - float(m["started"]) for m in self.measurements if m["kind"] == "lock")
        return self.duration - locked

    def timings(self) -> dict[str, Any]:
        return {
            "nodeid": self.nodeid,
            "outcome": self.outcome,
            "duration": self.duration,
            "started": self.started,
            "measurements": self.measurements,
        }

    def reported(self) -> dict[str, Any]:
        """The check as the report holds it (report.schema.json, "check")."""
        module, _, name = self.nodeid.partition("::")
        lifecycle = None
        if self.pods is not None:
            marks = [
                {"kind": m["kind"], "what": m["what"], "at": round(m["started"], 3)}
                for m in self.measurements
                if m["kind"] in MARK_KINDS
            ]
            # From the moment the check had the cluster: a wait for the cluster lock is another check's time.
            start = max([self.started] + [m["ended"] for m in self.measurements if m["kind"] == "lock"])
            lifecycle = {
                "start": round(start, 3),
                "end": round(self.started + self.duration, 3),
                "pods": self.pods["pods"],
                "marks": marks + self.pods["gaps"],
                "holds": [
                    {"what": m["what"], "started": round(m["started"], 3), "ended": round(m["ended"], 3)}
                    for m in self.measurements
                    if m["kind"] == "hold"
                ],
            }
        return {
            "nodeid": self.nodeid,
            "name": name,
            "module": module,
            "guarantee": self.guarantee or "unnamed",
            "promise": self.promise,
            "outcome": self.outcome,
            "duration": round(self.duration, 2),
            "started": round(self.started, 3),
            "message": self.message,
            "evidence": self.evidence,
            "lifecycle": lifecycle,
            "figures": figures_of(self.measurements),
        }


class CheckRecorder:
    """Collects every check's reports. At the end of the session it keeps the durations of the checks that ran for
    the next run's scheduling, writes the --timings file when there is one, and the --report when asked."""

    def __init__(self, config: pytest.Config, options: Options, workers: int) -> None:
        self._config = config
        self._options = options
        self._timings = Path(options.timings) if options.timings else None
        self._report_dir = Path(options.report) if options.report else None
        self._workers = workers
        self._started = time.time()
        self._checks: dict[str, Check] = {}
        self.cluster_facts: dict[str, Any] | None = None
        """What the report header says of the cluster (report.cluster_facts), set once the preflight passed."""

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        check = self._checks.setdefault(report.nodeid, Check(report.nodeid))
        check.duration += report.duration
        properties = dict(report.user_properties)
        check.guarantee = str(properties.get(GUARANTEE_PROPERTY, check.guarantee))
        check.promise = str(properties.get(PROMISE_PROPERTY, check.promise))
        if report.when == "setup":
            check.started = report.start
        if report.skipped:
            check.outcome = "skipped"
            check.message = message_of(report)
        elif report.failed and check.outcome != "error":
            check.outcome = "failed" if report.when == "call" and not is_infrastructure_error(report) else "error"
            check.message = message_of(report)
        check.evidence = dict(report.sections).get(EVIDENCE_SECTION, check.evidence)
        if report.when == "teardown":
            check.measurements = list(getattr(report, MEASUREMENTS_ATTRIBUTE, []) or [])
            check.pods = getattr(report, PODS_ATTRIBUTE, None)

    def pytest_sessionfinish(self) -> None:
        ended = time.time()
        ran = [c for c in self._checks.values() if c.outcome != "skipped"]
        remember_durations(
            self._config,
            {c.nodeid: c.own_duration for c in ran},
            {c.nodeid for c in ran if any(m["kind"] == "lock" for m in c.measurements)},
        )
        if self._timings is not None:
            timings = {
                "started": self._started,
                "wall": ended - self._started,
                "workers": self._workers,
                "checks": [check.timings() for check in self._checks.values()],
            }
            self._timings.parent.mkdir(parents=True, exist_ok=True)
            self._timings.write_text(json.dumps(timings, indent=1) + "\n")
        if self._report_dir is not None:
            write(
                self._report_dir,
                document(
                    started=self._started,
                    ended=ended,
                    suite=suite_facts(self._options, self._config.invocation_params.args, self._workers),
                    cluster=self.cluster_facts,
                    checks=sorted(
                        (check.reported() for check in self._checks.values()), key=lambda c: str(c["module"])
                    ),
                ),
            )


def message_of(report: pytest.TestReport) -> str:
    """A failure's or an error's exception message, or a skip's reason."""
    longrepr = report.longrepr
    if report.skipped and isinstance(longrepr, tuple):
        return str(longrepr[2]).removeprefix("Skipped: ")
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return short_message(crash.message)
    return short_message(str(longrepr or ""))
