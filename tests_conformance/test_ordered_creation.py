"""Ordered creation (OrderedReady): kubia-(i+1) is created only after kubia-i is Running and Ready."""

from kubia_conformance.ordering import creation_order_violations
from kubia_conformance.timeline import creations


def test_each_pod_is_created_after_its_predecessor_is_running_and_ready(kubia):
    kubia.deploy_ready(3)

    violations = creation_order_violations(kubia.timeline.states)

    assert not violations, "ordered creation (OrderedReady) broken: " + "; ".join(violations)


def test_an_unready_pod_holds_back_its_successor_until_it_is_ready(kubia, timeouts):
    kubia.deploy_ready(1)
    kubia.hold("kubia-0")

    kubia.scale(3)
    window = kubia.timeline.hold(timeouts.hold)

    early = [s for s in creations(kubia.timeline.window(window)) if s.name != "kubia-0"]
    assert not early, (
        f"ordered creation (OrderedReady) broken: {early[0].name} created at {early[0].when} while kubia-0 was held "
        f"not Ready (hold of {timeouts.hold:.0f} s)"
    )
    kubia.release("kubia-0")
    kubia.wait_ready(3)
    violations = creation_order_violations(kubia.timeline.since(window[1]))
    assert not violations, "ordered creation (OrderedReady) broken after release: " + "; ".join(violations)
