"""The ordering and identity rules read off a pod timeline (kubia_conformance/evidence/ordering.py and identity.py),
on hand-made timelines: each rule must flag the broken orders a bad controller would produce, and accept the good
ones."""

from dataclasses import replace

from histories import T0
from histories import Recorder as Timeline

from kubia_conformance.evidence.identity import (
    controller_losses,
    failed_pod_kept,
    identity_violations,
    left_alone,
    released_for_good,
    replacements_left_alone,
    untouched_until_let_go,
)
from kubia_conformance.evidence.ordering import (
    availability_violations,
    changes,
    changes_while_unready,
    creation_order_violations,
    described_creations,
    min_ready_violations,
    most_down,
    numbering_violations,
    removal_order,
    replacement_order,
    rolling_update_violations,
    scale_down,
    scale_down_readiness_violations,
    scale_down_violations,
    surplus_kept,
    unavailability_violations,
    waited_as_if_ordered,
    without_repeats,
)


def test_ordered_creation_is_accepted():
    t = Timeline().created("kubia-0").ready("kubia-0").created("kubia-1").ready("kubia-1").created("kubia-2")
    assert creation_order_violations(t.states) == []


def test_creation_before_predecessor_ready_is_flagged_with_times():
    t = Timeline().created("kubia-0").created("kubia-1").ready("kubia-0")
    (violation,) = creation_order_violations(t.states)
    assert violation.startswith("kubia-1 created at 12:00:02.000 (#2) while kubia-0 was Pending not Ready")
    assert "it became Running and Ready at 12:00:03.000" in violation


def test_creation_without_predecessor_is_flagged():
    t = Timeline().created("kubia-1")
    (violation,) = creation_order_violations(t.states)
    assert "kubia-0 did not exist" in violation


def test_predecessor_that_became_unready_counts_as_not_ready():
    t = Timeline().created("kubia-0").ready("kubia-0").add("kubia-0", phase="Running").created("kubia-1")
    assert len(creation_order_violations(t.states)) == 1


def test_one_at_a_time_scale_down_from_the_top_is_accepted():
    t = Timeline().terminating("kubia-2").deleted("kubia-2").terminating("kubia-1").deleted("kubia-1")
    assert scale_down_violations(t.states) == []


def test_overlapping_terminations_are_flagged():
    t = Timeline().terminating("kubia-2").terminating("kubia-1").deleted("kubia-2").deleted("kubia-1")
    (violation,) = scale_down_violations(t.states)
    assert "kubia-1 started terminating" in violation
    assert "while kubia-2 was still present" in violation


def test_lowest_ordinal_first_is_flagged():
    t = Timeline().terminating("kubia-1").deleted("kubia-1").terminating("kubia-2").deleted("kubia-2")
    assert any("highest ordinal must go first" in v for v in scale_down_violations(t.states))


def test_replacement_order_follows_first_termination_of_each_incarnation():
    t = (
        Timeline()
        .terminating("kubia-2")
        .deleted("kubia-2")
        .created("kubia-2", uid="new-2")
        .terminating("kubia-1")
        .deleted("kubia-1")
    )
    assert replacement_order(t.states) == ["kubia-2", "kubia-1"]


def test_a_pod_replaced_twice_in_a_row_is_one_step_of_the_order():
    # Seen with the real kube-controller-manager: kubia-0 made during a phased update, deleted while Pending, made
    # again. Which pods were replaced, and in which order, is unchanged; a pod replaced again later is not.
    t = (
        Timeline()
        .terminating("kubia-1")
        .deleted("kubia-1")
        .terminating("kubia-0")
        .deleted("kubia-0")
        .created("kubia-0", uid="new-0")
        .add("kubia-0", uid="new-0", terminating=True)
        .add("kubia-0", uid="new-0", event="DELETED", terminating=True)
    )
    assert replacement_order(t.states) == ["kubia-1", "kubia-0", "kubia-0"]
    assert without_repeats(replacement_order(t.states)) == ["kubia-1", "kubia-0"]
    assert without_repeats(["kubia-2", "kubia-1", "kubia-2", "kubia-0"]) == ["kubia-2", "kubia-1", "kubia-2", "kubia-0"]


