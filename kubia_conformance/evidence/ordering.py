"""Reading the StatefulSet ordering guarantees off a continuous span of a pod timeline. Each rule returns the
violations it saw, as sentences with times; the tests decide what to assert. A span never crosses a gap in the
watch (the timeline refuses to hand one out), but it may hold DELETED states the timeline inferred from a relist:
the rules count those as gone, like any other deletion."""

from __future__ import annotations

import itertools
from datetime import datetime

from kubia_conformance.cluster.objects import ordinal, pod_name, predecessor, readiness_words, split_ordinal
from kubia_conformance.evidence.states import PodState, Rule, Stage, creations, latest_before, within
from kubia_conformance.timing.clock import clock


def _state_text(state: PodState | None) -> str:
    if state is None:
        return "did not exist"
    if not state.exists:
        return "was gone"
    return f"was {readiness_words(state.phase, state.ready)}" + (" and terminating" if state.terminating else "")


def _first_ready(states: list[PodState], uid: str) -> str:
    ready = next((s for s in states if s.uid == uid and s.running_and_ready), None)
    return f"it became Running and Ready at {ready.when}" if ready else f"not seen Running and Ready {_up_to(states)}"


def creation_order_violations(states: list[PodState]) -> list[str]:
    """Each kubia-i (i > 0) created while kubia-(i-1) was not Running and Ready."""
    found = (created_too_soon(states, created) for created in creations(states) if ordinal(created.name) > 0)
    return [violation for violation in found if violation]


def created_too_soon(states: list[PodState], created: PodState) -> str | None:
    """Whether pod created was made while its predecessor was not Running and Ready, in words (states: every state,
    so that the predecessor is read as it was then)."""
    before_name = predecessor(created.name)
    before = latest_before(states, before_name, created.seq)
    if before is not None and before.running_and_ready:
        return None
    later = ready_again(states, before.uid, created.seq) if before else "it did not exist yet"
    return (
        f"{created.name} created at {created.when} (#{created.seq}) while {before_name} {_state_text(before)} ({later})"
    )


def termination_starts(states: list[PodState]) -> list[PodState]:
    """The first state of each pod incarnation that shows it terminating (or deleted outright), in order."""
    seen: set[str] = set()
    starts = []
    for state in states:
        if (state.terminating or not state.exists) and state.uid not in seen:
            seen.add(state.uid)
            starts.append(state)
    return starts


def gone_at(states: list[PodState], uid: str) -> PodState | None:
    """The state that shows pod incarnation uid gone, if the span has one."""
    return next((s for s in states if s.uid == uid and not s.exists), None)


def scale_down_violations(states: list[PodState]) -> list[str]:
    """Scale-down must remove the highest ordinal first and one at a time: each pod is gone before the next
    starts terminating."""
    violations = []
    starts = termination_starts(states)
    for earlier, later in itertools.pairwise(starts):
        if ordinal(later.name) > ordinal(earlier.name):
            violations.append(
                f"{later.name} started terminating at {later.when} after {earlier.name} did at {earlier.when}: "
                "the highest ordinal must go first"
            )
        gone = gone_at(states, earlier.uid)
        if gone is None or gone.seq > later.seq:
            violations.append(
                f"{later.name} started terminating at {later.when} while {earlier.name} was still present "
                f"({'gone at ' + gone.when if gone else 'never seen gone'}): one at a time"
            )
    return violations


def surplus_kept(states: list[PodState], start: int, owner: str) -> list[str]:
    """From sequence number start on, each pod of the set (controlled by owner, the set's uid) that left it without
    being deleted: its controller reference gone (released, relabelled) while it was not terminating. A scale-down
    deletes its surplus pods; one that leaves the set instead still runs, with the identity, claim and DNS name the
    set may give again."""
    ours = {s.uid for s in states if s.seq <= start and s.exists and s.owner == owner}
    violations = []
    for state in states:
        if state.seq > start and state.uid in ours and state.exists and not state.terminating and state.owner != owner:
            ours.discard(state.uid)
            held = f"controlled by uid {state.owner[:8]}" if state.owner else "released (no controller)"
            violations.append(
                f"{state.name} (uid {state.uid[:8]}) left the set at {state.when} (#{state.seq}) without being "
                f"deleted: {held}, {readiness_words(state.phase, state.ready)} on {state.place()}"
            )
    return violations


