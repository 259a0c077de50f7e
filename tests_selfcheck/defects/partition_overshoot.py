"""Defect: a partition overshoot, an off-by-one. When a StatefulSet's partition is lowered to p, the pod at p - 1 is
deleted too, so that it comes back updated: one ordinal more than the partition allows. Canary and phased updates
must catch it."""

from kubernetes import client

from _common import api_client, log, suite_events
from kubia_conformance.cluster.objects import pod_name


def partition_of(sts: client.V1StatefulSet) -> int:
    strategy = sts.spec.update_strategy
    rolling = strategy.rolling_update if strategy else None
    return (rolling.partition if rolling else None) or 0


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    last: dict[str, int] = {}
    for _, sts in suite_events(core, apps.list_stateful_set_for_all_namespaces):
        partition, before = partition_of(sts), last.get(sts.metadata.uid)
        last[sts.metadata.uid] = partition
        if before is None or partition >= before or partition == 0:
            continue
        victim = pod_name(sts.metadata.name, partition - 1)
        try:
            core.delete_namespaced_pod(victim, sts.metadata.namespace)
            log(f"partition of {sts.metadata.namespace}/{sts.metadata.name} lowered to {partition}: deleted {victim}")
        except client.ApiException as error:
            log(f"could not delete {sts.metadata.namespace}/{victim}: {error.status}")


if __name__ == "__main__":
    main()
