"""Defect: an eviction claim reaper. When a kubia pod is evicted (the Eviction API marks it with the DisruptionTarget
condition), its claims are deleted with it, as a drain tool that cleans up too much would. The pod comes back
under its name with a new, empty claim; stable identity after an eviction must catch it."""

from kubernetes import client

from _common import api_client, log, statefulset_pod_events
from kubia_conformance.cluster.objects import condition, mounted_claims

EVICTED = "EvictionByEvictionAPI"


def main() -> None:
    api = api_client()
    core = client.CoreV1Api(api)
    reaped: set[str] = set()
    for _, pod in statefulset_pod_events(core):
        target = condition(pod, "DisruptionTarget")
        if target is None or target.reason != EVICTED or pod.metadata.uid in reaped:
            continue
        reaped.add(pod.metadata.uid)
        for claim in mounted_claims(pod):
            try:
                core.delete_namespaced_persistent_volume_claim(claim, pod.metadata.namespace)
                log(f"deleted {pod.metadata.namespace}/{claim} of the evicted {pod.metadata.name}")
            except client.ApiException as error:
                log(f"could not delete {pod.metadata.namespace}/{claim}: {error.status}")


if __name__ == "__main__":
    main()
