"""Defect: a late partition overshoot. When a StatefulSet's partition is lowered to p, the pod at p - 1 is deleted
too (it comes back updated), but only once the pod at p is Ready at the update revision: the step looks done when
the overshoot happens. A check that reads each step only up to its pods being Ready counts the overshoot in the next
step, where the pod at p - 1 is the one expected to move, and passes; each step's own hold (pods below the partition
left alone until the next step) must not.

It acts on the set's events: the set's status changes (readyReplicas, updatedReplicas) when the pod at p is Ready."""

from kubernetes import client
from partition_overshoot import partition_of

from _common import api_client, log, suite_events
from kubia_conformance.cluster.objects import is_serving, pod_name, revision_of


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    lowered: dict[str, int] = {}
    """set uid -> the partition it was lowered to, until its overshoot is done."""
    last: dict[str, int] = {}
    for _, sts in suite_events(core, apps.list_stateful_set_for_all_namespaces):
        uid, namespace, name = sts.metadata.uid, sts.metadata.namespace, sts.metadata.name
        partition, before = partition_of(sts), last.get(uid)
        last[uid] = partition
        if before is not None and 0 < partition < before:
            lowered[uid] = partition
        step = lowered.get(uid)
        if step is None or sts.status is None:
            continue
        try:
            stepped = core.read_namespaced_pod(pod_name(name, step), namespace)
        except client.ApiException:
            continue
        if not is_serving(stepped) or revision_of(stepped) != sts.status.update_revision:
            continue
        del lowered[uid]
        victim = pod_name(name, step - 1)
        try:
            core.delete_namespaced_pod(victim, namespace)
            log(f"{namespace}/{pod_name(name, step)} Ready at the update revision: deleted {victim} too")
        except client.ApiException as error:
            log(f"could not delete {namespace}/{victim}: {error.status}")


if __name__ == "__main__":
    main()
