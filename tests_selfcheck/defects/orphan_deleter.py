"""Defect: an orphan deleter. A StatefulSet's pod that lost its controller reference (orphaned) while its labels still
match is deleted, and the set makes a new pod of the same name, instead of adopting the one that runs, as a
controller that cleans up what it does not own would. Adoption must catch it: the orphan is adopted, the same pod
(uid), never deleted. A check that waits for "a kubia-1 controlled by the set" by name passes with it."""

from kubernetes import client

from _common import api_client, log, statefulset_pod_events
from kubia_conformance.cluster.objects import controller_uid, is_terminating


def main() -> None:
    core = client.CoreV1Api(api_client())
    for _, pod in statefulset_pod_events(core):
        if controller_uid(pod) or is_terminating(pod):
            continue
        namespace, name = pod.metadata.namespace, pod.metadata.name
        try:
            core.delete_namespaced_pod(name, namespace)
            log(f"deleted {namespace}/{name} (uid {pod.metadata.uid}), orphaned: the set makes it anew")
        except client.ApiException as error:
            log(f"could not delete {namespace}/{name}: {error.status}")


if __name__ == "__main__":
    main()