def test_one_incarnation_after_another_is_accepted():
    t = Timeline().created("kubia-1").deleted("kubia-1").created("kubia-1", uid="new-1")
    assert identity_violations(t.states) == []


def test_two_incarnations_at_once_are_flagged():
    t = Timeline().created("kubia-1").created("kubia-1", uid="new-1")
    by_name, by_claim, by_dns_name = identity_violations(t.states)
    assert "while uid uid-kubi still existed" in by_name
    assert "mounts data-kubia-1 at 12:00:02.000 (#2) while kubia-1 (uid uid-kubi) mounting it still existed" in by_claim
    assert "carries the DNS name kubia-1.kubia at 12:00:02.000 (#2) while kubia-1 (uid uid-kubi)" in by_dns_name


def test_a_pod_of_any_name_mounting_a_claim_in_use_is_flagged_once():
    t = Timeline().created("kubia-1").created("squatter", claims=("data-kubia-1",)).ready("kubia-1")
    t.add("squatter", phase="Running", claims=("data-kubia-1",))
    (violation,) = identity_violations(t.states)
    assert violation.startswith("squatter (uid uid-squa) mounts data-kubia-1 at 12:00:02.000 (#2) while kubia-1")


def test_a_pod_of_any_name_carrying_a_dns_name_in_use_is_flagged_once():
    t = Timeline().created("kubia-0").created("shadow", claims=("other",), dns_name="kubia-0.kubia").ready("kubia-0")
    t.add("shadow", phase="Running", claims=("other",), dns_name="kubia-0.kubia")
    (violation,) = identity_violations(t.states)
    assert violation.startswith(
        "shadow (uid uid-shad) carries the DNS name kubia-0.kubia at 12:00:02.000 (#2) while kubia-0 (uid uid-kubi) "
        "carrying it still existed"
    )


def test_a_pod_without_hostname_and_subdomain_carries_no_dns_name():
    t = Timeline().created("kubia-0").created("plain", claims=("other",), dns_name="")
    assert identity_violations(t.states) == []


def test_a_claim_mounted_by_a_pod_of_another_name_after_its_holder_was_deleted_is_accepted():
    t = (
        Timeline()
        .created("kubia-1")
        .terminating("kubia-1")
        .deleted("kubia-1")
        .created("other", claims=("data-kubia-1",))
    )
    assert identity_violations(t.states) == []


def test_an_incarnation_with_another_claim_is_flagged():
    t = Timeline().created("kubia-1", claims=("data-kubia-2",))
    assert any("mounts data-kubia-2 at" in v for v in identity_violations(t.states))


def rolled(t, name, uid, ready=True):
    """name terminates, goes, and comes back as uid (Ready unless ready is false)."""
    t.terminating(name).deleted(name).created(name, uid=uid)
    return t.add(name, phase="Running", ready=True, uid=uid) if ready else t


def deployed(names):
    t = Timeline()
    for name in names:
        t.created(name).ready(name)
    return t, t.history.last_seq


NAMES = ["kubia-0", "kubia-1", "kubia-2"]


def test_a_rolling_update_that_waits_for_each_replacement_is_accepted():
    t, start = deployed(NAMES)
    for name in reversed(NAMES):
        rolled(t, name, f"new-{name}")
    assert rolling_update_violations(t.states, NAMES, start) == []


def test_terminating_before_the_previous_replacement_is_ready_is_flagged():
    t, start = deployed(NAMES)
    rolled(t, "kubia-2", "new-2", ready=False)
    t.terminating("kubia-1")
    violations = rolling_update_violations(t.states, NAMES, start)
    assert any(
        v.startswith("kubia-1 started terminating at") and "kubia-2, replaced just before, was Pending not Ready" in v
        for v in violations
    ), violations
    assert any("2 pods were missing or not Running and Ready at once" in v for v in violations), violations


def test_terminating_before_the_previous_pod_was_even_replaced_is_flagged():
    t, start = deployed(NAMES)
    t.terminating("kubia-2").terminating("kubia-1")
    violations = rolling_update_violations(t.states, NAMES, start)
    assert any("kubia-2, replaced just before, was not replaced yet" in v for v in violations), violations


