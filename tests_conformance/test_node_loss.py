"""Node loss (the book's chapter 10 scenario): a pod on a lost node is never replaced while it may still run,
only after a force delete or the out-of-service taint; the replacement keeps identity and claim; the node comes back.
"""

import pytest
from kubernetes.client.exceptions import ApiException

from kubia_conformance.cluster.objects import (
    claim_name,
    condition,
    is_ready,
    is_terminating,
    mounted_claims,
    pinned_node,
    volume_name,
)
from kubia_conformance.cluster.retry import api
from kubia_conformance.evidence.identity import identity_violations, untouched_until_let_go
from kubia_conformance.verdicts import expect, require

pytestmark = [pytest.mark.disruptive, pytest.mark.slow]

VICTIM = "kubia-1"
CLAIM = claim_name(VICTIM)
AT_MOST_ONE = "at most one (node loss)"
DATA = "written to kubia-1 before its node was lost"
VOLUME_AFFINITY_PHRASES = ("volume node affinity conflict", "didn't match PersistentVolume's node affinity")
"""How the scheduler says a pod's volume is pinned elsewhere (before and since Kubernetes 1.30)."""


def lose_node_of_victim(kubia, node_outage, capabilities):
    """Deploys 3 replicas, writes data into kubia-1 where containers run, stops the node of kubia-1, and waits
    until the cluster has noticed."""
    pods = kubia.deploy_ready(3)
    old = pods[VICTIM]
    outage = node_outage(old.spec.node_name)
    if capabilities.containers_run:
        kubia.http(VICTIM, "POST", DATA)
        outage.note(f"{VICTIM} stored: {DATA}")
    rule = untouched_until_let_go(VICTIM, old.metadata.uid, outage.node)
    kubia.timeline.invariants.append((AT_MOST_ONE, rule))
    outage.stop()
    outage.wait_condition(ready=False)
    kubia.wait_pods(
        lambda p: VICTIM not in p or p[VICTIM].metadata.uid != old.metadata.uid or not is_ready(p[VICTIM]),
        f"node loss: {VICTIM} to report Ready False or Unknown after its node {outage.node} was lost",
    )
    require(AT_MOST_ONE, rule(kubia.timeline.states))
    outage.note(f"{VICTIM} reported not Ready")
    return old, outage, rule


def wait_replacement(kubia, outage, old, cluster, claim_before):
    """Checks the replacement's identity and claim, and waits until it is Ready: on a healthy node when its volume
    can move, or, when the volume is pinned to the lost node, Pending for that reason until the node is restored."""
    new = kubia.wait_pod(
        lambda p: p.get(VICTIM) if VICTIM in p and p[VICTIM].metadata.uid != old.metadata.uid else None,
        f"node loss: a replacement {VICTIM} to be created",
    )
    outage.note(f"replacement {VICTIM} created (uid {new.metadata.uid[:8]})")
    expect(
        (new.spec.hostname, new.spec.subdomain) == (VICTIM, "kubia"),
        "node loss (stable identity)",
        f"the replacement has hostname {new.spec.hostname} and subdomain {new.spec.subdomain}",
    )
    expect(
        mounted_claims(new) == (CLAIM,),
        "node loss (stable storage)",
        f"the replacement mounts {', '.join(mounted_claims(new)) or 'nothing'}, expected {CLAIM}",
    )

    pinned = pinned_node(api(cluster.core.read_persistent_volume, volume_name(claim_before)))
    if pinned == outage.node:

        def unschedulable(pods):
            pod = pods.get(VICTIM)
            scheduled = condition(pod, "PodScheduled") if pod is not None else None
            return pod if scheduled is not None and scheduled.status == "False" else None

        pending = kubia.wait_pod(
            unschedulable, f"node loss: the replacement to be Pending while its volume's node {outage.node} is down"
        )
        message = condition(pending, "PodScheduled").message or ""
        expect(
            any(phrase in message for phrase in VOLUME_AFFINITY_PHRASES),
            "node loss",
            f"the replacement is Pending, but not for its volume pinned to {outage.node}: {message}",
        )
        outage.note(f"replacement Pending: {message}")
        outage.restore()
    ready = kubia.wait_replaced(VICTIM, old.metadata.uid)
    outage.note(f"replacement {VICTIM} Ready on {ready.spec.node_name}")
    if pinned != outage.node:
        expect(ready.spec.node_name != outage.node, "node loss", f"the replacement runs on the lost node {outage.node}")
    return ready


