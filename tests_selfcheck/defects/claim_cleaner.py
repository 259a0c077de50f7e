"""Defect: a rogue claim cleaner. Whenever a StatefulSet's replicas drop, it deletes the claims of the removed
ordinals. Claim retention must catch it."""

from kubernetes import client

from _common import api_client, events, log, suite_namespace


def main() -> None:
    api = api_client()
    apps, core, known = client.AppsV1Api(api), client.CoreV1Api(api), {}
    for kind, sts in events(apps.list_stateful_set_for_all_namespaces):
        namespace = sts.metadata.namespace
        if kind == "DELETED" or not suite_namespace(core, namespace, known):
            continue
        for claim in core.list_namespaced_persistent_volume_claim(namespace).items:
            ordinal = claim.metadata.name.rsplit("-", 1)[-1]
            if ordinal.isdigit() and int(ordinal) >= sts.spec.replicas and not claim.metadata.deletion_timestamp:
                core.delete_namespaced_persistent_volume_claim(claim.metadata.name, namespace)
                log(f"deleted claim {namespace}/{claim.metadata.name}")


if __name__ == "__main__":
    main()
