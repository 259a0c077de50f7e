"""Parallel pod management: pods are created without waiting for their predecessors to be Ready."""

from fixtures.kubia import describe_pods
from fixtures.ordering import creation_order_violations


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

    unordered = creation_order_violations(kubia.timeline.since(mark))
    created_early = {line.split()[0] for line in unordered}
    assert created_early >= {"kubia-1", "kubia-2"}, (
        "parallel pod management: expected kubia-1 and kubia-2 to be created before their predecessors were "
        f"Ready; only these were: {unordered or 'none'}"
    )
    kubia.release("kubia-0")
    kubia.wait_ready(3)
