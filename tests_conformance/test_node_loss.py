"""Node loss (the book's chapter 10 scenario): a pod on a lost node is never replaced while it may still run,
only after a force delete or the out-of-service taint; the replacement keeps identity and claim; the node comes back.
"""

import pytest
from kubernetes.client.exceptions import ApiException

from kubia_conformance.kubia import is_ready
from kubia_conformance.ordering import identity_violations
from kubia_conformance.retry import api
from kubia_conformance.timeline import creations

pytestmark = [pytest.mark.disruptive, pytest.mark.slow]

VICTIM = "kubia-1"
CLAIM = "data-kubia-1"
VOLUME_AFFINITY_PHRASES = ("volume node affinity conflict", "didn't match PersistentVolume's node affinity")
"""How the scheduler says a pod's volume is pinned elsewhere (before and since Kubernetes 1.30)."""


def pinned_node(cluster, claim):
    """The node the claim's volume is pinned to (local-path, local volumes), or None when it can move."""
    volume = api(cluster.core.read_persistent_volume, claim.spec.volume_name)
    affinity = volume.spec.node_affinity
    for term in (affinity.required.node_selector_terms if affinity and affinity.required else []):
        for expression in term.match_expressions or []:
            if expression.key == "kubernetes.io/hostname" and expression.operator == "In":
                return expression.values[0]
    return None


def lose_node_of_victim(kubia, node_outage):
    """Deploys 3 replicas, stops the node of kubia-1, and waits until the cluster has noticed."""
    pods = kubia.deploy_ready(3)
    old = pods[VICTIM]
    outage = node_outage(old.spec.node_name)
    outage.stop()
    outage.wait_condition(ready=False)
    kubia.wait_pods(
        lambda p: VICTIM not in p or p[VICTIM].metadata.uid != old.metadata.uid or not is_ready(p[VICTIM]),
        f"node loss: {VICTIM} to report Ready False or Unknown after its node {outage.node} was lost",
    )
    assert_still_there(kubia, old, outage)
    outage.note(f"{VICTIM} reported not Ready")
    return old, outage


def assert_still_there(kubia, old, outage):
    """At most one: until the test says so, the pod on the lost node must stay, and nothing may replace it."""
    states = kubia.timeline.states
    gone = next((s for s in states if s.uid == old.metadata.uid and s.event == "DELETED"), None)
    replacement = next((s for s in creations(states) if s.name == VICTIM and s.uid != old.metadata.uid), None)
    assert gone is None and replacement is None, (
        f"at most one (node loss): {VICTIM} (uid {old.metadata.uid[:8]}) on the lost node {outage.node} was "
        f"{'removed at ' + gone.when if gone else 'still there'} and a replacement was "
        f"{'created at ' + replacement.when if replacement else 'not created'}, before any delete by the test"
    )


def wait_replacement(kubia, outage, old, cluster, claim_before):
    """Checks the replacement's identity and claim, and waits until it is Ready: on a healthy node when its volume
    can move, or, when the volume is pinned to the lost node, Pending for that reason until the node is restored."""
    new = kubia.wait_pods(
        lambda p: p.get(VICTIM) if VICTIM in p and p[VICTIM].metadata.uid != old.metadata.uid else None,
        f"node loss: a replacement {VICTIM} to be created",
    )
    outage.note(f"replacement {VICTIM} created (uid {new.metadata.uid[:8]})")
    assert (new.spec.hostname, new.spec.subdomain) == (VICTIM, "kubia"), (
        f"node loss: the replacement has hostname {new.spec.hostname!r} and subdomain {new.spec.subdomain!r}"
    )
    mounted = [v.persistent_volume_claim.claim_name for v in new.spec.volumes if v.persistent_volume_claim]
    assert mounted == [CLAIM], f"node loss: the replacement mounts {mounted}, expected {CLAIM}"

    pinned = pinned_node(cluster, claim_before)
    if pinned == outage.node:
        pending = kubia.wait_pods(
            lambda p: p.get(VICTIM) if VICTIM in p and any(
                c.type == "PodScheduled" and c.status == "False" for c in p[VICTIM].status.conditions or []
            ) else None,
            f"node loss: the replacement to be Pending while its volume's node {outage.node} is down",
        )
        message = next(c.message for c in pending.status.conditions if c.type == "PodScheduled")
        assert any(phrase in message for phrase in VOLUME_AFFINITY_PHRASES), (
            f"node loss: the replacement is Pending, but not for its volume pinned to {outage.node}: {message}"
        )
        outage.note(f"replacement Pending: {message}")
        outage.restore()
    ready = kubia.wait_replaced(VICTIM, old.metadata.uid)
    outage.note(f"replacement {VICTIM} Ready on {ready.spec.node_name}")
    if pinned != outage.node:
        assert ready.spec.node_name != outage.node, f"node loss: the replacement runs on the lost node {outage.node}"
    return ready


