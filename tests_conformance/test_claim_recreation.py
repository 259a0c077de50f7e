"""Claim recreation: a claim deleted while its pod is Pending is made again by the StatefulSet, and the pod starts with
the new claim on its node (upstream: "PVC should be recreated when pod is pending due to missing PVC")."""

import pytest

from kubia_conformance.cluster.objects import (
    HOSTNAME_LABEL,
    claim_name,
    condition,
    is_serving,
    mounted_claims,
    node_name,
    uid_of,
)
from kubia_conformance.cluster.retry import api_delete
from kubia_conformance.verdicts import expect

pytestmark = [pytest.mark.disruptive]

GUARANTEE = "claim recreation"
CLAIM = claim_name("kubia-0")


def pending(pod):
    scheduled = condition(pod, "PodScheduled")
    return scheduled is not None and scheduled.status == "False"


def test_a_claim_deleted_while_its_pod_is_pending_is_recreated(kubia, node_outage, reserved_node):
    """Span: from the deletion of kubia-0 on its cordoned node until the new kubia-0 is Ready on that node again,
    with data-kubia-0 made anew (claim watch)."""
    node = reserved_node.node
    old = kubia.deploy_ready(1, node_selector={HOSTNAME_LABEL: node}, tolerations=[reserved_node.toleration()])[
        "kubia-0"
    ]
    outage = node_outage(node)
    outage.cordon()

    kubia.delete_pod("kubia-0")
    kubia.wait_pods(
        lambda pods: "kubia-0" in pods and uid_of(pods["kubia-0"]) != uid_of(old) and pending(pods["kubia-0"]),
        f"{GUARANTEE}: the new kubia-0 to be Pending while its node {node} is cordoned",
    )
    claim = kubia.claims()[CLAIM]
    api_delete(kubia.cluster.core.delete_namespaced_persistent_volume_claim, CLAIM, kubia.namespace)
    kubia.wait_claims(
        lambda claims: CLAIM not in claims or uid_of(claims[CLAIM]) != uid_of(claim),
        f"{GUARANTEE}: the deleted {CLAIM} (uid {uid_of(claim)[:8]}) to be gone",
    )
    outage.cordon(unschedulable=False)

    new = kubia.wait_pod(
        lambda pods: (
            pods.get("kubia-0")
            if "kubia-0" in pods and uid_of(pods["kubia-0"]) != uid_of(old) and is_serving(pods["kubia-0"])
            else None
        ),
        f"{GUARANTEE}: the new kubia-0 to start on {node} once {CLAIM} is made again",
    )
    made = kubia.claim_snapshot({CLAIM})
    expect(
        node_name(new) == node
        and mounted_claims(new) == (CLAIM,)
        and made.kept.get(CLAIM, ("", ""))[0] not in ("", uid_of(claim)),
        GUARANTEE,
        f"the new kubia-0 runs on {node_name(new)} and mounts {', '.join(mounted_claims(new)) or 'nothing'}, "
        f"{CLAIM} is {made.described.get(CLAIM, 'missing')}; expected {node}, {CLAIM} made anew "
        f"(not uid {uid_of(claim)[:8]})",
    )