def assert_recovered(kubia, outage, claims, capabilities):
    outage.restore()
    kubia.wait_ready(3)
    outage.note("every replica Ready")
    require("node loss (stable storage: the claims and their volumes)", kubia.lost_claims(claims))
    if capabilities.containers_run:
        answer = kubia.http(VICTIM, "GET")
        outage.note(f"the replacement {VICTIM} answers: {' '.join(answer.split())}")
        expect(
            DATA in answer,
            "node loss (stable storage: the data)",
            f"the replacement {VICTIM} lost what was written before the loss; it answers: {answer.strip()}",
        )
    require("at most one pod per identity broken", identity_violations(kubia.timeline.states))


def test_pod_on_a_lost_node_is_replaced_only_after_force_delete(kubia, node_outage, cluster, timeouts, capabilities):
    """Span: the whole test. Until the force delete, the pod on the lost node stays and nothing replaces it (the
    quiet window after the normal delete is only its strictest part); at no point do two kubia-1 exist. Where
    containers run, what kubia-1 stored before the loss is read back from its replacement."""
    old, outage, untouched = lose_node_of_victim(kubia, node_outage, capabilities)
    claim_before = kubia.claims()[CLAIM]
    claims = kubia.claim_snapshot()

    deleted = kubia.timeline.sync()
    try:
        kubia.delete_pod(VICTIM, uid=old.metadata.uid)
    except ApiException as error:
        if error.status not in (404, 409):
            raise
        require(AT_MOST_ONE, untouched(kubia.timeline.states))
    kubia.timeline.invariants.remove((AT_MOST_ONE, untouched))
    outage.note(f"{VICTIM} deleted normally")
    kubia.wait_pods(
        lambda p: VICTIM not in p or p[VICTIM].metadata.uid != old.metadata.uid or is_terminating(p[VICTIM]),
        f"{VICTIM} to be Terminating",
    )
    kubia.timeline.quiet_window(timeouts.quiet_window, since=deleted)
    outage.note(f"quiet window of {timeouts.quiet_window:.0f} s over")

    require(AT_MOST_ONE, untouched(kubia.timeline.since(deleted)))
    users = sorted(
        n for n, p in kubia.pods().items() if CLAIM in mounted_claims(p) and p.metadata.uid != old.metadata.uid
    )
    expect(not users, AT_MOST_ONE, f"{', '.join(users)} use {CLAIM} while {VICTIM} is Terminating on the lost node")

    kubia.delete_pod(VICTIM, grace_period_seconds=0)
    outage.note(f"{VICTIM} force deleted")
    wait_replacement(kubia, outage, old, cluster, claim_before)
    assert_recovered(kubia, outage, claims, capabilities)


def test_out_of_service_taint_lets_the_cluster_replace_the_pod(kubia, node_outage, cluster, timeouts, capabilities):
    """Span: the whole test. Until the taint, the pod on the lost node stays and nothing replaces it; at no point
    do two pods use data-kubia-1. Where containers run, the data survives as in the force-delete check."""
    old, outage, untouched = lose_node_of_victim(kubia, node_outage, capabilities)
    claim_before = kubia.claims()[CLAIM]
    claims = kubia.claim_snapshot()

    kubia.timeline.invariants.remove((AT_MOST_ONE, untouched))
    outage.taint_out_of_service()
    kubia.wait_pods(
        lambda p: VICTIM not in p or p[VICTIM].metadata.uid != old.metadata.uid,
        f"non-graceful node shutdown: the out-of-service taint to remove {VICTIM} from the lost node",
        timeout=timeouts.pod_ready,
    )
    outage.note(f"old {VICTIM} removed by the cluster")
    wait_replacement(kubia, outage, old, cluster, claim_before)
    assert_recovered(kubia, outage, claims, capabilities)
