"""Defect: a release deleter. A StatefulSet's pod whose labels stop matching the set's selector is deleted instead
of released, as a controller that cleans up what it no longer selects would. Release must catch it: a released pod
is left alone.

It remembers each pod the StatefulSet controller made (the pod-name label) by uid, so a release that removes every
label, that one too (as the upstream adoption-and-release spec does), is seen as well as one that changes a single
label."""

from kubernetes import client

from _common import POD_NAME_LABEL, api_client, log, suite_events
from kubia_conformance.cluster.objects import is_terminating, labels_of, split_ordinal


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    made: dict[str, str] = {}  # uid -> the name of the set that made the pod
    for _, pod in suite_events(core, core.list_pod_for_all_namespaces):
        namespace, name, uid = pod.metadata.namespace, pod.metadata.name, pod.metadata.uid
        parts = split_ordinal(name)
        if POD_NAME_LABEL in labels_of(pod) and parts is not None:
            made.setdefault(uid, parts[0])
        if uid not in made or is_terminating(pod):
            continue
        try:
            selector = apps.read_namespaced_stateful_set(made[uid], namespace).spec.selector
        except client.ApiException:
            continue  # no set of that name: nothing released it
        labels = labels_of(pod)
        if all(labels.get(key) == value for key, value in (selector.match_labels or {}).items()):
            continue
        try:
            core.delete_namespaced_pod(name, namespace)
            log(f"deleted {namespace}/{name}, which its set no longer selects")
        except client.ApiException as error:
            log(f"could not delete {namespace}/{name}: {error.status}")


if __name__ == "__main__":
    main()
