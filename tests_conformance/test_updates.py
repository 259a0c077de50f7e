"""Updates: RollingUpdate goes in reverse ordinal order, a partition bounds it (a canary, then phases), a rollback
takes the earlier revision back, maxUnavailable bounds the pods down, OnDelete waits for deletions, and the
StatefulSet's status tracks both revisions."""

import pytest

from kubia_conformance.backends.capabilities import MAX_UNAVAILABLE_GATE
from kubia_conformance.cluster.objects import describe_pods, describe_status, is_serving, revision_of, uid_of
from kubia_conformance.evidence.ordering import (
    most_down,
    replacement_order,
    replacements,
    rolling_update_violations,
    unavailability_violations,
    without_repeats,
)
from kubia_conformance.evidence.states import within
from kubia_conformance.evidence.timeline import Stages
from kubia_conformance.verdicts import expect, require

AVAILABLE = "rolling update keeps the set available"
PHASED = "canary and phased updates"


def revisions(pods):
    return {name: revision_of(pod) for name, pod in sorted(pods.items())}


def show(revisions_by_pod):
    return ", ".join(f"{name} at {revision}" for name, revision in sorted(revisions_by_pod.items()))


def wait_revisions(kubia, timeouts, expected, what):
    """Waits until each named pod is Ready at the revision it maps to."""
    return kubia.timeline.wait_until(
        lambda pods: all(
            name in pods and is_serving(pods[name]) and revision_of(pods[name]) == revision
            for name, revision in expected.items()
        ),
        timeout=timeouts.for_pods(len(expected)),
        what=what,
        describe=lambda pods: f"{describe_pods(pods)}; {show(revisions(pods))}",
    )


def test_rolling_update_replaces_pods_in_reverse_ordinal_order_keeping_the_set_available(kubia, timeouts):
    """Span: from the template change until every pod is Ready at the new revision. Pods are replaced from the
    highest ordinal down; each old pod starts terminating only once the pod replaced before it is back, with a new
    uid, Running and Ready; never are two pods missing or unready at once."""
    names = ["kubia-0", "kubia-1", "kubia-2"]
    kubia.deploy_ready(len(names))
    mark = kubia.timeline.sync()
    kubia.timeline.invariants.append(
        (AVAILABLE, lambda states: rolling_update_violations(states, names, mark)),
    )

    update = kubia.change_template("2")
    wait_revisions(
        kubia, timeouts, dict.fromkeys(names, update), f"rolling update: every pod Ready at revision {update}"
    )

    require(AVAILABLE, rolling_update_violations(kubia.timeline.states, names, mark))
    order = replacement_order(kubia.timeline.since(mark))
    expect(
        without_repeats(order) == ["kubia-2", "kubia-1", "kubia-0"],
        "rolling update",
        f"pods were replaced in the order {', '.join(order)}, expected kubia-2, kubia-1, kubia-0",
    )


def test_partition_updates_only_ordinals_at_or_above_it(kubia, timeouts):
    """Span: the whole test. kubia-0 and kubia-1, below the partition, are never replaced."""
    pods = kubia.deploy_ready(3, update_strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}})
    old = revisions(pods)["kubia-0"]
    below = {"kubia-0", "kubia-1"}
    kubia.timeline.invariants.append(
        ("partition 2 (pods below it are left alone)", lambda states: replacements(states, below))
    )

    update = kubia.change_template("2")
    wait_revisions(kubia, timeouts, {"kubia-2": update}, f"partition 2: kubia-2 Ready at revision {update}")
    kubia.timeline.quiet_window(timeouts.quiet_window)

    require("partition 2 (pods below it are left alone)", replacements(kubia.timeline.states, below))
    now = revisions(kubia.pods())
    expected = {"kubia-0": old, "kubia-1": old, "kubia-2": update}
    expect(now == expected, "partition 2", f"expected {show(expected)}, saw {show(now)}")


def test_on_delete_updates_only_the_pods_that_were_deleted(kubia, timeouts):
    """Span: the whole test. kubia-0 and kubia-2, never deleted by the test, are never replaced."""
    pods = kubia.deploy_ready(3, update_strategy={"type": "OnDelete"})
    old = revisions(pods)["kubia-0"]
    untouched = {"kubia-0", "kubia-2"}
    kubia.timeline.invariants.append(
        ("OnDelete (pods not deleted are left alone)", lambda states: replacements(states, untouched))
    )

    changed = kubia.timeline.sync()
    update = kubia.change_template("2")
    window = kubia.timeline.quiet_window(timeouts.quiet_window, since=changed)
    require("OnDelete (no pod replaced before a delete)", replacements(kubia.timeline.window(window), set(pods)))

    kubia.delete_pod("kubia-1")
    kubia.wait_replaced("kubia-1", pods["kubia-1"].metadata.uid)

    require("OnDelete (pods not deleted are left alone)", replacements(kubia.timeline.states, untouched))
    now = revisions(kubia.pods())
    expected = {"kubia-0": old, "kubia-1": update, "kubia-2": old}
    expect(now == expected, "OnDelete", f"expected {show(expected)}, saw {show(now)}")


