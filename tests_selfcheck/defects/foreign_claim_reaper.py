"""Defect: a foreign claim reaper. When a StatefulSet whose policy is whenDeleted=Delete is deleted, it deletes every
claim of the set's claim templates, whoever owns them, as a controller that takes the policy as an order for every
claim of the set's names, not only those it owns, would. Claim retention must catch it: a claim another controller
owns is never deleted by a delete policy. (Upstream: "should not delete PVCs when there is another controller".)"""

from kubernetes import client

from _common import api_client, log, suite_events
from kubia_conformance.cluster.objects import is_terminating, split_ordinal


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    for kind, sts in suite_events(core, apps.list_stateful_set_for_all_namespaces, deletions=True):
        policy = sts.spec.persistent_volume_claim_retention_policy
        if (kind != "DELETED" and not is_terminating(sts)) or policy is None or policy.when_deleted != "Delete":
            continue
        namespace = sts.metadata.namespace
        for claim in core.list_namespaced_persistent_volume_claim(namespace).items:
            parts = split_ordinal(claim.metadata.name)  # ("data-kubia", 1): the claim template, the set, the ordinal
            if parts is None or not parts[0].endswith(f"-{sts.metadata.name}") or is_terminating(claim):
                continue
            try:
                core.delete_namespaced_persistent_volume_claim(claim.metadata.name, namespace)
                log(f"deleted claim {namespace}/{claim.metadata.name} with StatefulSet {sts.metadata.name}")
            except client.ApiException as error:
                log(f"could not delete {namespace}/{claim.metadata.name}: {error.status}")


if __name__ == "__main__":
    main()
