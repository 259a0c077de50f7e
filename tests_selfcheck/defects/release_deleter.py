"""Defect: a release deleter. A StatefulSet's pod whose labels stop matching the set's selector is deleted instead
of released, as a controller that cleans up what it no longer selects would. Release must catch it: a released pod
is left alone."""

from kubernetes import client

from _common import api_client, log, statefulset_pod_events
from kubia_conformance.cluster.objects import is_terminating, labels_of, split_ordinal


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    for _, pod in statefulset_pod_events(core):
        namespace, name, parts = pod.metadata.namespace, pod.metadata.name, split_ordinal(pod.metadata.name)
        if parts is None or is_terminating(pod):
            continue
        try:
            selector = apps.read_namespaced_stateful_set(parts[0], namespace).spec.selector
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
