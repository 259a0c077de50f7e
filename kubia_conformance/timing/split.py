"""Where one check's time went, from its stopwatch records (stopwatch.py) as --timings writes them (report/records.py):
split() turns one check's record into the figures scripts/bench prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
