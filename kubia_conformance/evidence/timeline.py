"""The lifecycle timelines of one namespace: every pod state (and, beside it, every claim state) one watch saw,
in the order the server committed them, and how tests read them: wait for a state, hold a quiet window, read a
span, judge the invariants.

One watch per test, started before the test acts, is both the evidence and the means of waiting: tests wait on it
for a state, watch it for a quiet window in which nothing may happen, and prove ordering from it. Events of a
single watch arrive in resourceVersion order, so "kubia-1 was created after kubia-0 became Ready" is read from the
sequence numbers here, not from second-granular server timestamps.

A proof is only as good as the watch behind it (watcher.py), so the timeline cannot be read past a failure:
- every read raises WatchFailed once the watch has failed;
- a read whose span contains a gap (the watch lost history and listed again) raises TimelineGap: the proof is
  inconclusive, neither passed nor failed (history.py);
- a quiet window ends only once the watch has caught up with a fresh list of the pods, so a watch that stalled
  silently cannot make a window look quiet.

It watches every pod of the namespace, not only those with the StatefulSet's labels: a pod that loses its labels
stays in view (it is not "deleted"), a DELETED state is a real deletion, and a pod without the labels that mounts
a StatefulSet's claim is counted by the at-most-one rule. The test's namespace is its own, so nothing else runs
there. Claims are watched the same way (ClaimTimeline), so that a claim that was lost for a moment between two
reads still shows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Generic, Self, TypeVar

from kubia_conformance.cluster.connect import Cluster
from kubia_conformance.cluster.objects import list_version, uid_of, version_of
from kubia_conformance.cluster.watch import Objects, WaitTimeout
from kubia_conformance.evidence.history import Gap, History, Span
from kubia_conformance.evidence.states import ClaimState, PodState, Rule, S, Stage, claim_state, pod_state
from kubia_conformance.evidence.watcher import StateOf, Watcher, WatchFailed
from kubia_conformance.timeouts import Timeouts
from kubia_conformance.timing import stopwatch
from kubia_conformance.verdicts import GuaranteeBroken

T = TypeVar("T")


class Timeline(Generic[S]):
    """Every object of one kind in a namespace, as its watch recorded them from start() until stop():
    PodTimeline, ClaimTimeline."""

    kind = "object"

    def __init__(self, cluster: Cluster, namespace: str, timeouts: Timeouts, history: History[S] | None = None) -> None:
        self.namespace = namespace
        self._timeouts = timeouts
        self._watcher: Watcher[S] = Watcher(
            self.kind, namespace, lambda: self.list_call(cluster), self.state_of(), timeouts=timeouts, history=history
        )
        self.invariants: list[tuple[str, Rule[S]]] = []
        """(guarantee, rule) pairs that hold over the whole test: a timed-out wait reports their violations as
        the cause."""
        self._beside: list[Timeline[Any]] = []
        """Timelines whose invariants this one's waits and quiet windows judge too (judge_beside)."""

    def judge_beside(self, other: Timeline[Any]) -> None:
        """This timeline's waits and quiet windows also end at a violation of other's invariants, as soon as other
        records it (the claim a test needs deleted under a pod wait). One way only: other's waits do not judge this
        one's invariants, so that the two locks are always taken in the same order."""
        self._beside.append(other)
        other._watcher.listeners.append(self._poke)

    def _poke(self) -> None:
        with self._watcher.changed:
            self._watcher.changed.notify_all()

    def _recorded_count(self) -> int:
        """How many states this timeline and those beside it have recorded: judging again only pays when it grew."""
        return self._watcher.history.last_seq + sum(other._watcher.history.last_seq for other in self._beside)

    @staticmethod
    def list_call(cluster: Cluster) -> Callable[..., Any]:
        """The namespaced list call of the watched kind: list_namespaced_pod, ..."""
        raise NotImplementedError

    @staticmethod
    def state_of() -> StateOf[S]:
        """What one event of the watched kind is recorded as: pod_state, claim_state."""
        raise NotImplementedError

    def start(self) -> Self:
        self._watcher.start()
        return self

    def stop(self) -> None:
        """Stops the watch at once."""
        self._watcher.stop()

    # -- waiting ---------------------------------------------------------------------------------------------

    def wait_for(
        self,
        find: Callable[[Objects], T | None],
        *,
        timeout: float,
        what: str,
        describe: Callable[[Objects], str],
    ) -> T:
        """Blocks until find(current objects) returns something other than None and returns it.

        A state that breaks an invariant ends the wait at once (GuaranteeBroken, see broken_now). On timeout, the
        invariants are checked over everything the timeline saw: a violation is reported as the cause
        (GuaranteeBroken); otherwise WaitTimeout with the objects as last seen.
        """
        deadline = time.monotonic() + timeout
        with stopwatch.measure("wait", what) as measured, self._watcher.changed:
            waited = False
            judged = self._recorded_count()
            while True:
                self._watcher.check_alive()
                judged = self.broken_now(judged, f"the wait for {what}")
                value = find(dict(self._watcher.current))
                if value is not None:
                    measured.reach(self._watcher.last_recorded if waited else measured.started)
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._watcher.changed.wait(remaining)
                waited = True
            observed = describe(dict(self._watcher.current))
        raise self.explain(WaitTimeout(what, timeout, observed))

    def wait_until(
        self, holds: Callable[[Objects], bool], *, timeout: float, what: str, describe: Callable[[Objects], str]
    ) -> Objects:
        """Blocks until holds(current objects); returns the objects then."""
        return self.wait_for(
            lambda objects: objects if holds(objects) else None, timeout=timeout, what=what, describe=describe
        )

    def sync(self) -> int:
        """Waits until the watch has delivered every state of a fresh list of the objects; returns the sequence
        number then. Every change the server committed before this call is in the timeline after it.

        Caught up means: each listed state has been recorded, and each object the timeline holds that the list
        lacks was created after the list (its resourceVersion is newer) rather than deleted before it with the
        deletion not yet delivered. A gap meanwhile also ends the wait: the span it falls in proves nothing."""
        with stopwatch.measure("sync", f"the {self.kind} watch to catch up with a list"):
            return self._sync()

    def _sync(self) -> int:
        listing = self._watcher.list()
        listed = {(uid_of(p), version_of(p)) for p in listing.items}
        listed_uids = {uid for uid, _ in listed}
        listed_at = list_version(listing)
        deadline = time.monotonic() + self._timeouts.watch_catch_up
        gaps_before = len(self._watcher.history.gaps)
        with self._watcher.changed:
            while True:
                self._watcher.check_alive()
                missing = listed - self._watcher.seen
                undelivered_deletions = sorted(
                    name
                    for name, obj in self._watcher.current.items()
                    if uid_of(obj) not in listed_uids and not newer(version_of(obj), listed_at)
                )
                if not (missing or undelivered_deletions) or len(self._watcher.history.gaps) > gaps_before:
                    return self._watcher.history.last_seq
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WatchFailed(
                        f"the {self.kind} watch of {self.namespace} fell behind the API server: "
                        f"{self._timeouts.watch_catch_up:.0f} s after a list it still had not delivered "
                        f"{len(missing)} listed {self.kind} state(s)"
                        + (f" nor the deletion of {', '.join(undelivered_deletions)}" if undelivered_deletions else "")
                    )
                self._watcher.changed.wait(remaining)

    def quiet_window(self, seconds: float, *, since: int | None = None) -> Span:
        """A deliberate window in which the test expects nothing to happen: waits it out on the watch.

        It starts and ends at a sync point, so every change the server committed in between is inside it; a watch
        that fails meanwhile raises WatchFailed at once, and a gap inside it raises TimelineGap. Returns the span.
        since: a sync point the test took before the action that opens the window (a scale, a delete); the span
        then starts there, so a change the cluster made between the action and the hold is inside it too.
        """
        first = self.sync() if since is None else since
        deadline = time.monotonic() + seconds
        with stopwatch.measure("hold", f"a quiet window of {seconds:.0f} s"), self._watcher.changed:
            judged = -1
            while (remaining := deadline - time.monotonic()) > 0:
                self._watcher.check_alive()
                judged = self.broken_now(judged, f"a quiet window of {seconds:.0f} s")
                self._watcher.changed.wait(remaining)
        last = self.sync()
        with self._watcher.changed:
            self._watcher.history.span(first, last)
        return first, last

    # -- reading ---------------------------------------------------------------------------------------------

    def current(self) -> Objects:
        """The objects as the timeline holds them now (sync() first to include everything the server committed)."""
        with self._watcher.changed:
            self._watcher.check_alive()
            return dict(self._watcher.current)

    @property
    def states(self) -> list[S]:
        """Every state since the watch started; TimelineGap if the watch ever lost history."""
        return self.since(0)

    def window(self, span: Span) -> list[S]:
        with self._watcher.changed:
            self._watcher.check_alive()
            return self._watcher.history.span(*span)

    def since(self, seq: int) -> list[S]:
        with self._watcher.changed:
            self._watcher.check_alive()
            return self._watcher.history.span(seq)

    def broken_now(self, judged: int, during: str) -> int:
        """Fails the check as soon as it is failed: raises GuaranteeBroken if the states recorded since judged (a
        _recorded_count) break an invariant, of this timeline or of one beside it, and returns the count judged. An
        invariant holds over the whole test, and a violation, once recorded, stays one whatever comes after: waiting
        on would only delay the verdict (and a wait the violation makes impossible would run to its timeout). Call
        with changed held."""
        last = self._recorded_count()
        if last != judged and (self.invariants or self._beside):
            causes = self.invariant_violations()
            if causes:
                raise GuaranteeBroken(f"{'; '.join(causes)} (seen during {during}, which stopped there)")
        return last

    def explain(self, timed_out: WaitTimeout) -> AssertionError:
        """What to raise for a wait that timed out: the violation of an invariant that explains it, if the timeline
        saw one (a guarantee broken, with the timeout as its consequence); else the timeout itself."""
        causes = self.invariant_violations()
        if causes:
            return GuaranteeBroken(f"{'; '.join(causes)} (and then {timed_out})")
        return timed_out

    def audit(self) -> list[str]:
        """What the invariants say of the whole timeline, up to a sync point now: the end-of-test check that each
        invariant held for the whole test, not only inside the windows the test looked at. TimelineGap if the
        watch lost history meanwhile: a whole-test proof cannot cross a gap."""
        self.sync()
        return self._judge(self.states)

    def invariant_violations(self) -> list[str]:
        """What the invariants say of everything seen so far (nothing when the timeline has a gap: no proof), then
        those of the timelines beside it."""
        with self._watcher.changed:
            states = [] if self._watcher.history.gaps else list(self._watcher.history.states)
        return self._judge(states) + [cause for other in self._beside for cause in other.invariant_violations()]

    def _judge(self, states: list[S]) -> list[str]:
        """One sentence per broken invariant: its guarantee, then each violation."""
        judged = ((guarantee, rule(states)) for guarantee, rule in self.invariants)
        return [f"{guarantee}: {'; '.join(violations)}" for guarantee, violations in judged if violations]

    def recorded(self) -> tuple[list[S], list[Gap]]:
        """Every state and gap recorded so far, without raising: the report shows what was seen, whatever the watch
        did after."""
        with self._watcher.changed:
            return list(self._watcher.history.states), list(self._watcher.history.gaps)

    def render(self) -> str:
        """The timeline as evidence: never raises, says how the watch failed if it did."""
        return self._watcher.render()


