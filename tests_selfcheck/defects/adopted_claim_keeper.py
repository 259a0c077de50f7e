"""Defect: an adopted claim keeper. The claims of a kubia pod that was once orphaned lose their owner references
whenever they get one, as a controller that does not update the claims of a pod it adopted would leave them: a
Delete retention policy then never removes them. The claims of an adopted pod must follow the policy.

The StatefulSet controller gives a condemned pod's claim the pod as owner just before it deletes the pod, and the
garbage collector deletes the claim once the pod is gone: a program that only watched the claims would race the
collector and sometimes lose (it did, under a loaded CI run). So the defect holds each once-orphaned pod with a
finalizer of its own and lets it go only after it has taken the owner references off the pod's claims."""

import contextlib
import threading

from kubernetes import client

from _common import api_client, log, suite_events
from kubia_conformance.cluster.objects import controller_uid, mounted_claims

HOLD = "kubia-conformance.test/adopted-claim-keeper"


def main() -> None:
    api = api_client()
    core = client.CoreV1Api(api)
    kept: set[tuple[str, str]] = set()
    """(namespace, claim) of pods that were once orphaned."""
    held: set[tuple[str, str]] = set()
    """(namespace, pod) that carry the defect's finalizer."""

    def keep(namespace: str, claim: str) -> None:
        try:
            current = core.read_namespaced_persistent_volume_claim(claim, namespace)
            if current.metadata.owner_references:
                core.patch_namespaced_persistent_volume_claim(claim, namespace, {"metadata": {"ownerReferences": None}})
                log(f"removed the owner references of {namespace}/{claim}")
        except client.ApiException as error:
            log(f"could not keep {namespace}/{claim}: {error.status}")

    def set_hold(pod: client.V1Pod, on: bool) -> None:
        key = (pod.metadata.namespace, pod.metadata.name)
        others = [f for f in pod.metadata.finalizers or [] if f != HOLD]
        try:
            core.patch_namespaced_pod(
                key[1], key[0], {"metadata": {"finalizers": [*others, HOLD] if on else others or None}}
            )
            (held.add if on else held.discard)(key)
        except client.ApiException as error:
            log(f"could not {'hold' if on else 'let go of'} {key[0]}/{key[1]}: {error.status}")

    def follow_pods() -> None:
        for _, pod in suite_events(core, core.list_pod_for_all_namespaces, label_selector="app=kubia"):
            namespace = pod.metadata.namespace
            holding = HOLD in (pod.metadata.finalizers or [])
            if not controller_uid(pod) and not pod.metadata.deletion_timestamp:
                kept.update((namespace, claim) for claim in mounted_claims(pod))
                if not holding:
                    set_hold(pod, True)
            if pod.metadata.deletion_timestamp and holding:
                for claim in mounted_claims(pod):
                    keep(namespace, claim)
                set_hold(pod, False)

    threading.Thread(target=follow_pods, daemon=True).start()
    try:
        for _, claim in suite_events(core, core.list_persistent_volume_claim_for_all_namespaces):
            key = (claim.metadata.namespace, claim.metadata.name)
            if key in kept and claim.metadata.owner_references:
                keep(*key)
    finally:
        # Stopped: a pod left holding the finalizer would keep its namespace from ever going.
        for namespace, name in list(held):
            with contextlib.suppress(client.ApiException):
                set_hold(core.read_namespaced_pod(name, namespace), False)


if __name__ == "__main__":
    main()