ORDERED_SCALE_DOWN = "ordered scale-down (highest ordinal first, one at a time, each surplus pod deleted)"


def scale_down(start: int, owner: str) -> Rule[PodState]:
    """The scale-down rule, from sequence number start (a sync point before the scale request) on: the highest
    ordinal first and one at a time, only while the pods that stay are Running and Ready (OrderedReady), and each
    surplus pod deleted, none let go (owner: the set's uid). An invariant: it sees each of these as it happens."""

    def rule(states: list[PodState]) -> list[str]:
        return (
            scale_down_violations(within(states, (start, None)))
            + scale_down_readiness_violations(states, start)
            + surplus_kept(states, start, owner)
        )

    return rule


def replacement_order(states: list[PodState]) -> list[str]:
    """Names of pods in the order their old incarnations started terminating (as in a rolling update)."""
    return [s.name for s in termination_starts(states)]


def without_repeats(order: list[str]) -> list[str]:
    """order with each run of one name counted once. The StatefulSet controller may replace a pod it has just made
    once more (seen on the local cluster with the real kube-controller-manager: a new kubia-0 made during a phased
    update, deleted while Pending and made again), which changes neither which pods were replaced nor their order."""
    return [name for i, name in enumerate(order) if i == 0 or order[i - 1] != name]


def removal_order(states: list[PodState]) -> list[str]:
    """Names of pods in the order they were deleted (as in a scale-down)."""
    return [s.name for s in states if not s.exists]


def described_creations(states: list[PodState]) -> list[str]:
    """Each pod created within the states, in words: "kubia-1 created at 12:00:02.000 (#2)"."""
    return [f"{s.name} created at {s.when} (#{s.seq})" for s in creations(states)]


def changes(states: list[PodState]) -> list[str]:
    """Each pod created, or starting to terminate, within the states, in words: what a window in which scaling must
    halt may not hold."""
    return described_creations(states) + [
        f"{s.name} started terminating at {s.when} (#{s.seq})" for s in termination_starts(states)
    ]


def waited_as_if_ordered(states: list[PodState], start: int) -> list[str]:
    """Parallel pod management, from sequence number start on: each pod created only after its predecessor was
    Running and Ready, as OrderedReady would have it (states: the whole timeline, read before start)."""
    waited = []
    for created in creations(states):
        if created.seq <= start:
            continue
        before = latest_before(states, predecessor(created.name), created.seq)
        if before is not None and before.running_and_ready:
            waited.append(
                f"{created.name} was created at {created.when} only after {before.name} was Running and Ready, "
                "as if OrderedReady"
            )
    return waited


def replacements(states: list[PodState], names: set[str]) -> list[str]:
    """Each pod of names that started terminating (or vanished) in the span: for pods that must be left alone."""
    return [
        f"{s.name} (uid {s.uid[:8]}) {'started terminating' if s.exists else 'was deleted'} at {s.when} (#{s.seq})"
        for s in termination_starts(states)
        if s.name in names
    ]


def rolling_update_violations(states: list[PodState], names: list[str], start: int) -> list[str]:
    """A rolling update (OrderedReady) keeps the set available, from sequence number start on:
    - when an old pod starts terminating, the pod replaced just before it is Running and Ready, with a new uid;
    - at no moment are two or more of names missing or not Running and Ready.

    states must hold the whole timeline: the pods as they were at start are read from before it."""
    latest = {name: latest_before(states, name, start + 1) for name in names}
    old_uids = {state.uid for state in latest.values() if state is not None and state.exists}
    violations = []
    previous: PodState | None = None
    short = False
    for state in states:
        if state.seq <= start:
            continue
        if state.name in latest:
            latest[state.name] = state
        if state.uid in old_uids and (state.terminating or not state.exists):
            old_uids.discard(state.uid)
            if previous is not None:
                before = latest_before(states, previous.name, state.seq)
                if before is None or before.uid == previous.uid or not before.running_and_ready:
                    how = (
                        "was not replaced yet"
                        if before is not None and before.uid == previous.uid
                        else (_state_text(before))
                    )
                    violations.append(
                        f"{state.name} started terminating at {state.when} (#{state.seq}) while {previous.name}, "
                        f"replaced just before, {how}"
                        + ("" if before is None else f" (uid {before.uid[:8]}, {_first_ready(states, before.uid)})")
                    )
            previous = state
        down = [name for name, s in sorted(latest.items()) if s is None or not s.running_and_ready]
        if len(down) > 1 and not short:
            violations.append(
                f"at {state.when} (#{state.seq}) {len(down)} pods were missing or not Running and Ready at once: "
                + "; ".join(f"{name} {_state_text(latest[name])}" for name in down)
            )
        short = len(down) > 1
    return violations


