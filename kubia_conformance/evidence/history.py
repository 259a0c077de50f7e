"""A timeline's record: states and gaps in one sequence, as one watch recorded them. A gap is where the watch lost
history (410 Gone) and listed again; a read of a span that contains one raises TimelineGap, so that no proof can
pass or fail across a moment the watch did not see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic

from kubia_conformance.evidence.states import S
from kubia_conformance.timing.clock import clock, now
from kubia_conformance.verdicts import InfrastructureError

Span = tuple[int, int]
"""(first, last]: the states with first < seq <= last."""


class TimelineGap(InfrastructureError):
    """A proof's span contains a moment when the watch lost history: inconclusive, not passed, not failed."""


@dataclass(frozen=True)
class Gap:
    """The watch lost history at this point of the sequence (it takes a sequence number of its own)."""

    seq: int
    at: datetime
    reason: str
    kind: str = "pod"

    def describe(self) -> str:
        return (
            f"{clock(self.at)} #{self.seq} the {self.kind} watch lost history ({self.reason}) and listed the "
            f"{self.kind}s again: what happened to them before is not known"
        )


class History(Generic[S]):
    """States and gaps in one sequence, as a watch recorded them; reads of a span refuse to cross a gap."""

    def __init__(self, kind: str = "pod") -> None:
        self.kind = kind
        self.states: list[S] = []
        self.gaps: list[Gap] = []
        self.last_seq = 0
        self._uids: set[str] = set()

    def next_seq(self) -> int:
        self.last_seq += 1
        return self.last_seq

    def add(self, state: S) -> S:
        """Appends state, marked first if it is the first of its uid; returns what was appended."""
        if state.uid not in self._uids:
            self._uids.add(state.uid)
            state = state.marked_first()
        self.states.append(state)
        return state

    def add_gap(self, reason: str) -> Gap:
        gap = Gap(self.next_seq(), now(), reason, self.kind)
        self.gaps.append(gap)
        return gap

    def span(self, first: int, last: int | None = None) -> list[S]:
        """The states of (first, last]; TimelineGap when the span contains a gap, so no proof can cross one."""
        end = self.last_seq if last is None else last
        crossed = [gap for gap in self.gaps if first < gap.seq <= end]
        if crossed:
            raise TimelineGap(
                f"inconclusive: the span #{first}..#{end} of the {self.kind} timeline contains a gap: "
                f"{crossed[0].describe()}"
            )
        return [s for s in self.states if first < s.seq <= end]

    def render(self) -> str:
        entries: list[tuple[int, str]] = [(s.seq, s.describe()) for s in self.states]
        entries += [(g.seq, g.describe()) for g in self.gaps]
        return "\n".join(text for _, text in sorted(entries)) or f"(no {self.kind} events)"
