"""Defect: a claim squatter. Once a kubia pod is Ready, a second pod without the StatefulSet's labels starts on
the same node mounting the same claim: two writers on one volume. A check that watches only the labelled pods
cannot see it; the at-most-one rule, which counts every pod mounting the claim, must."""

from kubernetes import client

from _common import api_client, log, statefulset_pod_events
from kubia_conformance.cluster.objects import is_ready, is_terminating, mounted_claims


def main() -> None:
    api = api_client()
    core = client.CoreV1Api(api)
    squatted: set[tuple[str, str]] = set()
    for _, pod in statefulset_pod_events(core):
        namespace, name = pod.metadata.namespace, pod.metadata.name
        claims = mounted_claims(pod)
        if not claims or not is_ready(pod) or is_terminating(pod) or (namespace, claims[0]) in squatted:
            continue
        squatted.add((namespace, claims[0]))
        squatter = client.V1Pod(
            metadata=client.V1ObjectMeta(name=f"{name}-squatter"),
            spec=client.V1PodSpec(
                node_name=pod.spec.node_name,
                tolerations=pod.spec.tolerations,
                containers=[client.V1Container(name="squatter", image=pod.spec.containers[0].image)],
                volumes=[
                    client.V1Volume(
                        name="data",
                        persistent_volume_claim=client.V1PersistentVolumeClaimVolumeSource(claim_name=claims[0]),
                    )
                ],
            ),
        )
        try:
            core.create_namespaced_pod(namespace, squatter)
            log(f"{namespace}/{name}-squatter mounts {claims[0]} beside {name}")
        except client.ApiException as error:
            log(f"could not squat {namespace}/{claims[0]}: {error.status}")


if __name__ == "__main__":
    main()