class PodTimeline(Timeline[PodState]):
    """Every pod of a namespace."""

    kind = "pod"

    @staticmethod
    def list_call(cluster: Cluster) -> Callable[..., Any]:
        return cluster.core.list_namespaced_pod

    @staticmethod
    def state_of() -> StateOf[PodState]:
        return pod_state


class ClaimTimeline(Timeline[ClaimState]):
    """Every PersistentVolumeClaim of a namespace."""

    kind = "claim"

    @staticmethod
    def list_call(cluster: Cluster) -> Callable[..., Any]:
        return cluster.core.list_namespaced_persistent_volume_claim

    @staticmethod
    def state_of() -> StateOf[ClaimState]:
        return claim_state


def newer(version: str, than: str) -> bool:
    """resourceVersion version is later than than. Only used to tell a pod created after a list from one deleted
    before it; versions that are not numbers (no known server makes those) count as not newer, which can only
    make a sync wait longer, never end early."""
    try:
        return int(version) > int(than)
    except (TypeError, ValueError):
        return False


class Stages(Generic[S]):
    """A test in stages (the start ordinal set, then raised; a partition lowered step by step): each stage holds the
    timeline to a rule from the moment it begins to the moment the next one does, as an invariant, so that what the
    cluster does late in one stage is that stage's, not the next one's."""

    def __init__(self, timeline: Timeline[S]) -> None:
        self.timeline = timeline
        self.marks: list[int] = []

    def begin(self, guarantee: str, rule: Callable[[list[S], Stage], list[str]]) -> int:
        """Ends the stage before (at a sync point now) and begins the next, held to rule(every state, the stage);
        returns the sync point."""
        mark = self.timeline.sync()
        index = len(self.marks)
        self.marks.append(mark)

        def held(states: list[S]) -> list[str]:
            return rule(states, (mark, self.marks[index + 1] if index + 1 < len(self.marks) else None))

        self.timeline.invariants.append((guarantee, held))
        return mark
