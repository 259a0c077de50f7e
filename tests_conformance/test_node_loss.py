"""Node loss (the book's chapter 10 scenario): a pod on a lost node is never replaced while it may still run,
only after a force delete or the out-of-service taint; the replacement keeps identity and claim; the node comes back.

The node is reserved for the check first (fixtures/outage.py): the other checks run on beside it, with nothing of
theirs on that node. Three replicas: kubia-0 (the book's victim too) on the reserved node, the others elsewhere. The
node is lost as --node-fault says. Where the fault leaves its containers running (partition, kubelet-stop), the check
shows that the old kubia-0 still runs there while nothing replaces it, and that its kubelet stops it once the node is
back. Each check's failover figures (evidence/failover.py) go to the report; --max-recovery bounds one of them.
"""

from dataclasses import dataclass

import pytest
from kubernetes.client.exceptions import ApiException

from kubia_conformance.backends.reservation import first_label
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
from kubia_conformance.evidence.failover import recovery
from kubia_conformance.evidence.identity import identity_violations, untouched_until_let_go
from kubia_conformance.evidence.trace import TRACE_FILE, overlaps, writers
from kubia_conformance.timing.clock import clock_at
from kubia_conformance.verdicts import InfrastructureError, expect, require

pytestmark = [pytest.mark.disruptive, pytest.mark.slow]

FIRST = "kubia-0"
"""The pod put on the reserved node, the one the node takes down with it (the book's victim too)."""
AT_MOST_ONE = "at most one (node loss)"
DATA = "written before its node was lost"
VOLUME_AFFINITY_PHRASES = ("volume node affinity conflict", "didn't match PersistentVolume's node affinity")
"""How the scheduler says a pod's volume is pinned elsewhere (before and since Kubernetes 1.30)."""


@dataclass
class Loss:
    victim: str
    """The pod on the lost node."""
    claim: str
    old: object
    """The victim as it was before the loss."""
    outage: object
    untouched: object
    """The rule: the victim is neither removed nor replaced until the test lets it go."""


def lose_node_of_victim(kubia, node_outage, reserved_node, capabilities):
    """Deploys 3 replicas, kubia-0 on the reserved node (labelled as the first pod) and the others elsewhere;
    writes data into kubia-0 where containers run; takes that node down, and waits until the cluster has noticed."""
    kubia.deploy_ready(1, trace=capabilities.containers_run, **reserved_node.placement())
    api(kubia.cluster.core.patch_namespaced_pod, FIRST, kubia.namespace, {"metadata": {"labels": first_label()}})
    kubia.scale(3)
    pods = kubia.wait_ready(3)
    there = sorted(name for name, pod in pods.items() if pod.spec.node_name == reserved_node.node)
    if len(there) != 1:
        where = ", ".join(f"{name} on {pod.spec.node_name}" for name, pod in sorted(pods.items()))
        raise InfrastructureError(f"expected one kubia pod on the reserved node {reserved_node.node}: {where}")
    victim = there[0]
    old = pods[victim]
    outage = node_outage(old.spec.node_name)
    if capabilities.containers_run:
        kubia.http(victim, "POST", DATA)
        outage.note(f"{victim} stored: {DATA}")
    rule = untouched_until_let_go(victim, old.metadata.uid, outage.node)
    kubia.timeline.invariants.append((AT_MOST_ONE, rule))
    outage.stop()
    outage.wait_lost()
    kubia.wait_pods(
        lambda p: victim not in p or p[victim].metadata.uid != old.metadata.uid or not is_ready(p[victim]),
        f"node loss: {victim} to report Ready False or Unknown after its node {outage.node} was lost",
    )
    require(AT_MOST_ONE, rule(kubia.timeline.states))
    outage.note(f"{victim} reported not Ready")
    loss = Loss(victim, claim_name(victim), old, outage, rule)
    still_running(loss)
    return loss


def still_running(loss):
    """Where the fault leaves the node's containers running (a partition, a stopped kubelet), shows it: the old pod's
    processes, seen on the node, from the loss until the moment the node is brought back. Without them the check
    would not show what at-most-one protects against: their absence is an error of the fault (a kubelet that was not
    cut off stopped them), not a verdict."""
    found = loss.outage.processes(loss.old.metadata.uid)
    if found is None:
        return
    running = [p for p in found if not p.sandbox]
    if not running:
        raise InfrastructureError(
            f"the {loss.outage.backend.name} fault was to leave {loss.victim}'s containers running on node "
            f"{loss.outage.node}, but none of its processes runs there"
            + (f" (only its sandbox: {', '.join(str(p.pid) for p in found)})" if found else "")
        )
    loss.outage.note(
        f"old {loss.victim} still runs on node {loss.outage.node}: "
        + ", ".join(f"{p.command} (pid {p.pid}, started {clock_at(p.started)})" for p in running)
    )


