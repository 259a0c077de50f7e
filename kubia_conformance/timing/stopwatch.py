"""Where a check's time goes: the waits, holds and syncs it spent, recorded as they happen.

Each check gets a Stopwatch (the plugin starts one before the check's fixtures and stops it after their teardown).
The suite's waiting primitives report into the one running in their process:
- wait: a wait on a watch for a state the cluster has to reach. started is when the wait began, reached when the
  watch delivered the state that ended it (started itself when the state was already there), ended when the check
  went on. reached - started is the cluster's convergence; ended - reached is the suite's detection latency;
- poll: the same for DNS, which cannot be watched: reached is the first read that gave the expected answer, so the
  latency is hidden inside the poll interval (not counted as detection latency);
- hold: a deliberate window in which nothing may happen (a quiet window, DNS answer holding): part of the proof;
- sync: the suite making sure its watch has caught up with the server (part of the suite's own overhead);
- lock: a disruptive check waiting for the disruption lock, or for its reserved node to be clear;
- action and node: instants, not spans: something the test did to the cluster (created, scaled, deleted) and what
  happened to a node it stopped (stopped, NotReady, started). They are the marks of the report's lifecycle picture
  (report/lifecycle.py) and count for nothing in the time split;
- figure: a span between two moments the check saw, with its name: a failover figure (evidence/failover.py), which
  the report, JUnit and scripts/bench give; it counts for nothing in the time split either.

A measurement taken inside another (the syncs inside a quiet window, the watch behind the cluster lock) is not
recorded (marks always are): each second of a check is counted once, by the outermost one. The records travel with
the teardown report (so they cross xdist) and --timings writes them out (scripts/bench reads them).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Measurement:
    """One wait, poll, hold, sync or lock, in seconds since the epoch."""

    kind: str
    what: str
    started: float
    reached: float | None = None
    ended: float = 0.0

    def reach(self, moment: float | None = None) -> None:
        """The state arrived at moment (now by default); a later call does not move it."""
        if self.reached is None:
            self.reached = time.time() if moment is None else max(moment, self.started)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Stopwatch:
    """The measurements of one check, in the order they ended."""

    measurements: list[Measurement] = field(default_factory=list)
    _depth: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def measure(self, kind: str, what: str) -> Iterator[Measurement]:
        measurement = Measurement(kind, what, time.time())
        depth = getattr(self._depth, "value", 0)
        self._depth.value = depth + 1
        try:
            yield measurement
        finally:
            self._depth.value = depth
            measurement.ended = time.time()
            if measurement.reached is None:
                measurement.reached = measurement.ended
            if depth == 0:
                with self._lock:
                    self.measurements.append(measurement)

    def mark(self, kind: str, what: str) -> None:
        moment = time.time()
        with self._lock:
            self.measurements.append(Measurement(kind, what, moment, moment, moment))

    def figure(self, what: str, started: float, ended: float) -> None:
        with self._lock:
            self.measurements.append(Measurement("figure", what, started, ended, ended))

    def records(self) -> list[dict[str, Any]]:
        with self._lock:
            return [m.as_dict() for m in self.measurements]


_running: list[Stopwatch] = []
"""The stopwatch of the check running in this process (one at a time: xdist runs checks in processes)."""


def start() -> Stopwatch:
    """A new stopwatch for the check about to run in this process."""
    _running[:] = [Stopwatch()]
    return _running[0]


def stop() -> list[dict[str, Any]]:
    """Ends the running stopwatch; returns its records."""
    records = _running[0].records() if _running else []
    _running.clear()
    return records


@contextmanager
def measure(kind: str, what: str) -> Iterator[Measurement]:
    """Measures the block into the running stopwatch; outside a check (no stopwatch) measures into nothing."""
    if not _running:
        yield Measurement(kind, what, time.time())
        return
    with _running[0].measure(kind, what) as measurement:
        yield measurement


def mark(kind: str, what: str) -> None:
    """Records an instant (kind action or node) into the running stopwatch, at any depth; outside a check, nothing."""
    if _running:
        _running[0].mark(kind, what)


def figure(what: str, started: float, ended: float) -> None:
    """Records a figure, the span from started to ended named what, into the running stopwatch; outside a check,
    nothing."""
    if _running:
        _running[0].figure(what, started, ended)
