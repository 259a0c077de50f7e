"""Parallel pod management: pods are created without waiting for their predecessors to be Ready."""

from kubia_conformance.evidence.ordering import waited_as_if_ordered
from kubia_conformance.verdicts import require


def test_pods_are_created_while_their_predecessors_are_not_ready(kubia):
    """Span: from the scale request until kubia-1 and kubia-2 exist, kubia-0 unready throughout."""
    kubia.deploy_ready(1, pod_management_policy="Parallel")
    kubia.make_unready("kubia-0")
    mark = kubia.timeline.sync()

    kubia.scale(3)
    kubia.wait_pods(
        lambda pods: {"kubia-1", "kubia-2"} <= set(pods),
        "parallel pod management: kubia-1 and kubia-2 to be created while kubia-0 is unready",
    )

    require("parallel pod management", waited_as_if_ordered(kubia.timeline.states, mark))
    kubia.make_ready("kubia-0")
    kubia.wait_ready(3)