def test_status_tracks_the_current_and_update_revisions(kubia, timeouts):
    """Span: the status as the StatefulSet watch shows it at each stage (it lags the pods, so each stage is waited
    for, not read once)."""
    pods = kubia.deploy_ready(2, update_strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 1}})
    initial = kubia.wait_status(lambda s: (s.ready_replicas or 0) == 2, "status to count the 2 Ready pods")
    expect(
        initial.current_revision == initial.update_revision == revisions(pods)["kubia-0"],
        "revisions",
        f"before any update, status has {describe_status(initial)}; pods are {show(revisions(pods))}",
    )

    update = kubia.change_template("2")
    wait_revisions(kubia, timeouts, {"kubia-1": update}, f"partition 1: kubia-1 Ready at revision {update}")
    partial = kubia.wait_status(
        lambda s: (s.updated_replicas or 0) >= 1 and (s.ready_replicas or 0) == 2,
        "mid-update status to count the updated kubia-1 and 2 Ready pods",
    )
    expect(
        (partial.current_revision, partial.update_revision, partial.updated_replicas)
        == (initial.current_revision, update, 1),
        "revisions",
        f"mid-update (partition 1) status has {describe_status(partial)}; expected currentRevision "
        f"{initial.current_revision}, updateRevision {update}, updated 1",
    )

    kubia.patch({"spec": {"updateStrategy": {"rollingUpdate": {"partition": 0}}}}, "partition lowered to 0")
    wait_revisions(kubia, timeouts, {"kubia-0": update, "kubia-1": update}, f"every pod Ready at revision {update}")
    final = kubia.wait_status(
        lambda s: s.current_revision == update and s.updated_replicas == 2,
        f"status.currentRevision to become {update} once every pod is updated",
    )
    expect(
        final.update_revision == update, "revisions", f"once every pod is updated, status has {describe_status(final)}"
    )


def test_a_rollback_restores_the_earlier_revision_in_reverse_order(kubia, timeouts):
    """Span: from the rollback until every pod is Ready at the first revision again: pods replaced from the highest
    ordinal down, the set available throughout. The first revision is taken back, not made anew: its
    ControllerRevision is the same object, no third one appears, its revision number is now the highest, and the
    status ends with it as both revisions."""
    names = ["kubia-0", "kubia-1", "kubia-2"]
    first = revisions(kubia.deploy_ready(len(names)))["kubia-0"]
    kept = uid_of(kubia.controller_revisions()[first])
    update = kubia.change_template("2")
    wait_revisions(
        kubia, timeouts, dict.fromkeys(names, update), f"rolling update: every pod Ready at revision {update}"
    )

    mark = kubia.timeline.sync()
    kubia.timeline.invariants.append((AVAILABLE, lambda states: rolling_update_violations(states, names, mark)))
    kubia.patch(
        {"spec": {"template": {"metadata": {"annotations": {"kubia.test/revision": None}}}}},
        "pod template rolled back (revision annotation removed)",
    )
    wait_revisions(kubia, timeouts, dict.fromkeys(names, first), f"rollback: every pod Ready at revision {first}")

    order = replacement_order(kubia.timeline.since(mark))
    expect(
        without_repeats(order) == ["kubia-2", "kubia-1", "kubia-0"],
        "rollback",
        f"pods were rolled back in the order {', '.join(order)}, expected kubia-2, kubia-1, kubia-0",
    )
    final = kubia.wait_status(
        lambda s: s.current_revision == first and s.update_revision == first and s.updated_replicas == len(names),
        f"rollback: status.currentRevision and updateRevision to be the first revision {first}",
    )
    history = kubia.controller_revisions()
    expect(
        set(history) == {first, update} and uid_of(history[first]) == kept,
        "rollback (the revision history)",
        f"the revisions are {', '.join(f'{n} (uid {uid_of(r)[:8]})' for n, r in sorted(history.items()))}; "
        f"expected {first} (uid {kept[:8]}, taken back) and {update}; status: {describe_status(final)}",
    )
    numbers = {name: revision.revision for name, revision in history.items()}
    expect(
        numbers[first] > numbers[update],
        "rollback (the revision taken back is the newest in the history)",
        f"{first}, taken back, is revision {numbers[first]} and {update} is revision {numbers[update]}: the history "
        "reads the rollback as older than the update it undid (kubectl rollout history and undo, and the pruning of "
        "old revisions, go by these numbers)",
    )


