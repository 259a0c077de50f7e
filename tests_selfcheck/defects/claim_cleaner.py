"""Defect: a rogue claim cleaner. Whenever a StatefulSet's replicas drop, it deletes the claims of the removed
ordinals. Claim retention must catch it."""

from kubernetes import client

from _common import api_client, log, suite_events
from kubia_conformance.cluster.objects import is_terminating, split_ordinal


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    for _, sts in suite_events(core, apps.list_stateful_set_for_all_namespaces):
        namespace = sts.metadata.namespace
        for claim in core.list_namespaced_persistent_volume_claim(namespace).items:
            parts = split_ordinal(claim.metadata.name)  # ("data-kubia", 2): the claim template, the set, the ordinal
            if parts is None or not parts[0].endswith(f"-{sts.metadata.name}") or is_terminating(claim):
                continue
            if parts[1] >= sts.spec.replicas:
                try:
                    core.delete_namespaced_persistent_volume_claim(claim.metadata.name, namespace)
                    log(f"deleted claim {namespace}/{claim.metadata.name}")
                except client.ApiException as error:
                    log(f"could not delete {namespace}/{claim.metadata.name}: {error.status}")


if __name__ == "__main__":
    main()
