"""Claim recreation: a claim deleted while its pod is Pending is made again by the StatefulSet, and the pod starts with
the new claim (upstream: "PVC should be recreated when pod is pending due to missing PVC"). Upstream keeps the pod
Pending by cordoning its node; here a scheduling gate in the set's template does (the set updates OnDelete, so the
gate reaches only the pod the test deletes), and the test lifts it from the pod: no node is touched, so the check
runs wherever the suite does (the Job, Sonobuoy)."""

from kubia_conformance.cluster.objects import condition, is_serving, mounted_claims, node_name, uid_of
from kubia_conformance.cluster.retry import api_delete
from kubia_conformance.evidence.identity import left_alone, replacements_left_alone
from kubia_conformance.verdicts import expect

GUARANTEE = "claim recreation"
CLAIM = "data-kubia-0"
GATE = "kubia.test/claim-recreation"
"""The scheduling gate that keeps the new kubia-0 Pending until the test lifts it."""


def gated(pod):
    scheduled = condition(pod, "PodScheduled")
    return scheduled is not None and scheduled.status == "False" and scheduled.reason == "SchedulingGated"


def test_a_claim_deleted_while_its_pod_is_pending_is_recreated(kubia):
    """Span: from the deletion of kubia-0 until the new kubia-0, Pending meanwhile (held by a scheduling gate), is
    Ready with data-kubia-0 made anew: the Pending pod and the claim made again are left alone throughout (pod and
    claim watches)."""
    old = kubia.deploy_ready(1, update_strategy={"type": "OnDelete"})["kubia-0"]
    kubia.patch(
        {"spec": {"template": {"spec": {"schedulingGates": [{"name": GATE}]}}}},
        f"scheduling gate {GATE} in the template (OnDelete: only a pod made anew gets it)",
    )

    kubia.delete_pod("kubia-0")
    waiting = kubia.wait_pod(
        lambda pods: (
            pods.get("kubia-0")
            if "kubia-0" in pods and uid_of(pods["kubia-0"]) != uid_of(old) and gated(pods["kubia-0"])
            else None
        ),
        f"the new kubia-0 to be Pending behind the scheduling gate {GATE}",
    )
    kubia.timeline.invariants.append(
        (f"{GUARANTEE} (the Pending pod is the one that starts)", left_alone("kubia-0", uid_of(waiting)))
    )
    claim = kubia.claims()[CLAIM]
    kubia.claim_timeline.invariants.append(
        (f"{GUARANTEE} (the claim made again is kept)", replacements_left_alone(CLAIM, uid_of(claim)))
    )
    api_delete(kubia.cluster.core.delete_namespaced_persistent_volume_claim, CLAIM, kubia.namespace)
    kubia.wait_claims(
        lambda claims: CLAIM not in claims or uid_of(claims[CLAIM]) != uid_of(claim),
        f"the deleted {CLAIM} (uid {uid_of(claim)[:8]}) to be gone",
    )
    kubia.lift_scheduling_gates("kubia-0")

    new = kubia.wait_pod(
        lambda pods: pods.get("kubia-0") if "kubia-0" in pods and is_serving(pods["kubia-0"]) else None,
        f"the Pending kubia-0 (uid {uid_of(waiting)[:8]}) to start once {CLAIM} is made again",
    )
    made = kubia.claim_snapshot({CLAIM})
    expect(
        uid_of(new) == uid_of(waiting)
        and mounted_claims(new) == (CLAIM,)
        and made.kept.get(CLAIM, ("", ""))[0] not in ("", uid_of(claim)),
        GUARANTEE,
        f"kubia-0 uid {uid_of(new)[:8]} started on {node_name(new)}, mounting "
        f"{', '.join(mounted_claims(new)) or 'nothing'}; {CLAIM} is {made.described.get(CLAIM, 'missing')}; "
        f"expected the Pending kubia-0 (uid {uid_of(waiting)[:8]}) to start, with {CLAIM} made anew (not uid "
        f"{uid_of(claim)[:8]})",
    )