def bring_node_back(loss, timeouts):
    """Brings the lost node back; where the fault left the old pod's containers running, its kubelet must then stop
    them (the pod was force-deleted or removed meanwhile): within Timeouts.old_container_gone, or two pods of one
    identity run on."""
    outage = loss.outage
    if "healed" not in outage.moments:
        outage.ensure_down()
        still_running(loss)
    outage.restore(awaited=loss.old.metadata.uid)
    left = outage.left_behind()
    if left is None:
        return
    expect(
        not left,
        AT_MOST_ONE,
        f"{timeouts.old_container_gone:.0f} s after node {outage.node} came back (at "
        f"{clock_at(outage.moments['healed'])}), the old {loss.victim} (uid {loss.old.metadata.uid[:8]}), removed from "
        f"the API, still runs there: " + ", ".join(f"{p.command} (pid {p.pid})" for p in left),
    )
    outage.note(f"old {loss.victim}'s processes gone from node {outage.node} at {clock_at(outage.moments['old_gone'])}")


def within_max_recovery(loss, options, pinned):
    """--max-recovery, when set: the replacement Running and Ready within that many seconds of the let-go."""
    took = recovery(loss.outage.moments)
    if options.max_recovery is None or took is None:
        return
    waited = f" (its volume is pinned to the lost node {loss.outage.node}: it waited for the node)" if pinned else ""
    expect(
        took <= options.max_recovery,
        "node loss (recovery within --max-recovery)",
        f"the replacement {loss.victim} was Running and Ready at {clock_at(loss.outage.moments['replacement_ready'])}, "
        f"{took:.1f} s after the {loss.outage.let_go} at {clock_at(loss.outage.moments['let_go'])}{waited}; "
        f"--max-recovery is {options.max_recovery:g} s",
    )


def wait_replacement(kubia, loss, claim_before, timeouts, options):
    """Checks the replacement's identity and claim, and waits until it is Ready: on a healthy node when its volume
    can move, or, when the volume is pinned to the lost node, Pending for that reason until the node is restored."""
    victim, outage, old = loss.victim, loss.outage, loss.old
    new = kubia.wait_pod(
        lambda p: p.get(victim) if victim in p and p[victim].metadata.uid != old.metadata.uid else None,
        f"node loss: a replacement {victim} to be created",
    )
    outage.note(f"replacement {victim} created (uid {new.metadata.uid[:8]})")
    expect(
        (new.spec.hostname, new.spec.subdomain) == (victim, "kubia"),
        "node loss (stable identity)",
        f"the replacement has hostname {new.spec.hostname} and subdomain {new.spec.subdomain}",
    )
    expect(
        mounted_claims(new) == (loss.claim,),
        "node loss (stable storage)",
        f"the replacement mounts {', '.join(mounted_claims(new)) or 'nothing'}, expected {loss.claim}",
    )

    pinned = pinned_node(api(kubia.cluster.core.read_persistent_volume, volume_name(claim_before)))
    if pinned == outage.node:

        def unschedulable(pods):
            pod = pods.get(victim)
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
        bring_node_back(loss, timeouts)
    ready = kubia.wait_replaced(victim, old.metadata.uid)
    outage.at("replacement_ready")
    outage.note(f"replacement {victim} Ready on {ready.spec.node_name}")
    if pinned != outage.node:
        expect(ready.spec.node_name != outage.node, "node loss", f"the replacement runs on the lost node {outage.node}")
    within_max_recovery(loss, options, pinned == outage.node)
    return ready


def assert_recovered(kubia, loss, claims, capabilities, timeouts):
    victim, outage = loss.victim, loss.outage
    bring_node_back(loss, timeouts)
    kubia.wait_ready(3)
    outage.note("every replica Ready")
    require("node loss (stable storage: the claims and their volumes)", kubia.lost_claims(claims))
    if capabilities.containers_run:
        answer = kubia.http(victim, "GET")
        outage.note(f"the replacement {victim} answers: {' '.join(answer.split())}")
        expect(
            DATA in answer,
            "node loss (stable storage: the data)",
            f"the replacement {victim} lost what was written before the loss; it answers: {answer.strip()}",
        )
    require("at most one pod per identity broken", identity_violations(kubia.timeline.states))
    volume_writers(kubia, loss, capabilities)


