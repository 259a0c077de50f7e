"""Hand-made pod timelines for the unit tests of the ordering rules and of the timeline's history: states and gaps
recorded in one sequence, as PodTimeline records them from a watch."""

from __future__ import annotations

from datetime import datetime, timezone

from kubia_conformance.evidence.history import History
from kubia_conformance.evidence.states import PodState

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
"""State #N is seen at 12:00:N."""


class Recorder:
    def __init__(self) -> None:
        self.history = History()

    @property
    def states(self) -> list[PodState]:
        return self.history.states

    def add(
        self,
        name: str,
        *,
        event: str = "MODIFIED",
        phase: str = "Pending",
        ready: bool = False,
        terminating: bool = False,
        uid: str | None = None,
        inferred: bool = False,
        claims: tuple[str, ...] | None = None,
        owner: str = "uid-set",
        at: datetime | None = None,
        dns_name: str | None = None,
    ) -> Recorder:
        seq = self.history.next_seq()
        self.history.add(
            PodState(
                seq=seq,
                at=at or T0.replace(second=seq % 60),
                event=event,
                name=name,
                uid=uid or f"uid-{name}",
                version=str(seq),
                phase=phase,
                ready=ready,
                terminating=terminating,
                node="n1",
                claims=claims or (f"data-{name}",),
                owner=owner,
                dns_name=f"{name}.kubia" if dns_name is None else dns_name,
                inferred=inferred,
            )
        )
        return self

    def created(self, name: str, **kw: object) -> Recorder:
        return self.add(name, event="ADDED", **kw)  # type: ignore[arg-type]

    def ready(self, name: str) -> Recorder:
        return self.add(name, phase="Running", ready=True)

    def terminating(self, name: str) -> Recorder:
        return self.add(name, phase="Running", ready=True, terminating=True)

    def deleted(self, name: str, *, inferred: bool = False) -> Recorder:
        return self.add(name, event="DELETED", phase="Running", ready=True, terminating=True, inferred=inferred)

    def gap(self) -> Recorder:
        self.history.add_gap("410 Gone")
        return self
