"""Scaling halts while a pod is unhealthy under OrderedReady, until the cluster shows it Ready again, and goes on
then in order; Parallel goes on."""

import pytest

from kubia_conformance.cluster.objects import uid_of
from kubia_conformance.evidence.ordering import (
    ORDERED_SCALE_DOWN,
    changes,
    changes_while_unready,
    creation_order_violations,
    scale_down,
)
from kubia_conformance.kubia.build import pod_names
from kubia_conformance.verdicts import require

TARGETS = {"up": 4, "down": 1}


@pytest.mark.parametrize("direction", TARGETS)
def test_ordered_ready_scaling_halts_while_a_pod_is_unready(kubia, timeouts, direction):
    """Span: from the scale request until kubia-0 is Running and Ready again as the cluster shows it (the test letting
    it be Ready is not the end: the pod is not Ready yet then), with the quiet window after the request as its
    strictest part; then the order of the scale over the whole test."""
    kubia.deploy_ready(3)
    kubia.make_unready("kubia-0")

    requested = kubia.timeline.sync()
    halted = f"scaling {direction} (OrderedReady) halts while kubia-0 is not Running and Ready"
    kubia.timeline.invariants.append((halted, lambda states: changes_while_unready(states, "kubia-0", requested)))
    if direction == "down":
        kubia.timeline.invariants.append((ORDERED_SCALE_DOWN, scale_down(requested, uid_of(kubia.statefulset()))))
    kubia.scale(TARGETS[direction])
    window = kubia.timeline.quiet_window(timeouts.quiet_window, since=requested)

    require(
        f"scaling {direction} (OrderedReady) went on while kubia-0 was unready "
        f"(quiet window of {timeouts.quiet_window:.0f} s)",
        changes(kubia.timeline.window(window)),
    )
    kubia.make_ready("kubia-0")
    kubia.wait_ready(TARGETS[direction])

    states = kubia.timeline.states
    require(halted, changes_while_unready(states, "kubia-0", requested))
    if direction == "up":
        require("ordered creation (OrderedReady) broken", creation_order_violations(states))


@pytest.mark.parametrize("direction", TARGETS)
def test_parallel_scaling_goes_on_while_a_pod_is_unready(kubia, direction):
    """Span: from the scale request until the target pods exist, kubia-0 unready throughout."""
    kubia.deploy_ready(3, pod_management_policy="Parallel")
    kubia.make_unready("kubia-0")

    kubia.scale(TARGETS[direction])

    expected = set(pod_names(TARGETS[direction]))
    kubia.wait_pods(
        lambda pods: set(pods) == expected,
        f"scaling {direction} (Parallel) to reach {', '.join(sorted(expected))} while kubia-0 is unready",
    )
    kubia.make_ready("kubia-0")
    kubia.wait_ready(TARGETS[direction])