def volume_writers(kubia, loss, capabilities):
    """The volume's own record of its writers (evidence/trace.py), read back from the replacement: before the
    force delete or the taint, never two incarnations writing at once (at most one, as the data shows it, whatever
    the API showed); after it, where the old pod went on running (a partition: the book's case), the two writers'
    overlap is the force delete's hazard, measured and reported as a finding, as is when the old writer stopped
    after the heal. Where no trace is written (an image without it), the check says so and measures nothing."""
    if not capabilities.containers_run:
        return
    outage, old_uid = loss.outage, loss.old.metadata.uid
    found = writers(kubia.exec(loss.victim, ["sh", "-c", f"cat {TRACE_FILE} 2>/dev/null || true"]))
    if not found:
        outage.note(f"no write trace on {loss.claim}: the image does not write one (KUBIA_TRACE_FILE)")
        return
    outage.note(f"the writers of {loss.claim}, from its trace: " + "; ".join(w.describe() for w in found))
    let_go = outage.moments["let_go"]
    both = overlaps(found)
    early = [overlap for overlap in both if overlap.start < let_go]
    expect(
        not early,
        f"{AT_MOST_ONE} (the volume's own record)",
        f"two writers of {loss.claim} before the {outage.let_go} at {clock_at(let_go)}: "
        + "; ".join(overlap.describe() for overlap in early),
    )
    for overlap in both:
        outage.moments.setdefault("second_writer", overlap.start)
        outage.moments.setdefault("first_writer_stopped", overlap.end)
        outage.note(f"two writers of {loss.claim} after the {outage.let_go} (its hazard): {overlap.describe()}")
    old = next((w for w in found if w.uid == old_uid), None)
    if old is not None and old.last > outage.moments.get("healed", old.last):
        outage.moments["old_last_write"] = old.last


def test_pod_on_a_lost_node_is_replaced_only_after_force_delete(
    kubia, node_outage, reserved_node, timeouts, capabilities, options
):
    """Span: the whole test. Until the force delete, the pod on the lost node stays and nothing replaces it (the
    quiet window after the normal delete is only its strictest part); at no point do two pods of its name exist.
    Where containers run, what it stored before the loss is read back from its replacement."""
    loss = lose_node_of_victim(kubia, node_outage, reserved_node, capabilities)
    victim, outage, old, untouched = loss.victim, loss.outage, loss.old, loss.untouched
    claim_before = kubia.claims()[loss.claim]
    claims = kubia.claim_snapshot()

    deleted = kubia.timeline.sync()
    outage.at("deleted")
    try:
        kubia.delete_pod(victim, uid=old.metadata.uid)
    except ApiException as error:
        if error.status not in (404, 409):
            raise
        require(AT_MOST_ONE, untouched(kubia.timeline.states))
    kubia.timeline.invariants.remove((AT_MOST_ONE, untouched))
    outage.note(f"{victim} deleted normally")
    kubia.wait_pods(
        lambda p: victim not in p or p[victim].metadata.uid != old.metadata.uid or is_terminating(p[victim]),
        f"{victim} to be Terminating",
    )
    outage.at("terminating")
    kubia.timeline.quiet_window(timeouts.quiet_window, since=deleted)
    outage.note(f"quiet window of {timeouts.quiet_window:.0f} s over")

    require(AT_MOST_ONE, untouched(kubia.timeline.since(deleted)))
    users = sorted(
        n for n, p in kubia.pods().items() if loss.claim in mounted_claims(p) and p.metadata.uid != old.metadata.uid
    )
    expect(
        not users, AT_MOST_ONE, f"{', '.join(users)} use {loss.claim} while {victim} is Terminating on the lost node"
    )
    still_running(loss)

    kubia.delete_pod(victim, grace_period_seconds=0)
    outage.let_go_by("force delete")
    outage.note(f"{victim} force deleted")
    wait_replacement(kubia, loss, claim_before, timeouts, options)
    assert_recovered(kubia, loss, claims, capabilities, timeouts)


def test_out_of_service_taint_lets_the_cluster_replace_the_pod(
    kubia, node_outage, reserved_node, timeouts, capabilities, options
):
    """Span: the whole test. Until the taint, the pod on the lost node stays and nothing replaces it; at no point
    do two pods use its claim. Where containers run, the data survives as in the force-delete check."""
    loss = lose_node_of_victim(kubia, node_outage, reserved_node, capabilities)
    victim, old = loss.victim, loss.old
    claim_before = kubia.claims()[loss.claim]
    claims = kubia.claim_snapshot()

    kubia.timeline.invariants.remove((AT_MOST_ONE, loss.untouched))
    loss.outage.taint_out_of_service()
    loss.outage.let_go_by("out-of-service taint")
    kubia.wait_pods(
        lambda p: victim not in p or p[victim].metadata.uid != old.metadata.uid,
        f"non-graceful node shutdown: the out-of-service taint to remove {victim} from the lost node",
        timeout=timeouts.pod_ready,
    )
    loss.outage.note(f"old {victim} removed by the cluster")
    wait_replacement(kubia, loss, claim_before, timeouts, options)
    assert_recovered(kubia, loss, claims, capabilities, timeouts)
