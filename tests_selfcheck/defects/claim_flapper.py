"""Defect: a claim flapper. When a kubia pod is deleted, its claim is reported Lost for a moment and then Bound
again, as when a volume's backend drops it briefly. Reads of the claims before and after see it Bound; the claim
watch, which sees every state, must not."""

import time

from kubernetes import client

from _common import api_client, log, statefulset_pod_events
from kubia_conformance.cluster.objects import is_terminating, mounted_claims

LOST_FOR_SECONDS = 0.5


def set_phase(core: client.CoreV1Api, namespace: str, claim: str, phase: str) -> None:
    core.patch_namespaced_persistent_volume_claim_status(claim, namespace, {"status": {"phase": phase}})


def main() -> None:
    api = api_client()
    core = client.CoreV1Api(api)
    flapped: set[str] = set()
    for _, pod in statefulset_pod_events(core):
        if not is_terminating(pod) or pod.metadata.uid in flapped:
            continue
        flapped.add(pod.metadata.uid)
        for claim in mounted_claims(pod):
            try:
                set_phase(core, pod.metadata.namespace, claim, "Lost")
                time.sleep(LOST_FOR_SECONDS)
                set_phase(core, pod.metadata.namespace, claim, "Bound")
                log(f"{pod.metadata.namespace}/{claim} was Lost for {LOST_FOR_SECONDS} s as {pod.metadata.name} went")
            except client.ApiException as error:
                log(f"could not flap {pod.metadata.namespace}/{claim}: {error.status}")


if __name__ == "__main__":
    main()
