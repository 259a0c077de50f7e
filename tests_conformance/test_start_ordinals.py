"""Start ordinals (spec.ordinals.start): the set's pods are numbered from the start ordinal; setting, raising,
lowering and removing it moves the set to the new ordinals, each pod with the hostname and the claim of its name."""

from kubia_conformance.cluster.objects import claim_name, mounted_claims
from kubia_conformance.kubia.build import pod_names
from kubia_conformance.verdicts import require

GUARANTEE = "start ordinals"


def moved_to(kubia, start, replicas):
    """Waits until exactly the pods numbered from start are Ready; returns how any of them is not its identity."""
    names = pod_names(replicas, start)
    pods = kubia.wait_names(names, f"{GUARANTEE}: exactly {', '.join(names)} Ready (start ordinal {start})")
    return [
        f"{name} has hostname {pod.spec.hostname} and mounts {', '.join(mounted_claims(pod)) or 'nothing'}, "
        f"expected {name} and {claim_name(name)}"
        for name, pod in sorted(pods.items())
        if (pod.spec.hostname, mounted_claims(pod)) != (name, (claim_name(name),))
    ]


def test_setting_then_raising_the_start_ordinal_moves_the_pods(kubia):
    """Span: each stage until exactly its pods are Ready: kubia-0, kubia-1; then from 2 with 3 replicas (kubia-2..4);
    then from 4 with 2 (kubia-4, kubia-5)."""
    kubia.deploy_ready(2)
    kubia.set_ordinals(2, 3)
    require(f"{GUARANTEE} (set to 2)", moved_to(kubia, 2, 3))
    kubia.set_ordinals(4, 2)
    require(f"{GUARANTEE} (raised to 4)", moved_to(kubia, 4, 2))


def test_lowering_then_removing_the_start_ordinal_moves_the_pods(kubia):
    """Span: each stage until exactly its pods are Ready: from 3 (kubia-3, kubia-4); lowered to 1 (kubia-1, kubia-2);
    removed (kubia-0, kubia-1)."""
    kubia.deploy(2, ordinals_start=3)
    require(f"{GUARANTEE} (created at 3)", moved_to(kubia, 3, 2))
    kubia.set_ordinals(1, 2)
    require(f"{GUARANTEE} (lowered to 1)", moved_to(kubia, 1, 2))
    kubia.set_ordinals(None, 2)
    require(f"{GUARANTEE} (removed)", moved_to(kubia, 0, 2))
