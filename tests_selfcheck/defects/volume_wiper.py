"""Defect: a volume wiper. When a StatefulSet's pod is gone, everything in its volume is deleted on the node: the
claim, the volume and the binding are unchanged, only the data is lost, as a node that recreates its local disks
would lose it. Only a check that writes data through the app and reads it back after recreation must catch it (real
containers and a local-path volume on a kind node: the node is a container, reached with docker exec)."""

import subprocess

from kubernetes import client

from _common import api_client, log, statefulset_pod_events
from kubia_conformance.cluster.objects import mounted_claims

WIPE_TIMEOUT = 30


def volume_path(core: client.CoreV1Api, namespace: str, claim: str) -> str | None:
    """The folder on the node that holds the claim's volume (a hostPath or local volume), if it has one."""
    volume = core.read_namespaced_persistent_volume_claim(claim, namespace).spec.volume_name
    if not volume:
        return None
    spec = core.read_persistent_volume(volume).spec
    source = spec.host_path or spec.local
    return source.path if source else None


def main() -> None:
    api = api_client()
    core = client.CoreV1Api(api)
    for kind, pod in statefulset_pod_events(core, deletions=True):
        if kind != "DELETED" or not pod.spec.node_name:
            continue
        namespace, node = pod.metadata.namespace, pod.spec.node_name
        for claim in mounted_claims(pod):
            try:
                path = volume_path(core, namespace, claim)
            except client.ApiException as error:
                log(f"could not find the volume of {namespace}/{claim}: {error.status}")
                continue
            if not path:
                log(f"{namespace}/{claim} has no volume on a node's disk: left alone")
                continue
            wiped = subprocess.run(
                ["docker", "exec", node, "find", path, "-mindepth", "1", "-delete"],
                capture_output=True,
                text=True,
                timeout=WIPE_TIMEOUT,
                check=False,
            )
            said = wiped.stderr.strip() or "done"
            log(f"{pod.metadata.name} gone: wiped {path} of {namespace}/{claim} on {node}: {said}")


if __name__ == "__main__":
    main()
