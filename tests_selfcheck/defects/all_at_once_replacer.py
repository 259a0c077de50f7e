"""Defect: an all-at-once replacer. As soon as a StatefulSet's rolling update begins, every pod not yet at the update
revision is deleted at once, as a controller that treats an update like a recreate would. Availability must catch it:
with minReadySeconds, each pod waits until the one replaced before it has been made again and has been Ready for
minReadySeconds. The earlier rule judged a replacement only once it was Ready, and passed this."""

from kubernetes import client

from _common import api_client, log, suite_events
from kubia_conformance.cluster.objects import is_terminating, revision_of


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    for _, sts in suite_events(core, apps.list_stateful_set_for_all_namespaces):
        status, namespace = sts.status, sts.metadata.namespace
        if status is None or not status.update_revision or status.update_revision == status.current_revision:
            continue
        selector = ",".join(f"{key}={value}" for key, value in (sts.spec.selector.match_labels or {}).items())
        old = [
            pod
            for pod in core.list_namespaced_pod(namespace, label_selector=selector).items
            if revision_of(pod) != status.update_revision and not is_terminating(pod)
        ]
        for pod in old:
            try:
                core.delete_namespaced_pod(pod.metadata.name, namespace)
            except client.ApiException as error:
                log(f"could not delete {namespace}/{pod.metadata.name}: {error.status}")
        if old:
            log(f"deleted {', '.join(p.metadata.name for p in old)} of {namespace} at once, for the update")


if __name__ == "__main__":
    main()
