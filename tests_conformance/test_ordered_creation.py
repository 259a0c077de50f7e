"""Ordered creation (OrderedReady): kubia-(i+1) is created only after kubia-i is Running and Ready."""

from kubia_conformance.evidence.ordering import creation_order_violations, described_creations
from kubia_conformance.verdicts import require

GUARANTEE = "ordered creation (OrderedReady) broken"


def test_each_pod_is_created_after_its_predecessor_is_running_and_ready(kubia):
    """Span: the whole test, from before the StatefulSet exists until every pod is Ready."""
    kubia.deploy_ready(3)

    require(GUARANTEE, creation_order_violations(kubia.timeline.states))


def test_an_unready_pod_holds_back_its_successor_until_it_is_ready(kubia, timeouts):
    """Span: from the scale request to the end of the quiet window (no successor while kubia-0 is unready), then
    the whole test (creation order)."""
    kubia.deploy_ready(1)
    kubia.make_unready("kubia-0")

    requested = kubia.timeline.sync()
    kubia.scale(3)
    window = kubia.timeline.quiet_window(timeouts.quiet_window, since=requested)

    why = f"while kubia-0 was unready (quiet window of {timeouts.quiet_window:.0f} s)"
    require(GUARANTEE, [f"{created} {why}" for created in described_creations(kubia.timeline.window(window))])
    kubia.make_ready("kubia-0")
    kubia.wait_ready(3)
    require(GUARANTEE, creation_order_violations(kubia.timeline.states))
