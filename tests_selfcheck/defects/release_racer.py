"""Defect: a release racer. It takes the test's release of an unready pod for the pod being Ready: as soon as the
readiness label of an unready kubia pod is removed, before the node reports the pod Ready, it takes the StatefulSet's
next step itself: it creates the next pod when the set is short of replicas, or deletes the highest one when it has
too many. Every OrderedReady check that holds a pod unready must catch it, judging by the Ready state the cluster
shows rather than by the test's action (upstream's specs, and this suite's quiet windows, stop at the action)."""

from kubernetes import client
from naive_statefulset_controller import claim_for, create, pod_for

from _common import api_client, log, statefulset_pod_events
from kubia_conformance.backends.readiness import READINESS_LABEL, UNREADY
from kubia_conformance.cluster.objects import is_ready, is_terminating, labels_of, split_ordinal


def step(apps: client.AppsV1Api, core: client.CoreV1Api, namespace: str, name: str) -> str:
    """The set's next step, taken now: what was done, in words."""
    sts = apps.read_namespaced_stateful_set(name, namespace)
    selector = ",".join(f"{k}={v}" for k, v in sts.spec.selector.match_labels.items())
    ordinals = sorted(
        parts[1]
        for pod in core.list_namespaced_pod(namespace, label_selector=selector).items
        if not is_terminating(pod) and (parts := split_ordinal(pod.metadata.name)) and parts[0] == name
    )
    if sts.spec.replicas > len(ordinals):
        ordinal = (ordinals[-1] + 1) if ordinals else 0
        for template in sts.spec.volume_claim_templates or []:
            create(core.create_namespaced_persistent_volume_claim, namespace, claim_for(sts, template, ordinal))
        create(core.create_namespaced_pod, namespace, pod_for(sts, ordinal))
        return f"created {name}-{ordinal}"
    if sts.spec.replicas < len(ordinals):
        core.delete_namespaced_pod(f"{name}-{ordinals[-1]}", namespace)
        return f"deleted {name}-{ordinals[-1]}"
    return "nothing to do"


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    held: set[str] = set()
    for _, pod in statefulset_pod_events(core):
        uid, parts = pod.metadata.uid, split_ordinal(pod.metadata.name)
        if labels_of(pod).get(READINESS_LABEL) == UNREADY:
            held.add(uid)
            continue
        if uid not in held or is_ready(pod) or parts is None:
            continue
        held.discard(uid)
        try:
            done = step(apps, core, pod.metadata.namespace, parts[0])
            log(f"{pod.metadata.namespace}/{pod.metadata.name} released, not Ready yet: {done}")
        except client.ApiException as error:
            log(f"could not race {pod.metadata.namespace}/{pod.metadata.name}: {error.status}")


if __name__ == "__main__":
    main()
