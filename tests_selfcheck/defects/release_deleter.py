"""Defect: a release deleter. A StatefulSet's pod whose app label is removed is deleted instead of released, as a
controller that cleans up what it no longer selects would. Release must catch it: a released pod is left alone."""

from kubernetes import client

from _common import api_client, log, suite_events
from kubia_conformance.cluster.objects import is_statefulset_pod, is_terminating, labels_of

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"


def main() -> None:
    api = api_client()
    core = client.CoreV1Api(api)
    for _, pod in suite_events(core, core.list_pod_for_all_namespaces, label_selector=POD_NAME_LABEL):
        labels = labels_of(pod)
        if "app" in labels or not is_statefulset_pod(pod.metadata.name) or is_terminating(pod):
            continue
        try:
            core.delete_namespaced_pod(pod.metadata.name, pod.metadata.namespace)
            log(f"deleted {pod.metadata.namespace}/{pod.metadata.name}, which its set no longer selects")
        except client.ApiException as error:
            log(f"could not delete {pod.metadata.namespace}/{pod.metadata.name}: {error.status}")


if __name__ == "__main__":
    main()
