"""Availability (minReadySeconds): a pod counts as available only once it has been Running and Ready for
minReadySeconds; status.availableReplicas follows, and a rolling update waits that long before it goes on to the next
pod."""

from kubia_conformance.cluster.objects import revision_of
from kubia_conformance.evidence.ordering import availability_violations, min_ready_violations, ready_since
from kubia_conformance.kubia.build import pod_names
from kubia_conformance.timing.clock import now
from kubia_conformance.verdicts import require

MIN_READY = 5
"""spec.minReadySeconds of these checks: long enough to tell from a controller that ignores it."""


def test_available_replicas_count_a_pod_only_after_min_ready_seconds(kubia):
    """Span: from the StatefulSet's creation until availableReplicas reaches 2: the pod timeline gives when each pod
    became Running and Ready, the StatefulSet watch when availableReplicas counted it."""
    kubia.deploy(2, min_ready_seconds=MIN_READY)
    available_at = []
    for count in (1, 2):
        kubia.wait_status(
            lambda status, count=count: (status.available_replicas or 0) >= count,
            f"availability: availableReplicas to reach {count} (minReadySeconds {MIN_READY})",
        )
        available_at.append(now())
    kubia.wait_ready(2)

    states = kubia.timeline.states
    ready_at = sorted(
        ready.at
        for name in pod_names(2)
        if (last := next((s for s in reversed(states) if s.name == name), None)) is not None
        and (ready := ready_since(states, last.uid, last.seq + 1)) is not None
    )
    require(f"availability (minReadySeconds {MIN_READY})", availability_violations(ready_at, available_at, MIN_READY))


def test_a_rolling_update_waits_min_ready_seconds_between_pods(kubia):
    """Span: from the template change until every pod is Ready at the new revision: each old pod starts terminating
    only once the pod replaced before it has been Running and Ready for minReadySeconds. (minReadySeconds is set
    once the set is Ready: the creation under it is the check above, and here it would only add 2 x 5 s.)"""
    names = pod_names(3)
    kubia.deploy_ready(len(names))
    kubia.patch({"spec": {"minReadySeconds": MIN_READY}}, f"minReadySeconds set to {MIN_READY}")
    generation = kubia.statefulset().metadata.generation
    kubia.wait_status(
        lambda status: (
            (status.observed_generation or 0) >= generation and (status.available_replicas or 0) == len(names)
        ),
        f"availability: the controller to see minReadySeconds {MIN_READY} and availableReplicas to reach "
        f"{len(names)} before the update",
    )
    mark = kubia.timeline.sync()
    guarantee = f"a rolling update waits minReadySeconds ({MIN_READY}) between pods"
    kubia.timeline.invariants.append((guarantee, lambda states: min_ready_violations(states, mark, MIN_READY)))

    update = kubia.change_template("2")
    kubia.wait_pods(
        lambda pods: all(name in pods and revision_of(pods[name]) == update for name in names),
        f"rolling update with minReadySeconds {MIN_READY}: every pod at revision {update}",
        kubia.timeouts.for_pods(len(names)) + len(names) * MIN_READY,
    )
    kubia.wait_ready(len(names))

    require(guarantee, min_ready_violations(kubia.timeline.states, mark, MIN_READY))
