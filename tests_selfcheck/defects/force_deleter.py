"""Defect: a rogue force-deleter. Any pod on a node that is not Ready is force-deleted at once (grace period 0),
so its replacement may start while the old one still runs. The at-most-one check must catch it."""

from kubernetes import client

from _common import api_client, log, suite_events
from kubia_conformance.cluster.objects import is_node_ready


def main() -> None:
    api = api_client()
    core = client.CoreV1Api(api)
    for _, pod in suite_events(core, core.list_pod_for_all_namespaces):
        namespace = pod.metadata.namespace
        if pod.spec.node_name and not is_node_ready(core.read_node(pod.spec.node_name)):
            core.delete_namespaced_pod(pod.metadata.name, namespace, grace_period_seconds=0)
            log(f"force-deleted {namespace}/{pod.metadata.name} on {pod.spec.node_name}")


if __name__ == "__main__":
    main()
