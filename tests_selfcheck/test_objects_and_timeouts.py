"""The one home of reading objects (kubia_conformance/cluster/objects.py): ordinals, claim names, a claim's volume,
a pod's state in words, the node a volume is pinned to; and the timeouts, of which --timeout-scale scales all but
the fixed ones."""

import dataclasses

import pytest
from kubernetes import client

from kubia_conformance.backends.disruption import CommandNodes, ContainerNodes
from kubia_conformance.backends.node_choice import NodeChoice, backend_facts, from_facts
from kubia_conformance.backends.node_faults import PodFaults
from kubia_conformance.cluster.connect import Cluster
from kubia_conformance.cluster.objects import (
    claim_name,
    is_statefulset_pod,
    ordinal,
    pinned_node,
    predecessor,
    readiness_words,
    split_ordinal,
    volume_name,
)
from kubia_conformance.timeouts import FIXED, Timeouts


def test_ordinals_are_read_from_the_last_dash():
    assert split_ordinal("kubia-12") == ("kubia", 12)
    assert split_ordinal("my-db-0") == ("my-db", 0)
    assert ordinal("kubia-2") == 2
    assert predecessor("my-db-1") == "my-db-0"
    assert claim_name("kubia-1") == "data-kubia-1"


@pytest.mark.parametrize("name", ["kubia", "kubia-", "kubia-0-squatter", "-3"])
def test_a_name_without_an_ordinal_is_no_statefulset_pod(name):
    assert split_ordinal(name) is None
    assert not is_statefulset_pod(name)
    with pytest.raises(ValueError, match="not a StatefulSet pod's name"):
        ordinal(name)


def test_a_pods_state_in_words():
    assert readiness_words("Running", True) == "Running Ready"
    assert readiness_words("", False) == "without phase not Ready"


def test_a_claims_volume_is_empty_until_it_is_bound():
    claim = client.V1PersistentVolumeClaim(spec=client.V1PersistentVolumeClaimSpec())
    assert volume_name(claim) == ""
    claim.spec.volume_name = "pvc-1"
    assert volume_name(claim) == "pvc-1"
    assert volume_name(client.V1PersistentVolumeClaim()) == ""


def pinned_to(*terms):
    return client.V1PersistentVolume(
        spec=client.V1PersistentVolumeSpec(
            node_affinity=client.V1VolumeNodeAffinity(required=client.V1NodeSelector(node_selector_terms=list(terms)))
        )
    )


def test_a_volume_pinned_by_hostname_names_its_node():
    term = client.V1NodeSelectorTerm(
        match_expressions=[
            client.V1NodeSelectorRequirement(key="topology.kubernetes.io/zone", operator="In", values=["a"]),
            client.V1NodeSelectorRequirement(key="kubernetes.io/hostname", operator="In", values=["worker2"]),
        ]
    )
    assert pinned_node(pinned_to(term)) == "worker2"


def test_a_volume_that_can_move_names_no_node():
    assert pinned_node(client.V1PersistentVolume(spec=client.V1PersistentVolumeSpec())) is None
    zone = client.V1NodeSelectorTerm(
        match_expressions=[
            client.V1NodeSelectorRequirement(key="topology.kubernetes.io/zone", operator="In", values=["a"])
        ]
    )
    assert pinned_node(pinned_to(zone)) is None


def test_the_scale_multiplies_every_timeout_but_the_fixed_ones():
    base, scaled = Timeouts(), Timeouts().scaled(3)
    fields = dataclasses.fields(Timeouts)
    fixed = {f.name for f in fields if FIXED in f.metadata}
    assert {"lease", "lease_renew", "api_retry", "dns_poll"} <= fixed
    for field in fields:
        factor = 1 if field.name in fixed else 3
        assert getattr(scaled, field.name) == getattr(base, field.name) * factor, field.name
    assert all(f.metadata[FIXED] for f in fields if f.name in fixed), "each fixed value says why it must not scale"


CLUSTER = Cluster(api_client=None, context="test", server="https://test", version="v1.36.3")  # type: ignore[arg-type]
"""A cluster that is never called: the facts name the backend, the worker connects on its own."""


@pytest.mark.parametrize(
    "choice",
    [
        NodeChoice(ContainerNodes("docker", 60.0), ""),
        NodeChoice(CommandNodes("virsh destroy {node}", "virsh start {node}", 60.0), "", "worker-2"),
        NodeChoice(None, "off: context 'prod' matches none of --disruptive-contexts kind-*,kwok-*"),
        NodeChoice(PodFaults(CLUSTER, "partition", "python:3.11-slim-bookworm", Timeouts()), "", "worker-1"),
        NodeChoice(PodFaults(CLUSTER, "kubelet-stop", "kubia.local/suite:1", Timeouts()), ""),
    ],
)
def test_a_worker_takes_the_node_backend_its_controller_chose(choice):
    """xdist workers rebuild the controller's node backend from plain strings (workerinput carries nothing else)."""
    facts = backend_facts(choice)
    assert all(isinstance(value, str) for value in facts.values())
    assert from_facts(facts, CLUSTER, Timeouts()) == choice


@pytest.mark.parametrize("scale", [0.3, 1.0, 4.0])
def test_a_fault_from_inside_outlives_the_waits_of_the_check_that_holds_its_node_down(scale):
    """The node undoes the fault by itself at node_fault_deadline: never while a node-loss check still needs it down
    (its waits meanwhile: the node lost, the old pod not Ready, the replacement created and Pending, a quiet window)."""
    timeouts = Timeouts().scaled(scale)
    held = timeouts.node_not_ready + 3 * timeouts.pod_ready + timeouts.quiet_window
    assert timeouts.node_fault_deadline > held
