"""Defect: a release referrer. A StatefulSet's pod whose labels stop matching the set's selector is released (its
controller reference removed), but keeps an ownerReference to the set that is not its controller, as a controller
that only clears the controller flag would leave it: the garbage collector would still delete the released pod with
the set. Release must catch it: a released pod refers to the set no more. A check that reads only the controller
reference passes with it."""

from kubernetes import client

from _common import POD_NAME_LABEL, api_client, log, suite_events
from kubia_conformance.cluster.objects import controller_uid, is_terminating, labels_of, owner_uids, split_ordinal


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    made: dict[str, str] = {}  # uid -> the name of the set that made the pod
    for _, pod in suite_events(core, core.list_pod_for_all_namespaces):
        namespace, name, uid = pod.metadata.namespace, pod.metadata.name, pod.metadata.uid
        parts = split_ordinal(name)
        if POD_NAME_LABEL in labels_of(pod) and parts is not None:
            made.setdefault(uid, parts[0])
        if uid not in made or is_terminating(pod) or controller_uid(pod):
            continue
        try:
            sts = apps.read_namespaced_stateful_set(made[uid], namespace)
        except client.ApiException:
            continue
        labels = labels_of(pod)
        if all(labels.get(key) == value for key, value in (sts.spec.selector.match_labels or {}).items()):
            continue  # orphaned, not released: the set adopts it
        if sts.metadata.uid in owner_uids(pod):
            continue
        reference = {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "name": sts.metadata.name,
            "uid": sts.metadata.uid,
            "controller": False,
        }
        try:
            core.patch_namespaced_pod(name, namespace, {"metadata": {"ownerReferences": [reference]}})
            log(f"released {namespace}/{name} keeps a reference to its set")
        except client.ApiException as error:
            log(f"could not refer {namespace}/{name} to its set: {error.status}")


if __name__ == "__main__":
    main()
