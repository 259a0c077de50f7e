"""Updates: RollingUpdate goes in reverse ordinal order, a partition bounds it, OnDelete waits for deletions, and
the StatefulSet's status tracks both revisions."""

from kubia_conformance.kubia import describe_pods, is_ready
from kubia_conformance.ordering import replacement_order

REVISION_LABEL = "controller-revision-hash"


def revisions(pods):
    return {name: pod.metadata.labels.get(REVISION_LABEL) for name, pod in sorted(pods.items())}


def wait_revisions(kubia, timeouts, expected, what):
    """Waits until each named pod is Ready at the revision it maps to (None: any revision other than the update's)."""

    def settled(pods):
        return pods if all(
            name in pods and is_ready(pods[name]) and not pods[name].metadata.deletion_timestamp
            and pods[name].metadata.labels.get(REVISION_LABEL) == revision
            for name, revision in expected.items()
        ) else None

    return kubia.timeline.wait_for(
        settled, timeout=timeouts.for_pods(len(expected)), what=what,
        describe=lambda pods: f"{describe_pods(pods)}; revisions {revisions(pods)}",
    )


def test_rolling_update_replaces_pods_in_reverse_ordinal_order(kubia, timeouts):
    kubia.deploy_ready(3)
    mark = kubia.timeline.last_seq

    update = kubia.change_template("2")
    wait_revisions(kubia, timeouts, {p: update for p in ("kubia-0", "kubia-1", "kubia-2")},
                   f"rolling update: every pod Ready at revision {update}")

    order = replacement_order(kubia.timeline.since(mark))
    assert order == ["kubia-2", "kubia-1", "kubia-0"], (
        f"rolling update: pods were replaced in the order {order}, expected reverse ordinal order"
    )


def test_partition_updates_only_ordinals_at_or_above_it(kubia, timeouts):
    pods = kubia.deploy_ready(3, update_strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}})
    old = revisions(pods)["kubia-0"]

    update = kubia.change_template("2")
    wait_revisions(kubia, timeouts, {"kubia-2": update}, f"partition 2: kubia-2 Ready at revision {update}")
    window = kubia.timeline.hold(timeouts.hold)

    now = revisions(kubia.pods())
    assert now == {"kubia-0": old, "kubia-1": old, "kubia-2": update}, (
        f"partition 2: expected only kubia-2 at the update revision {update} (others at {old}), saw {now}"
    )
    replaced = [s for s in kubia.timeline.window(window) if s.terminating and s.name != "kubia-2"]
    assert not replaced, f"partition 2: {replaced[0].name} was replaced at {replaced[0].when}, below the partition"


def test_on_delete_updates_only_the_pods_that_were_deleted(kubia, timeouts):
    pods = kubia.deploy_ready(3, update_strategy={"type": "OnDelete"})
    old = revisions(pods)["kubia-0"]

    update = kubia.change_template("2")
    window = kubia.timeline.hold(timeouts.hold)
    replaced = [s for s in kubia.timeline.window(window) if s.terminating]
    assert not replaced, f"OnDelete: {replaced[0].name} was replaced at {replaced[0].when} without being deleted"

    kubia.delete_pod("kubia-1")
    kubia.wait_replaced("kubia-1", pods["kubia-1"].metadata.uid)

    now = revisions(kubia.pods())
    assert now == {"kubia-0": old, "kubia-1": update, "kubia-2": old}, (
        f"OnDelete: expected only the deleted kubia-1 at the update revision {update} (others at {old}), saw {now}"
    )


def test_status_tracks_the_current_and_update_revisions(kubia, timeouts):
    pods = kubia.deploy_ready(2, update_strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 1}})
    initial = kubia.statefulset().status
    assert initial.current_revision == initial.update_revision == revisions(pods)["kubia-0"], (
        f"revisions: before any update, status has current {initial.current_revision} and update "
        f"{initial.update_revision}, pods are at {revisions(pods)}"
    )

    update = kubia.change_template("2")
    wait_revisions(kubia, timeouts, {"kubia-1": update}, f"partition 1: kubia-1 Ready at revision {update}")
    partial = kubia.statefulset().status
    assert (partial.current_revision, partial.update_revision, partial.updated_replicas) == (
        initial.current_revision, update, 1
    ), (
        f"revisions: mid-update (partition 1) status has current {partial.current_revision}, update "
        f"{partial.update_revision}, updatedReplicas {partial.updated_replicas}; expected {initial.current_revision}, "
        f"{update}, 1"
    )

    kubia.patch({"spec": {"updateStrategy": {"rollingUpdate": {"partition": 0}}}})
    wait_revisions(kubia, timeouts, {"kubia-0": update, "kubia-1": update}, f"every pod Ready at revision {update}")
    final = kubia.wait_status(
        lambda s: s.current_revision == update and s.updated_replicas == 2,
        f"status.currentRevision to become {update} once every pod is updated",
    )
    assert final.update_revision == update