def test_an_unready_bystander_during_a_replacement_counts_as_two_down():
    t, start = deployed(NAMES)
    t.terminating("kubia-2").add("kubia-0", phase="Running")
    (violation,) = rolling_update_violations(t.states, NAMES, start)
    assert "kubia-0 was Running not Ready; kubia-2 was Running Ready and terminating" in violation


def test_creations_and_terminations_in_a_window_are_told_in_order_with_times():
    t = Timeline().created("kubia-2").ready("kubia-2")
    start = t.history.last_seq
    t.created("kubia-3").terminating("kubia-2")
    window = t.history.span(start)
    assert described_creations(window) == ["kubia-3 created at 12:00:03.000 (#3)"]
    assert changes(window) == [
        "kubia-3 created at 12:00:03.000 (#3)",
        "kubia-2 started terminating at 12:00:04.000 (#4)",
    ]
    assert changes(t.history.span(t.history.last_seq)) == []


def test_removals_are_told_in_the_order_the_pods_went():
    t = Timeline().terminating("kubia-2").deleted("kubia-2").terminating("kubia-1").deleted("kubia-1")
    assert removal_order(t.states) == ["kubia-2", "kubia-1"]


def test_parallel_creation_that_waited_for_the_predecessor_is_flagged():
    t = Timeline().created("kubia-0").ready("kubia-0")
    start = t.history.last_seq
    t.created("kubia-1")
    (violation,) = waited_as_if_ordered(t.states, start)
    assert violation == (
        "kubia-1 was created at 12:00:03.000 only after kubia-0 was Running and Ready, as if OrderedReady"
    )


def test_parallel_creation_while_the_predecessor_is_unready_is_accepted():
    t = Timeline().created("kubia-0").ready("kubia-0").add("kubia-0", phase="Running")
    start = t.history.last_seq
    t.created("kubia-1").created("kubia-2")
    assert waited_as_if_ordered(t.states, start) == []
    assert waited_as_if_ordered(Timeline().created("kubia-0").ready("kubia-0").created("kubia-1").states, 3) == []


def test_a_pod_on_a_lost_node_left_alone_until_it_is_let_go_is_accepted():
    rule = untouched_until_let_go("kubia-1", "uid-kubia-1", "node-a")
    t = Timeline().created("kubia-1").ready("kubia-1").terminating("kubia-1")
    assert rule(t.states) == []


def test_a_pod_on_a_lost_node_removed_or_replaced_before_it_is_let_go_is_flagged():
    rule = untouched_until_let_go("kubia-1", "uid-kubia-1", "node-a")
    t = Timeline().created("kubia-1").deleted("kubia-1").created("kubia-1", uid="uid-new")
    removed, replaced = rule(t.states)
    assert removed.startswith("kubia-1 (uid uid-kubi) on the lost node node-a was removed at 12:00:02.000")
    assert replaced.startswith("a replacement kubia-1 (uid uid-new) was created at 12:00:03.000")


def test_more_pods_down_than_max_unavailable_is_flagged_and_the_most_down_counted():
    t, start = deployed(["kubia-0", "kubia-1", "kubia-2"])
    t.terminating("kubia-2").terminating("kubia-1")
    names = ["kubia-0", "kubia-1", "kubia-2"]
    assert most_down(t.states, names, start) == 2
    assert unavailability_violations(t.states, names, start, 2) == []
    (violation,) = unavailability_violations(t.states, names, start, 1)
    assert violation.startswith(
        "at 12:00:08.000 (#8) 2 pods were missing or not Running and Ready at once, more than 1"
    )


def test_a_rolling_update_that_does_not_wait_min_ready_seconds_is_flagged():
    t, start = deployed(["kubia-1", "kubia-2"])
    rolled(t, "kubia-2", "new-2")  # new-2 Ready at #8 (12:00:08)
    t.add("kubia-1", phase="Running", ready=True, terminating=True, at=T0.replace(second=10))
    (violation,) = min_ready_violations(t.states, start, 5)
    assert violation.startswith("kubia-1 started terminating at 12:00:10.000 (#9), 2.0 s after kubia-2")
    assert "minReadySeconds is 5" in violation
    assert min_ready_violations(t.states, start, 3) == []