def left_below(partition, deleted_by_the_test):
    """A step's rule: the pods below its partition are left alone (but for the incarnations the test deletes) until
    the next step, so that one replaced late, after the step's pods are Ready, is this step's violation and not the
    next step's move."""
    below = {f"kubia-{ordinal}" for ordinal in range(partition)}
    return lambda states, step: replacements(
        [s for s in within(states, step) if s.uid not in deleted_by_the_test], below
    )


def test_canary_and_phased_updates_move_one_ordinal_at_a_time(kubia, timeouts):
    """Span: the whole test, in phases between the test's actions. With the partition above every ordinal nothing
    is updated (a quiet window); at 2 only kubia-2 (the canary); a deleted pod below the partition comes back at the
    current revision, one at or above it at the update revision; lowering the partition to 1, then 0, replaces
    exactly that ordinal each time (perhaps twice in a row: see without_repeats), and each step holds (a quiet window)
    with the pods below its partition left alone until the next step; the status ends at the update revision."""
    names = ["kubia-0", "kubia-1", "kubia-2"]
    pods = kubia.deploy_ready(len(names), update_strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 3}})
    first = revisions(pods)["kubia-0"]

    changed = kubia.timeline.sync()
    update = kubia.change_template("2")
    window = kubia.timeline.quiet_window(timeouts.quiet_window, since=changed)
    require("canary (partition 3: nothing updated)", replacements(kubia.timeline.window(window), set(names)))

    expected = dict.fromkeys(names, first)
    steps, deleted_by_the_test = Stages(kubia.timeline), set()
    for partition in (2, 1, 0):
        mark = steps.begin(
            f"{PHASED} (partition {partition}: pods below it left alone)", left_below(partition, deleted_by_the_test)
        )
        kubia.patch(
            {"spec": {"updateStrategy": {"rollingUpdate": {"partition": partition}}}},
            f"partition lowered to {partition}",
        )
        expected[f"kubia-{partition}"] = update
        wait_revisions(kubia, timeouts, expected, f"phased update: {show(expected)} (partition {partition})")
        kubia.timeline.quiet_window(timeouts.quiet_window, since=mark)
        moved = replacement_order(kubia.timeline.since(mark))
        expect(
            without_repeats(moved) == [f"kubia-{partition}"],
            f"{PHASED} (one ordinal per step)",
            f"lowering the partition to {partition} replaced {', '.join(moved) or 'nothing'}, expected only "
            f"kubia-{partition}",
        )
        if partition == 2:
            # Their new incarnations must be back before the next step's mark: a deleted pod still Ready at its
            # revision satisfies wait_revisions, and its replacement would then count as the next step's (seen in CI
            # under load: "lowering the partition to 1 replaced kubia-0, kubia-2, kubia-1").
            current = kubia.timeline.current()
            deleted = {name: uid_of(current[name]) for name in ("kubia-0", "kubia-2")}
            deleted_by_the_test.update(deleted.values())
            for name, uid in deleted.items():
                kubia.delete_pod(name, uid=uid)
            for name, uid in deleted.items():
                kubia.wait_replaced(name, uid)
            wait_revisions(
                kubia,
                timeouts,
                expected,
                f"canary: deleted pods back at their revision, kubia-0 at the current {first} (below partition 2) "
                f"and kubia-2 at the update {update}",
            )
    kubia.wait_status(
        lambda s: s.current_revision == update and s.updated_replicas == len(names),
        f"phased update: status.currentRevision to become {update} once every pod is updated",
    )


def test_max_unavailable_bounds_the_pods_down_during_a_rolling_update(kubia, timeouts, capabilities):
    """Span: from the template change until every pod is Ready at the new revision: never more than maxUnavailable
    (2) of the 5 pods missing or unready at once, and more than one at once at some point (the controller uses the
    room it is given)."""
    if not capabilities.max_unavailable:
        pytest.skip(f"needs maxUnavailable rolling updates: {MAX_UNAVAILABLE_GATE} is off (the server drops the field)")
    names = [f"kubia-{i}" for i in range(5)]
    bound = f"maxUnavailable 2 (of {len(names)} pods)"
    kubia.deploy_ready(len(names), update_strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}})
    mark = kubia.timeline.sync()
    kubia.timeline.invariants.append((bound, lambda states: unavailability_violations(states, names, mark, 2)))

    update = kubia.change_template("2")
    wait_revisions(
        kubia, timeouts, dict.fromkeys(names, update), f"rolling update: every pod Ready at revision {update}"
    )

    states = kubia.timeline.states
    require(bound, unavailability_violations(states, names, mark, 2))
    expect(
        most_down(states, names, mark) > 1,
        f"{bound} (pods updated together)",
        "the update never had two pods down at once: the controller replaced them one at a time",
    )
