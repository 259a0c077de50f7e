"""Defect: an adoption blocker. A kubia pod that lost its controller (orphaned) and gets one again has it removed at
once, as if the StatefulSet could not adopt it. Adoption, and the claims of an adopted pod, must catch it."""

from kubernetes import client

from _common import api_client, log, statefulset_pod_events
from kubia_conformance.cluster.objects import controller_uid, is_terminating


def main() -> None:
    api = api_client()
    core = client.CoreV1Api(api)
    orphaned: set[str] = set()
    for _, pod in statefulset_pod_events(core):
        if not controller_uid(pod):
            orphaned.add(pod.metadata.uid)
        elif pod.metadata.uid in orphaned and not is_terminating(pod):
            patch = {"metadata": {"ownerReferences": None}}
            try:
                core.patch_namespaced_pod(pod.metadata.name, pod.metadata.namespace, patch)
                log(f"undid the adoption of {pod.metadata.namespace}/{pod.metadata.name}")
            except client.ApiException as error:
                log(f"could not undo the adoption of {pod.metadata.namespace}/{pod.metadata.name}: {error.status}")


if __name__ == "__main__":
    main()
