"""Parallel pod management: pods are created without waiting for their predecessors to be Ready."""

from kubia_conformance.kubia import describe_pods
from kubia_conformance.timeline import creations, latest_before


def test_pods_are_created_while_their_predecessors_are_not_ready(kubia, timeouts):
    kubia.deploy_ready(1, pod_management_policy="Parallel")
    kubia.hold("kubia-0")
    mark = kubia.timeline.last_seq

    kubia.scale(3)
    kubia.timeline.wait_for(
        lambda pods: {"kubia-1", "kubia-2"} <= set(pods),
        timeout=timeouts.pod_ready,
        what="parallel pod management: kubia-1 and kubia-2 to be created while kubia-0 is held not Ready",
        describe=describe_pods,
    )

    states = kubia.timeline.states
    for created in creations(kubia.timeline.since(mark)):
        predecessor = f"kubia-{int(created.name.rsplit('-', 1)[1]) - 1}"
        before = latest_before(states, predecessor, created.seq)
        assert before is None or not before.running_and_ready, (
            f"parallel pod management: {created.name} was created at {created.when} only after {predecessor} was "
            "Running and Ready, as if OrderedReady"
        )
    kubia.release("kubia-0")
    kubia.wait_ready(3)