def assert_recovered(kubia, outage, claim_before):
    outage.restore()
    kubia.wait_ready(3)
    outage.note("every replica Ready")
    claim = kubia.claims()[CLAIM]
    assert claim.metadata.uid == claim_before.metadata.uid, (
        f"node loss: {CLAIM} was replaced (uid {claim_before.metadata.uid[:8]} -> {claim.metadata.uid[:8]})"
    )
    violations = identity_violations(kubia.timeline.states)
    assert not violations, "at most one pod per identity broken: " + "; ".join(violations)


def test_pod_on_a_lost_node_is_replaced_only_after_force_delete(kubia, node_outage, cluster, timeouts):
    old, outage = lose_node_of_victim(kubia, node_outage)
    claim_before = kubia.claims()[CLAIM]

    try:
        kubia.delete_pod(VICTIM, uid=old.metadata.uid)
    except ApiException as error:
        if error.status not in (404, 409):
            raise
        assert_still_there(kubia, old, outage)
    outage.note(f"{VICTIM} deleted normally")
    kubia.wait_pods(
        lambda p: VICTIM not in p or p[VICTIM].metadata.uid != old.metadata.uid or p[VICTIM].metadata.deletion_timestamp,
        f"{VICTIM} to be Terminating",
    )
    window = kubia.timeline.hold(timeouts.hold)
    outage.note(f"hold of {timeouts.hold:.0f} s over")

    seen = kubia.timeline.window(window)
    replacements = [s for s in creations(seen) if s.name == VICTIM and s.uid != old.metadata.uid]
    assert not replacements, (
        f"at most one (node loss): a replacement {VICTIM} was created at {replacements[0].when} while the old one "
        f"was Terminating on the lost node {outage.node}"
    )
    gone = [s for s in seen if s.uid == old.metadata.uid and s.event == "DELETED"]
    assert not gone, (
        f"at most one (node loss): {VICTIM} on the lost node {outage.node} was removed at {gone[0].when} "
        "without a force delete, so its replacement could run beside it"
    )
    users = [n for n, p in kubia.pods().items() if CLAIM in [v.persistent_volume_claim.claim_name
             for v in p.spec.volumes if v.persistent_volume_claim] and p.metadata.uid != old.metadata.uid]
    assert not users, f"at most one (node loss): {users} use {CLAIM} while {VICTIM} is Terminating"

    kubia.delete_pod(VICTIM, grace_period_seconds=0)
    outage.note(f"{VICTIM} force deleted")
    wait_replacement(kubia, outage, old, cluster, claim_before)
    assert_recovered(kubia, outage, claim_before)


def test_out_of_service_taint_lets_the_cluster_replace_the_pod(kubia, node_outage, cluster, timeouts):
    old, outage = lose_node_of_victim(kubia, node_outage)
    claim_before = kubia.claims()[CLAIM]

    outage.taint_out_of_service()
    kubia.wait_pods(
        lambda p: VICTIM not in p or p[VICTIM].metadata.uid != old.metadata.uid,
        f"non-graceful node shutdown: the out-of-service taint to remove {VICTIM} from the lost node",
        timeout=timeouts.pod_ready,
    )
    outage.note(f"old {VICTIM} removed by the cluster")
    wait_replacement(kubia, outage, old, cluster, claim_before)
    assert_recovered(kubia, outage, claim_before)
