"""Defect: a minReadySeconds rusher. During a rolling update, as soon as an updated kubia pod is Ready, the next lower
pod not yet updated is deleted, without waiting minReadySeconds, as a controller that ignores it would. Availability
must catch it: a rolling update waits minReadySeconds between pods."""

from kubernetes import client

from _common import api_client, log, statefulset_pod_events
from kubia_conformance.cluster.objects import is_serving, pod_name, revision_of, split_ordinal


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    rushed: set[str] = set()
    for _, pod in statefulset_pod_events(core):
        parts = split_ordinal(pod.metadata.name)
        if parts is None or parts[1] == 0 or not is_serving(pod) or pod.metadata.uid in rushed:
            continue
        namespace = pod.metadata.namespace
        try:
            status = apps.read_namespaced_stateful_set(parts[0], namespace).status
            if status is None or status.update_revision == status.current_revision:
                continue
            if revision_of(pod) != status.update_revision:
                continue
            rushed.add(pod.metadata.uid)
            lower = pod_name(parts[0], parts[1] - 1)
            if revision_of(core.read_namespaced_pod(lower, namespace)) != status.update_revision:
                core.delete_namespaced_pod(lower, namespace)
                log(f"deleted {namespace}/{lower} as soon as the updated {pod.metadata.name} was Ready")
        except client.ApiException as error:
            log(f"could not rush past {namespace}/{pod.metadata.name}: {error.status}")


if __name__ == "__main__":
    main()
