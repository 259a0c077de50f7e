"""Defect: a hostname stripper. Each new kubia pod is replaced, under the same name and owner, by a copy without
spec.hostname and spec.subdomain. Stable identity and per-pod DNS must catch it."""

from kubernetes import client

from _common import api_client, log, statefulset_pod_events
from kubia_conformance.cluster.objects import is_terminating


def main() -> None:
    api = api_client()
    core = client.CoreV1Api(api)
    for kind, pod in statefulset_pod_events(core):
        namespace = pod.metadata.namespace
        if kind != "ADDED" or not pod.spec.hostname or is_terminating(pod):
            continue
        copy = client.V1Pod(
            metadata=client.V1ObjectMeta(
                name=pod.metadata.name,
                labels=pod.metadata.labels,
                annotations=pod.metadata.annotations,
                owner_references=pod.metadata.owner_references,
            ),
            spec=pod.spec,
        )
        copy.spec.hostname = copy.spec.subdomain = copy.spec.node_name = None
        core.delete_namespaced_pod(pod.metadata.name, namespace, grace_period_seconds=0)
        try:
            core.create_namespaced_pod(namespace, copy)
            log(f"stripped {namespace}/{pod.metadata.name}")
        except client.ApiException as error:  # the controller recreated it first: its copy is ADDED next
            log(f"lost the race for {namespace}/{pod.metadata.name}: {error.status}")


if __name__ == "__main__":
    main()
