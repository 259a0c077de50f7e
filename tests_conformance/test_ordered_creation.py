"""Ordered creation (OrderedReady): kubia-(i+1) is created only after kubia-i is Running and Ready; a deleted pod
comes back whatever the state of its successors (no deadlock)."""

from kubia_conformance.cluster.objects import is_ready, is_serving, uid_of
from kubia_conformance.evidence.identity import replacements_left_alone
from kubia_conformance.evidence.ordering import creation_order_violations, described_creations
from kubia_conformance.verdicts import expect, require

GUARANTEE = "ordered creation (OrderedReady) broken"
DEADLOCK = "no deadlock (a deleted pod comes back whatever its successors' state)"


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


def test_a_deleted_pod_comes_back_while_its_successor_is_unready(kubia):
    """Span: from the delete of kubia-0 until its replacement is Ready, kubia-1 held unready throughout (upstream:
    "should not deadlock when a pod's predecessor fails"): OrderedReady waits for a pod's predecessors, never for
    its successors."""
    old = kubia.deploy_ready(2)["kubia-0"]
    kubia.make_unready("kubia-1")

    kubia.timeline.invariants.append((DEADLOCK, replacements_left_alone("kubia-0", uid_of(old))))
    kubia.delete_pod("kubia-0")
    pods = kubia.wait_pods(
        lambda pods: "kubia-0" in pods and uid_of(pods["kubia-0"]) != uid_of(old) and is_serving(pods["kubia-0"]),
        "kubia-0 to come back Ready while its successor kubia-1 is unready",
    )

    expect(
        "kubia-1" in pods and not is_ready(pods["kubia-1"]),
        DEADLOCK,
        "kubia-1 was Ready again before kubia-0 came back: the check did not hold it unready",
    )
    kubia.make_ready("kubia-1")
    kubia.wait_ready(2)
    require(GUARANTEE, creation_order_violations(kubia.timeline.states))
