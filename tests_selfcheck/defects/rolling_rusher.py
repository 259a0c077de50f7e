"""Defect: a rolling rusher, an update that does not wait for readiness nor respect its bounds. As soon as the
controller creates an updated pod N, it deletes the next lower ordinal, before pod N is Ready.
- RollingUpdate: pods are still replaced from the highest ordinal down, so a check of the order alone passes; the
  check that the set stays available must not.
- A partition, or OnDelete: the pod below is replaced outside any quiet window (as the updated pod is created, or
  after the test's own delete); only a check over the whole test sees it."""

from kubernetes import client

from _common import api_client, log, statefulset_pod_events
from kubia_conformance.cluster.objects import is_terminating, pod_name, revision_of, split_ordinal


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    for kind, pod in statefulset_pod_events(core):
        namespace, name, parts = pod.metadata.namespace, pod.metadata.name, split_ordinal(pod.metadata.name)
        if kind != "ADDED" or is_terminating(pod) or parts is None or parts[1] == 0:
            continue
        try:
            status = apps.read_namespaced_stateful_set(parts[0], namespace).status
        except client.ApiException as error:
            log(f"no StatefulSet {namespace}/{parts[0]}: {error.status}")
            continue
        revision = revision_of(pod)
        if status is None or status.update_revision == status.current_revision or revision != status.update_revision:
            continue
        lower = pod_name(parts[0], parts[1] - 1)
        try:
            if revision_of(core.read_namespaced_pod(lower, namespace)) == revision:
                continue
            core.delete_namespaced_pod(lower, namespace)
            log(f"deleted {namespace}/{lower} as soon as the updated {name} was created")
        except client.ApiException as error:
            log(f"could not delete {namespace}/{lower}: {error.status}")


if __name__ == "__main__":
    main()
