"""Start ordinals (spec.ordinals.start): the set's pods are numbered from the start ordinal; setting, raising,
lowering and removing it moves the set to the new ordinals, each pod with the hostname and the claim of its name.
At each stage, as the pod watch sees it happen: the new pods are created in order from the start ordinal, none
under another name, and a pod whose ordinal stays in range is never restarted."""

from kubia_conformance.cluster.objects import claim_name, mounted_claims
from kubia_conformance.evidence.ordering import numbering_violations
from kubia_conformance.evidence.timeline import Stages
from kubia_conformance.kubia.build import pod_names
from kubia_conformance.verdicts import require

GUARANTEE = "start ordinals"


def stage(stages, kubia, start, replicas, change, what):
    """Holds the set to pods numbered from start until the next stage, does change, and waits until exactly those
    pods are Ready."""
    names = pod_names(replicas, start)
    guarantee = f"{GUARANTEE} ({what}: {', '.join(names)})"
    stages.begin(guarantee, lambda states, span: numbering_violations(states, span, names))
    change()
    require(guarantee, moved_to(kubia, start, replicas))


def moved_to(kubia, start, replicas):
    """Waits until exactly the pods numbered from start are Ready; returns how any of them is not its identity."""
    names = pod_names(replicas, start)
    pods = kubia.wait_names(names, f"exactly {', '.join(names)} Ready (start ordinal {start})")
    return [
        f"{name} has hostname {pod.spec.hostname} and mounts {', '.join(mounted_claims(pod)) or 'nothing'}, "
        f"expected {name} and {claim_name(name)}"
        for name, pod in sorted(pods.items())
        if (pod.spec.hostname, mounted_claims(pod)) != (name, (claim_name(name),))
    ]


def test_setting_then_raising_the_start_ordinal_moves_the_pods(kubia):
    """Span: each stage from its change until exactly its pods are Ready: kubia-0, kubia-1; then from 2 with 3
    replicas (kubia-2..4); then from 4 with 2 (kubia-4 kept, kubia-5)."""
    stages = Stages(kubia.timeline)
    stage(stages, kubia, 0, 2, lambda: kubia.deploy(2), "created")
    stage(stages, kubia, 2, 3, lambda: kubia.set_ordinals(2, 3), "set to 2")
    stage(stages, kubia, 4, 2, lambda: kubia.set_ordinals(4, 2), "raised to 4")


def test_lowering_then_removing_the_start_ordinal_moves_the_pods(kubia):
    """Span: each stage from its change until exactly its pods are Ready: from 3 (kubia-3, kubia-4); lowered to 1
    (kubia-1, kubia-2); removed (kubia-0, kubia-1 with kubia-1 kept)."""
    stages = Stages(kubia.timeline)
    stage(stages, kubia, 3, 2, lambda: kubia.deploy(2, ordinals_start=3), "created at 3")
    stage(stages, kubia, 1, 2, lambda: kubia.set_ordinals(1, 2), "lowered to 1")
    stage(stages, kubia, 0, 2, lambda: kubia.set_ordinals(None, 2), "removed")