def test_a_rolling_update_that_replaces_all_pods_at_once_breaks_min_ready_seconds():
    t, start = deployed(["kubia-1", "kubia-2"])
    t.terminating("kubia-2").terminating("kubia-1")
    (violation,) = min_ready_violations(t.states, start, 5)
    assert violation.startswith("kubia-1 started terminating at 12:00:06.000 (#6) while kubia-2, replaced just before,")
    assert "had not been made again" in violation


def test_a_rolling_update_that_goes_on_once_the_replacement_is_created_breaks_min_ready_seconds():
    t, start = deployed(["kubia-1", "kubia-2"])
    rolled(t, "kubia-2", "new-2", ready=False)
    t.terminating("kubia-1")
    (violation,) = min_ready_violations(t.states, start, 5)
    assert "while kubia-2, replaced just before, was Pending not Ready (uid new-2)" in violation


def test_available_replicas_counted_too_soon_are_flagged():
    ready = [T0.replace(second=1), T0.replace(second=4)]
    assert availability_violations(ready, [T0.replace(second=6), T0.replace(second=9)], 5) == []
    (violation,) = availability_violations(ready, [T0.replace(second=6), T0.replace(second=5)], 5)
    assert violation.startswith("availableReplicas reached 2 at 12:00:05.000, 1.0 s after the count of Running and")


def test_a_pod_that_loses_its_controller_or_goes_is_flagged():
    t = Timeline().created("kubia-1").add("kubia-1", owner="").add("kubia-1", owner="uid-other").deleted("kubia-1")
    lost = controller_losses(t.states, "uid-kubia-1", "uid-set")
    assert lost == [
        "kubia-1 (uid uid-kubi) was without a controller at 12:00:02.000 (#2)",
        "kubia-1 (uid uid-kubi) was controlled by uid uid-othe at 12:00:03.000 (#3)",
        "kubia-1 (uid uid-kubi) was deleted at 12:00:04.000 (#4)",
    ]


def test_a_released_pod_marked_for_deletion_is_flagged_once():
    rule = left_alone("kubia-1", "uid-kubia-1")
    assert rule(Timeline().created("kubia-1").add("kubia-1", owner="").states) == []
    flagged = rule(Timeline().created("kubia-1").terminating("kubia-1").deleted("kubia-1").states)
    assert flagged == ["kubia-1 (uid uid-kubi) was marked for deletion at 12:00:02.000 (#2)"]


def test_a_change_after_the_release_but_before_ready_is_a_change_while_unready():
    t = Timeline().created("kubia-0").ready("kubia-0").add("kubia-0", phase="Running")  # #3: kubia-0 unready
    start = t.history.last_seq
    t.created("kubia-3").ready("kubia-0")  # created at #4, while kubia-0 was still unready: released but not Ready
    (violation,) = changes_while_unready(t.states, "kubia-0", start)
    assert violation == (
        "kubia-3 created at 12:00:04.000 (#4) while kubia-0 was Running not Ready "
        "(it became Running and Ready at 12:00:05.000)"
    )


def test_changes_once_the_pod_is_ready_again_are_accepted():
    t = Timeline().created("kubia-0").add("kubia-0", phase="Running")
    start = t.history.last_seq
    t.ready("kubia-0").created("kubia-3").terminating("kubia-2")
    assert changes_while_unready(t.states, "kubia-0", start) == []


def test_scale_down_while_a_remaining_pod_is_unready_is_flagged():
    t = Timeline().created("kubia-0").created("kubia-1").ready("kubia-1").add("kubia-0", phase="Running")
    start = t.history.last_seq
    t.terminating("kubia-2")
    (violation,) = scale_down_readiness_violations(t.states, start)
    assert violation.startswith("kubia-2 started terminating at 12:00:05.000 (#5) while kubia-0 was Running not Ready")
    t.ready("kubia-0").terminating("kubia-1")
    assert len(scale_down_readiness_violations(t.states, start)) == 1


