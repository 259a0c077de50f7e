"""Parallel pod management: pods are created without waiting for their predecessors to be Ready."""

from kubia_conformance.objects import predecessor
from kubia_conformance.timeline import creations, latest_before
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

    states = kubia.timeline.states
    waited = []
    for created in creations(kubia.timeline.since(mark)):
        before = latest_before(states, predecessor(created.name), created.seq)
        if before is not None and before.running_and_ready:
            waited.append(
                f"{created.name} was created at {created.when} only after {before.name} was Running and Ready, "
                "as if OrderedReady"
            )
    require("parallel pod management", waited)
    kubia.make_ready("kubia-0")
    kubia.wait_ready(3)
