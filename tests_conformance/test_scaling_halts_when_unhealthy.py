"""Scaling halts while a pod is unhealthy under OrderedReady, and goes on once it is Ready; Parallel goes on."""

import pytest

from kubia_conformance.evidence.ordering import changes
from kubia_conformance.kubia.build import pod_names
from kubia_conformance.verdicts import require

TARGETS = {"up": 4, "down": 1}


@pytest.mark.parametrize("direction", TARGETS)
def test_ordered_ready_scaling_halts_while_a_pod_is_unready(kubia, timeouts, direction):
    """Span: from the scale request to the end of the quiet window that follows it, while kubia-0 is unready (the
    test then makes it Ready, which ends the guarantee)."""
    kubia.deploy_ready(3)
    kubia.make_unready("kubia-0")

    requested = kubia.timeline.sync()
    kubia.scale(TARGETS[direction])
    window = kubia.timeline.quiet_window(timeouts.quiet_window, since=requested)

    require(
        f"scaling {direction} (OrderedReady) went on while kubia-0 was unready "
        f"(quiet window of {timeouts.quiet_window:.0f} s)",
        changes(kubia.timeline.window(window)),
    )
    kubia.make_ready("kubia-0")
    kubia.wait_ready(TARGETS[direction])


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
