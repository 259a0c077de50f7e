"""Defect: a DNS squatter. Once a StatefulSet's pod is Ready, a second pod of another name starts beside it with the
same hostname and subdomain and the set's labels (its headless Service selects it too), but no claim: two pods answer
to one DNS name. A rule that counts pods by name and claim passes it; at most one pod per identity, which counts
every pod carrying the identity's DNS name, must not."""

from kubernetes import client

from _common import POD_NAME_LABEL, api_client, log, statefulset_pod_events
from kubia_conformance.cluster.objects import is_ready, is_terminating, labels_of


def main() -> None:
    core = client.CoreV1Api(api_client())
    squatted: set[tuple[str, str]] = set()
    for _, pod in statefulset_pod_events(core):
        namespace, name, spec = pod.metadata.namespace, pod.metadata.name, pod.spec
        if not (spec.hostname and spec.subdomain) or not is_ready(pod) or is_terminating(pod):
            continue
        if (namespace, name) in squatted or name.endswith("-shadow"):
            continue
        squatted.add((namespace, name))
        labels = {key: value for key, value in labels_of(pod).items() if key != POD_NAME_LABEL}
        shadow = client.V1Pod(
            metadata=client.V1ObjectMeta(name=f"{name}-shadow", labels=labels),
            spec=client.V1PodSpec(
                hostname=spec.hostname,
                subdomain=spec.subdomain,
                node_name=spec.node_name,
                tolerations=spec.tolerations,
                containers=[client.V1Container(name="shadow", image=spec.containers[0].image)],
            ),
        )
        try:
            core.create_namespaced_pod(namespace, shadow)
            log(f"{namespace}/{name}-shadow answers to {spec.hostname}.{spec.subdomain} beside {name}")
        except client.ApiException as error:
            log(f"could not shadow {namespace}/{name}: {error.status}")


if __name__ == "__main__":
    main()
