"""Defect: a rolling rusher, an update that does not wait for readiness nor respect its bounds. As soon as the
controller creates an updated kubia-N, it deletes the next lower ordinal, before kubia-N is Ready.
- RollingUpdate: pods are still replaced from the highest ordinal down, so a check of the order alone passes; the
  check that the set stays available must not.
- A partition, or OnDelete: the pod below is replaced outside any quiet window (as the updated pod is created, or
  after the test's own delete); only a check over the whole test sees it."""

from kubernetes import client

from _common import api_client, log, suite_events
from kubia_conformance.cluster.objects import is_terminating, ordinal, pod_name, revision_of


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    for kind, pod in suite_events(core, core.list_pod_for_all_namespaces, label_selector="app=kubia"):
        namespace, name = pod.metadata.namespace, pod.metadata.name
        if kind != "ADDED" or is_terminating(pod) or ordinal(name) == 0:
            continue
        status = apps.read_namespaced_stateful_set("kubia", namespace).status
        revision = revision_of(pod)
        if status is None or status.update_revision == status.current_revision or revision != status.update_revision:
            continue
        lower = pod_name("kubia", ordinal(name) - 1)
        try:
            if revision_of(core.read_namespaced_pod(lower, namespace)) == revision:
                continue
            core.delete_namespaced_pod(lower, namespace)
            log(f"deleted {namespace}/{lower} as soon as the updated {name} was created")
        except client.ApiException as error:
            log(f"could not delete {namespace}/{lower}: {error.status}")


if __name__ == "__main__":
    main()
