"""The volume's own record of who wrote to it: the kubia app, when the suite asks (images/kubia, KUBIA_TRACE_FILE),
appends a line to a file on its volume every 250 ms for as long as it runs, "<unix ms> <pod uid> <node> <sequence>".
Read back after a node-loss check, the file says when each incarnation of the pod was a writer of the volume,
whatever the API said: two incarnations whose lines interleave were two writers at once.

Times are the nodes' clocks (on kind, the machine's, as the suite's); a cluster whose clocks drift from the suite's
by more than a fraction of a second shifts the comparison with the suite's moments by as much.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubia_conformance.timing.clock import clock_at

TRACE_FILE = "/var/data/kubia-trace.log"
"""Where the app writes its trace: beside the book's data file, on the claim's volume."""


@dataclass(frozen=True)
class Writer:
    """One incarnation of the pod as the trace shows it."""

    uid: str
    node: str
    first: float
    """Its first line, seconds since the epoch."""
    last: float
    lines: int

    def describe(self) -> str:
        return (
            f"uid {self.uid[:8]} on {self.node} wrote from {clock_at(self.first)} to {clock_at(self.last)} "
            f"({self.lines} lines)"
        )


def writers(text: str) -> list[Writer]:
    """The writers of a trace, in the order they first wrote. A line that is not a trace line (a write torn by a
    node lost mid-line) is left out."""
    seen: dict[str, Writer] = {}
    for line in text.splitlines():
        fields = line.split(" ")
        if len(fields) != 4 or not fields[0].isdigit() or not fields[3].isdigit():
            continue
        at, uid, node = int(fields[0]) / 1000, fields[1], fields[2]
        found = seen.get(uid)
        if found is None:
            seen[uid] = Writer(uid, node, at, at, 1)
        else:
            seen[uid] = Writer(uid, found.node, min(found.first, at), max(found.last, at), found.lines + 1)
    return sorted(seen.values(), key=lambda w: w.first)


@dataclass(frozen=True)
class Overlap:
    """Two writers at once: from the later one's first line to the earlier one's last."""

    earlier: Writer
    later: Writer

    @property
    def start(self) -> float:
        return self.later.first

    @property
    def end(self) -> float:
        return min(self.earlier.last, self.later.last)

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def describe(self) -> str:
        return (
            f"{self.earlier.describe()}; {self.later.describe()}: both wrote from {clock_at(self.start)} to "
            f"{clock_at(self.end)} ({self.seconds:.2f} s)"
        )


def overlaps(found: list[Writer]) -> list[Overlap]:
    """Each pair of writers whose lines interleave (one wrote after the other had begun and before it ended)."""
    return [
        Overlap(earlier, later)
        for i, earlier in enumerate(found)
        for later in found[i + 1 :]
        if later.first < earlier.last
    ]
