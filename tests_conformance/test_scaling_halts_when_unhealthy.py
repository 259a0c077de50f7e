"""Scaling halts while a pod is unhealthy under OrderedReady, and goes on once it is Ready; Parallel goes on."""

import pytest

from kubia_conformance.kubia import describe_pods, pod_names
from kubia_conformance.ordering import termination_starts
from kubia_conformance.timeline import creations

TARGETS = {"up": 4, "down": 1}


def changes(states):
    """Pods created, or starting to terminate, among states."""
    return [f"{s.name} created at {s.when}" for s in creations(states)] + [
        f"{s.name} terminating at {s.when}" for s in termination_starts(states)
    ]


@pytest.mark.parametrize("direction", TARGETS)
def test_ordered_ready_scaling_halts_while_a_pod_is_unready(kubia, timeouts, direction):
    kubia.deploy_ready(3)
    kubia.hold("kubia-0")

    kubia.scale(TARGETS[direction])
    window = kubia.timeline.hold(timeouts.hold)

    moved = changes(kubia.timeline.window(window))
    assert not moved, (
        f"scaling {direction} (OrderedReady) went on while kubia-0 was held not Ready "
        f"(hold of {timeouts.hold:.0f} s): " + "; ".join(moved)
    )
    kubia.release("kubia-0")
    kubia.wait_ready(TARGETS[direction])


@pytest.mark.parametrize("direction", TARGETS)
def test_parallel_scaling_goes_on_while_a_pod_is_unready(kubia, timeouts, direction):
    kubia.deploy_ready(3, pod_management_policy="Parallel")
    kubia.hold("kubia-0")

    kubia.scale(TARGETS[direction])

    expected = set(pod_names(TARGETS[direction]))
    kubia.timeline.wait_for(
        lambda pods: set(pods) == expected,
        timeout=timeouts.pod_ready,
        what=f"scaling {direction} (Parallel) to reach {sorted(expected)} while kubia-0 is held not Ready",
        describe=describe_pods,
    )
    kubia.release("kubia-0")
    kubia.wait_ready(TARGETS[direction])
