"""What a timeline records: one object (a pod, a claim) as one watch event or list showed it, in the order the
server committed it, with a sequence number of the timeline's own; and the first reads of a sequence of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol, Self, TypeVar

from kubernetes import client

from kubia_conformance.cluster.objects import (
    claim_phase,
    controller_uid,
    dns_name,
    is_ready,
    is_terminating,
    mounted_claims,
    name_of,
    node_name,
    owner_uids,
    phase,
    readiness_words,
    uid_of,
    version_of,
    volume_name,
)
from kubia_conformance.timing.clock import clock, now


class State(Protocol):
    """One object as one watch event (or a list) showed it: what a timeline records."""

    @property
    def seq(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def uid(self) -> str: ...
    @property
    def exists(self) -> bool: ...
    @property
    def terminating(self) -> bool: ...
    @property
    def when(self) -> str: ...
    def describe(self) -> str: ...
    def marked_first(self) -> Self: ...


S = TypeVar("S", bound=State)
Rule = Callable[[list[S]], list[str]]
"""A rule over a continuous span of states: the violations it sees, as sentences with times."""


@dataclass(frozen=True, kw_only=True)
class ObjectState:
    """One object as one watch event (or a list) showed it.

    event is ADDED, MODIFIED or DELETED (from the watch), LISTED (the list that starts the timeline) or RELISTED
    (the list after a gap). inferred marks a DELETED state the timeline concluded from a relist, not one it saw.
    first marks the first state of this incarnation (uid) the timeline recorded, whatever span it is read in.
    """

    seq: int
    at: datetime
    event: str
    name: str
    uid: str
    version: str
    phase: str
    terminating: bool
    inferred: bool = False
    first: bool = False

    @property
    def exists(self) -> bool:
        return self.event != "DELETED"

    def marked_first(self) -> Self:
        return replace(self, first=True)

    @property
    def when(self) -> str:
        return clock(self.at)

    def condition(self) -> str:
        """What the object was, while it existed."""
        return f"{self.phase or 'without phase'}" + (" Terminating" if self.terminating else "")

    def place(self) -> str:
        """Where it was: a pod's node, a claim's volume."""
        return ""

    def status(self) -> str:
        if not self.exists:
            return "gone (inferred from a relist)" if self.inferred else "deleted"
        return self.condition()

    def describe(self) -> str:
        return f"{self.when} #{self.seq} {self.name} (uid {self.uid[:8]}) {self.status()} on {self.place()}"


@dataclass(frozen=True, kw_only=True)
class PodState(ObjectState):
    """One pod as one watch event (or a list) showed it."""

    ready: bool
    node: str
    claims: tuple[str, ...]
    owner: str = ""
    """The uid of the pod's controller (its ownerReference marked controller), "" while it has none."""
    owners: tuple[str, ...] = ()
    """The uids of all its ownerReferences, controller or not."""
    dns_name: str = ""
    """hostname.subdomain, "" unless the pod sets both: the DNS name it carries in its namespace."""

    @property
    def running_and_ready(self) -> bool:
        return self.exists and self.phase == "Running" and self.ready and not self.terminating

    def condition(self) -> str:
        return readiness_words(self.phase, self.ready) + (" Terminating" if self.terminating else "")

    def place(self) -> str:
        return self.node or "no node"


def pod_state(seq: int, event: str, pod: client.V1Pod, *, inferred: bool = False) -> PodState:
    return PodState(
        seq=seq,
        at=now(),
        event=event,
        name=name_of(pod),
        uid=uid_of(pod),
        version=version_of(pod),
        phase=phase(pod),
        ready=is_ready(pod),
        terminating=is_terminating(pod),
        node=node_name(pod),
        claims=mounted_claims(pod),
        owner=controller_uid(pod),
        owners=owner_uids(pod),
        dns_name=dns_name(pod),
        inferred=inferred,
    )


@dataclass(frozen=True, kw_only=True)
class ClaimState(ObjectState):
    """One claim as one watch event (or a list) showed it."""

    volume: str
    owners: tuple[str, ...] = ()
    """The uids of all its ownerReferences (a pod under a whenScaled=Delete policy, the set under whenDeleted)."""

    def place(self) -> str:
        return self.volume or "no volume"


def claim_state(seq: int, event: str, claim: client.V1PersistentVolumeClaim, *, inferred: bool = False) -> ClaimState:
    return ClaimState(
        seq=seq,
        at=now(),
        event=event,
        name=name_of(claim),
        uid=uid_of(claim),
        version=version_of(claim),
        phase=claim_phase(claim),
        terminating=is_terminating(claim),
        volume=volume_name(claim),
        owners=owner_uids(claim),
        inferred=inferred,
    )


Stage = tuple[int, int | None]
"""A stage of a test: the states after the first sequence number, up to and with the second (None: up to now)."""


def within(states: list[S], stage: Stage) -> list[S]:
    """The states of a stage."""
    first, last = stage
    return [s for s in states if s.seq > first and (last is None or s.seq <= last)]


LISTINGS = ("LISTED", "RELISTED")
"""The events of a list (the first, and the one after a gap): what was already there, not a change."""


def creations(states: list[PodState]) -> list[PodState]:
    """The first state of each pod incarnation (name and uid) created within the states, in order. A pod the
    timeline saw before these states (a span of it) was not created in them, nor was one already there when the
    watch listed it."""
    return [s for s in states if s.first and s.exists and s.event not in LISTINGS]


def latest_before(states: list[PodState], name: str, seq: int) -> PodState | None:
    """The last state of pod name seen before sequence number seq: what the cluster looked like at that moment."""
    found = None
    for state in states:
        if state.seq >= seq:
            break
        if state.name == name:
            found = state
    return found