def down_at_once(states: list[PodState], names: list[str], start: int) -> list[tuple[PodState, list[str]]]:
    """From sequence number start on: each state after which more of names than before, or as many, were missing or
    not Running and Ready, with those names (states: the whole timeline, read before start)."""
    latest = {name: latest_before(states, name, start + 1) for name in names}
    moments = []
    for state in states:
        if state.seq <= start or state.name not in latest:
            continue
        latest[state.name] = state
        down = [name for name, s in sorted(latest.items()) if s is None or not s.running_and_ready]
        moments.append((state, down))
    return moments


def unavailability_violations(states: list[PodState], names: list[str], start: int, limit: int) -> list[str]:
    """Each moment, from sequence number start on, at which more than limit of names were down at once."""
    return [
        f"at {state.when} (#{state.seq}) {len(down)} pods were missing or not Running and Ready at once, more than "
        f"{limit}: {', '.join(down)}"
        for state, down in down_at_once(states, names, start)
        if len(down) > limit
    ][:3]


def most_down(states: list[PodState], names: list[str], start: int) -> int:
    """The most of names that were down at once from sequence number start on."""
    return max((len(down) for _, down in down_at_once(states, names, start)), default=0)


READY_SLACK_SECONDS = 1.5
"""How much sooner than minReadySeconds after a pod was seen Ready the cluster may treat it as available: the
controller measures from the Ready condition's lastTransitionTime, which the API gives to the second, and this
suite sees the Ready state a little after it happens."""


def ready_since(states: list[PodState], uid: str, seq: int) -> PodState | None:
    """The state from which pod incarnation uid was Running and Ready without a break up to sequence number seq, or
    None if it was not Running and Ready just before seq."""
    since = None
    for state in states:
        if state.seq >= seq:
            break
        if state.uid == uid:
            since = (since or state) if state.running_and_ready else None
    return since


def min_ready_violations(states: list[PodState], start: int, min_ready: float) -> list[str]:
    """A rolling update with minReadySeconds, from sequence number start on: each old pod starts terminating only
    once the pod replaced just before it has been made again and has been Running and Ready for min_ready seconds
    (less READY_SLACK_SECONDS): not while it is gone, Pending or unready (a controller that replaces all at once, or
    the next as soon as one is created).
    states must hold the whole timeline: the pods as they were at start are read from before it."""
    old_uids = {s.uid for s in states if s.seq <= start and s.exists}
    violations = []
    previous: PodState | None = None
    for state in termination_starts([s for s in states if s.seq > start]):
        if state.uid not in old_uids:
            continue
        if previous is not None:
            replacement = latest_before(states, previous.name, state.seq)
            made = replacement if replacement and replacement.exists and replacement.uid != previous.uid else None
            ready = ready_since(states, made.uid, state.seq) if made else None
            if ready is None:
                was = f"was {made.condition()} (uid {made.uid[:8]})" if made else "had not been made again"
                violations.append(
                    f"{state.name} started terminating at {state.when} (#{state.seq}) while {previous.name}, replaced "
                    f"just before, {was}: minReadySeconds is {min_ready:.0f}"
                )
            elif (waited := (state.at - ready.at).total_seconds()) < min_ready - READY_SLACK_SECONDS:
                violations.append(
                    f"{state.name} started terminating at {state.when} (#{state.seq}), {waited:.1f} s after "
                    f"{previous.name} (replaced just before, uid {ready.uid[:8]}) became Running and Ready at "
                    f"{ready.when}: minReadySeconds is {min_ready:.0f}"
                )
        previous = state
    return violations


