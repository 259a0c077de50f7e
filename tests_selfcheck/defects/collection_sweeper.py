"""Defect: a collection sweeper. When a StatefulSet of a namespace is deleted, every other StatefulSet of that
namespace is deleted too, as a deletion of a collection that ignores its label selector would. The collection check
must catch it: the sets the label does not select are left alone."""

from kubernetes import client

from _common import api_client, log, suite_events


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    for kind, sts in suite_events(core, apps.list_stateful_set_for_all_namespaces, deletions=True):
        if kind != "DELETED" and sts.metadata.deletion_timestamp is None:
            continue
        namespace = sts.metadata.namespace
        for other in apps.list_namespaced_stateful_set(namespace).items:
            if other.metadata.deletion_timestamp is None:
                try:
                    apps.delete_namespaced_stateful_set(other.metadata.name, namespace)
                    log(f"{namespace}/{sts.metadata.name} deleted: deleted {other.metadata.name} too")
                except client.ApiException as error:
                    log(f"could not delete {namespace}/{other.metadata.name}: {error.status}")


if __name__ == "__main__":
    main()
