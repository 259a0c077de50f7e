"""Defect: an adopted claim keeper. The claims of a kubia pod that was once orphaned lose their owner references
whenever they get one, as a controller that does not update the claims of a pod it adopted would leave them: a
Delete retention policy then never removes them. The claims of an adopted pod must follow the policy."""

import threading

from kubernetes import client

from _common import api_client, log, suite_events
from kubia_conformance.cluster.objects import controller_uid, mounted_claims


def main() -> None:
    api = api_client()
    core = client.CoreV1Api(api)
    kept: set[tuple[str, str]] = set()
    """(namespace, claim) of pods that were once orphaned."""

    def follow_pods() -> None:
        for _, pod in suite_events(core, core.list_pod_for_all_namespaces, label_selector="app=kubia"):
            if not controller_uid(pod):
                kept.update((pod.metadata.namespace, claim) for claim in mounted_claims(pod))

    threading.Thread(target=follow_pods, daemon=True).start()
    for _, claim in suite_events(core, core.list_persistent_volume_claim_for_all_namespaces):
        key = (claim.metadata.namespace, claim.metadata.name)
        if key in kept and claim.metadata.owner_references:
            try:
                core.patch_namespaced_persistent_volume_claim(key[1], key[0], {"metadata": {"ownerReferences": None}})
                log(f"removed the owner references of {key[0]}/{key[1]}")
            except client.ApiException as error:
                log(f"could not keep {key[0]}/{key[1]}: {error.status}")


if __name__ == "__main__":
    main()