def availability_violations(ready_at: list[datetime], available_at: list[datetime], min_ready: float) -> list[str]:
    """availableReplicas reached k at available_at[k-1]; k pods were Running and Ready from ready_at[k-1] on. The
    cluster may count a pod as available only min_ready seconds (less READY_SLACK_SECONDS) after it became Ready."""
    return [
        f"availableReplicas reached {k} at {clock(available)}, {(available - ready).total_seconds():.1f} s after the "
        f"count of Running and Ready pods reached {k} at {clock(ready)}: minReadySeconds is {min_ready:.0f}"
        for k, (ready, available) in enumerate(zip(ready_at, available_at, strict=False), start=1)
        if (available - ready).total_seconds() < min_ready - READY_SLACK_SECONDS
    ]


def ready_again(states: list[PodState], uid: str, seq: int) -> str:
    """When pod incarnation uid was Running and Ready again after sequence number seq, in words."""
    ready = next((s for s in states if s.seq > seq and s.uid == uid and s.running_and_ready), None)
    if ready:
        return f"it became Running and Ready at {ready.when}"
    return f"not seen Running and Ready again {_up_to(states)}"


def _up_to(states: list[PodState]) -> str:
    """How far the states a rule judged go: a check that fails at once judges the timeline up to then, not its end."""
    return f"up to {states[-1].when} (#{states[-1].seq})" if states else "in the states judged"


def _while_unready(states: list[PodState], change: PodState, how: str, name: str) -> str | None:
    """change (a pod created or starting to terminate, in words how) as a violation when pod name was not Running and
    Ready at that moment, with when it was Ready again; None when it was (or did not exist)."""
    held = latest_before(states, name, change.seq)
    if held is None or not held.exists or held.running_and_ready:
        return None
    return (
        f"{change.name} {how} at {change.when} (#{change.seq}) while {name} {_state_text(held)} "
        f"({ready_again(states, held.uid, change.seq)})"
    )


def changes_while_unready(states: list[PodState], name: str, start: int) -> list[str]:
    """OrderedReady halts while a pod is unhealthy: from sequence number start on, each pod created or starting to
    terminate while pod name was not Running and Ready, as the cluster showed it: the hold ends when name is Ready
    again, not when the test lets it be (states: the whole timeline)."""
    after = [s for s in states if s.seq > start]
    changed = [(s, "created") for s in creations(after)]
    changed += [(s, "started terminating") for s in termination_starts(after) if s.name != name]
    found = (_while_unready(states, state, how, name) for state, how in sorted(changed, key=lambda c: c[0].seq))
    return [violation for violation in found if violation]


def scale_down_readiness_violations(states: list[PodState], start: int) -> list[str]:
    """OrderedReady scale-down goes on only while the pods that stay are Running and Ready: from sequence number start
    on, each pod that started terminating while a pod of a lower ordinal was not (states: the whole timeline)."""
    violations = []
    for state in termination_starts([s for s in states if s.seq > start]):
        set_name, number = split_ordinal(state.name) or ("", -1)
        if state.exists:
            found = (_while_unready(states, state, "started terminating", pod_name(set_name, i)) for i in range(number))
            violations += [violation for violation in found if violation]
    return violations


def numbering_violations(states: list[PodState], stage: Stage, names: list[str]) -> list[str]:
    """The set's pods numbered from a start ordinal, read off a stage (from the set being given it to the next such
    change): names, the pods of the new numbering, each created in order, once its predecessor among them is Running
    and Ready; no pod created under any other name; and the pods whose ordinal stays in range (names that existed
    when the stage began) never restarted. states: every state, so that the pods are read as they were before."""
    span = within(states, stage)
    at_start = {name: state for name in names if (state := latest_before(states, name, stage[0] + 1)) and state.exists}
    violations = [
        f"{created.name} (uid {created.uid[:8]}) created at {created.when} (#{created.seq}), outside the ordinals "
        f"{names[0]}..{names[-1]}"
        for created in creations(span)
        if created.name not in names
    ]
    early = (created_too_soon(states, c) for c in creations(span) if c.name in names and c.name != names[0])
    violations += [violation for violation in early if violation]
    for name, kept in sorted(at_start.items()):
        ended = next((s for s in span if s.uid == kept.uid and (s.terminating or not s.exists)), None)
        if ended is not None:
            how = "was deleted" if not ended.exists else "started terminating"
            violations.append(
                f"{name} (uid {kept.uid[:8]}), whose ordinal stays in range, {how} at {ended.when} (#{ended.seq})"
            )
    return violations
