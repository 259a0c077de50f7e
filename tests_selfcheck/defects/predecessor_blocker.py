"""Defect: a predecessor blocker. A new kubia-0 is deleted as soon as it is created while kubia-1 is unready, as a
controller that waits for every pod of the set to be healthy before it replaces any would leave it missing: the
deadlock upstream's "should not deadlock when a pod's predecessor fails" is about. Ordered creation must catch it."""

from kubernetes import client

from _common import api_client, log, statefulset_pod_events
from kubia_conformance.cluster.objects import is_ready, ordinal, pod_name, split_ordinal


def main() -> None:
    api = api_client()
    core = client.CoreV1Api(api)
    for kind, pod in statefulset_pod_events(core):
        parts = split_ordinal(pod.metadata.name)
        if kind != "ADDED" or parts is None or ordinal(pod.metadata.name) != 0:
            continue
        namespace, successor = pod.metadata.namespace, pod_name(parts[0], 1)
        try:
            if is_ready(core.read_namespaced_pod(successor, namespace)):
                continue
            core.delete_namespaced_pod(pod.metadata.name, namespace)
            log(f"deleted the new {namespace}/{pod.metadata.name}: {successor} is unready")
        except client.ApiException as error:
            log(f"left {namespace}/{pod.metadata.name}: {error.status}")


if __name__ == "__main__":
    main()
