"""Defect: a claim reaper, a broken retention policy Retain. When a StatefulSet is deleted, whatever the cascade,
it deletes every claim in its namespace. The checks that claims outlive a deletion must catch it."""

from kubernetes import client

from _common import api_client, log, suite_events
from kubia_conformance.cluster.objects import is_terminating


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    for kind, sts in suite_events(core, apps.list_stateful_set_for_all_namespaces, deletions=True):
        if kind != "DELETED" and not is_terminating(sts):
            continue
        namespace = sts.metadata.namespace
        for claim in core.list_namespaced_persistent_volume_claim(namespace).items:
            if not is_terminating(claim):
                core.delete_namespaced_persistent_volume_claim(claim.metadata.name, namespace)
                log(f"deleted claim {namespace}/{claim.metadata.name} with StatefulSet {sts.metadata.name}")


if __name__ == "__main__":
    main()