def test_a_new_incarnation_deleted_by_anyone_is_flagged_the_one_the_test_deleted_is_not():
    rule = replacements_left_alone("kubia-0", "uid-kubia-0")
    t = Timeline().created("kubia-0").terminating("kubia-0").deleted("kubia-0").created("kubia-0", uid="new-0")
    assert rule(t.states) == []
    t.add("kubia-0", uid="new-0", terminating=True)
    (violation,) = rule(t.states)
    assert violation.startswith("the new kubia-0 (uid new-0, seen at 12:00:04.000 (#4)) was marked for deletion at")
    assert violation.endswith("the test deleted only uid uid-kubi")


def test_a_released_pod_that_refers_to_its_set_again_is_flagged():
    rule = released_for_good("kubia-1", "uid-kubia-1", "uid-set")
    t = Timeline().created("kubia-1").add("kubia-1", owner="")
    assert rule(t.states) == []
    t.history.add(replace(t.states[-1], seq=t.history.next_seq(), owners=("uid-set",)))
    (violation,) = rule(t.states)
    assert (
        "released at 12:00:02.000 (#2), referred to the StatefulSet (uid uid-set) by an ownerReference that is not"
        in (violation)
    )


def numbered(names_and_readiness):
    """Pods created one after the other, each Running and Ready when its flag says so."""
    t = Timeline()
    for name, ready in names_and_readiness:
        t.created(name)
        if ready:
            t.ready(name)
    return t


def test_pods_numbered_from_the_start_ordinal_in_order_are_accepted():
    t = numbered([("kubia-2", True), ("kubia-3", True), ("kubia-4", True)])
    assert numbering_violations(t.states, (0, None), ["kubia-2", "kubia-3", "kubia-4"]) == []


def test_a_pod_outside_the_ordinals_or_before_its_predecessor_is_ready_is_flagged():
    t = numbered([("kubia-0", False), ("kubia-3", False), ("kubia-4", False)])
    outside, early = numbering_violations(t.states, (0, None), ["kubia-3", "kubia-4"])
    assert outside.startswith("kubia-0 (uid uid-kubi) created at 12:00:01.000 (#1), outside the ordinals kubia-3..")
    assert early.startswith("kubia-4 created at 12:00:03.000 (#3) while kubia-3 was Pending not Ready")


def test_a_pod_whose_ordinal_stays_in_range_and_is_restarted_is_flagged():
    t = numbered([("kubia-0", True), ("kubia-1", True)])
    mark = t.history.last_seq
    t.terminating("kubia-1")
    (violation,) = numbering_violations(t.states, (mark, None), ["kubia-1", "kubia-2"])
    assert violation.startswith("kubia-1 (uid uid-kubi), whose ordinal stays in range, started terminating at")
    assert numbering_violations(t.states, (0, mark), ["kubia-0", "kubia-1"]) == []


def test_a_surplus_pod_let_go_instead_of_deleted_is_flagged_as_it_leaves():
    t = Timeline().created("kubia-0").created("kubia-1").ready("kubia-1")
    start = t.history.last_seq
    t.add("kubia-1", owner="", phase="Running", ready=True)
    (violation,) = scale_down(start, "uid-set")(t.states)
    assert violation == (
        "kubia-1 (uid uid-kubi) left the set at 12:00:04.000 (#4) without being deleted: released (no controller), "
        "Running Ready on n1"
    )
    deleted = Timeline().created("kubia-0").created("kubia-1")
    start = deleted.history.last_seq
    deleted.terminating("kubia-1").add("kubia-1", owner="", terminating=True).deleted("kubia-1")
    assert surplus_kept(deleted.states, start, "uid-set") == []


def test_a_failed_pod_still_kept_when_the_status_counts_it_out_is_flagged():
    t = Timeline().created("kubia-1").ready("kubia-1").add("kubia-1", phase="Failed")
    (violation,) = failed_pod_kept(t.states, "uid-kubia-1", "4", "12:00:04.500")
    assert violation == (
        "kubia-1 (uid uid-kubi) was Failed at 12:00:03.000 (#3); the StatefulSet's status counted it out at "
        "12:00:04.500 (resourceVersion 4) while the set still kept it: it was not deleted since"
    )
    t.deleted("kubia-1")
    assert (
        "it was deleted only at 12:00:04.000 (#4)" in failed_pod_kept(t.states, "uid-kubia-1", "3", "12:00:03.500")[0]
    )
    assert failed_pod_kept(t.states, "uid-kubia-1", "5", "12:00:05.000") == []
