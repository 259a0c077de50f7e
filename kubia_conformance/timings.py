"""Each check's time, and where it went, as the process that reports (the xdist controller, or the only process)
sees it: kept for the next run's scheduling (scheduling.py) and, with --timings, written as one JSON file.

Each check's stopwatch records (stopwatch.py) ride on its teardown report, which xdist carries from the worker to
the controller; the controller adds the check's duration (setup + call + teardown, as JUnit counts it) and
outcome. --timings writes:

    {"started": <epoch seconds>, "wall": <seconds>, "workers": <xdist width, 0 without xdist>,
     "checks": [{"nodeid": ..., "outcome": "passed" | "failed" | "error" | "skipped", "duration": <seconds>,
                 "started": <epoch seconds>, "measurements": [{"kind", "what", "started", "reached", "ended"}]}]}

split() turns one check's record into the figures scripts/bench prints.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kubia_conformance.scheduling import remember_durations
from kubia_conformance.verdicts import OUTCOME_PROPERTY

REPORT_ATTRIBUTE = "kubia_measurements"
"""The teardown report's attribute that carries the check's measurements (a list of plain dicts)."""


@dataclass
class Check:
    nodeid: str
    outcome: str = "passed"
    duration: float = 0.0
    started: float = 0.0
    measurements: list[dict[str, Any]] = field(default_factory=list)

    @property
    def own_duration(self) -> float:
        """The duration less the wait for the cluster lock (another check's time)."""
        locked = sum(float(m["ended"]) - float(m["started"]) for m in self.measurements if m["kind"] == "lock")
        return self.duration - locked


class CheckRecorder:
    """Collects every check's reports. At the end of the session it keeps the durations of the checks that ran for
    the next run's scheduling, and writes the --timings file when there is one."""

    def __init__(self, config: pytest.Config, path: str | None, workers: int) -> None:
        self._config = config
        self._path = Path(path) if path else None
        self._workers = workers
        self._started = time.time()
        self._checks: dict[str, Check] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        check = self._checks.setdefault(report.nodeid, Check(report.nodeid))
        check.duration += report.duration
        if report.when == "setup":
            check.started = report.start
        if report.skipped:
            check.outcome = "skipped"
        elif report.failed and check.outcome != "error":
            check.outcome = "failed" if report.when == "call" and not is_error(report) else "error"
        if report.when == "teardown":
            check.measurements = list(getattr(report, REPORT_ATTRIBUTE, []) or [])

    def pytest_sessionfinish(self) -> None:
        remember_durations(
            self._config, {c.nodeid: c.own_duration for c in self._checks.values() if c.outcome != "skipped"}
        )
        if self._path is None:
            return
        document = {
            "started": self._started,
            "wall": time.time() - self._started,
            "workers": self._workers,
            "checks": [vars(check) for check in self._checks.values()],
        }
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._path.write_text(json.dumps(document, indent=1) + "\n")


def is_error(report: pytest.TestReport) -> bool:
    return (OUTCOME_PROPERTY, "error") in report.user_properties


@dataclass(frozen=True)
class Split:
    """One check's duration, split. convergence + holds + syncs + lock + overhead == duration."""

    duration: float
    convergence: float
    """Waits, from their start to the arrival of the state they waited for (polls included)."""
    holds: float
    syncs: float
    lock: float
    latencies: tuple[float, ...]
    """Per watched wait that waited: from the state's arrival to the check going on."""

    @property
    def overhead(self) -> float:
        """Everything the cluster was not working on nor the proof holding: setup, API calls, teardown, syncs,
        detection latency."""
        return max(self.duration - self.convergence - self.holds - self.lock, 0.0)


def split(check: dict[str, Any]) -> Split:
    convergence = holds = syncs = lock = 0.0
    latencies: list[float] = []
    for m in check["measurements"]:
        length = m["ended"] - m["started"]
        if m["kind"] in ("wait", "poll"):
            convergence += m["reached"] - m["started"]
            if m["kind"] == "wait" and m["reached"] > m["started"]:
                latencies.append(m["ended"] - m["reached"])
        elif m["kind"] == "hold":
            holds += length
        elif m["kind"] == "sync":
            syncs += length
        elif m["kind"] == "lock":
            lock += length
    return Split(check["duration"], convergence, holds, syncs, lock, tuple(latencies))
