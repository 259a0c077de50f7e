"""Defect: an available rusher. A StatefulSet's status.availableReplicas counts a pod as soon as it is Ready, not
once it has been Ready for minReadySeconds, as a controller that ignores minReadySeconds in its status would: the
program writes availableReplicas = readyReplicas into the status subresource whenever it sees fewer available than
Ready under a minReadySeconds. The availability check must see the count come too soon."""

from kubernetes import client

from _common import api_client, log, suite_events


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    for _, sts in suite_events(core, apps.list_stateful_set_for_all_namespaces):
        status = sts.status
        ready, available = (status.ready_replicas or 0, status.available_replicas or 0) if status else (0, 0)
        if not sts.spec.min_ready_seconds or ready <= available:
            continue
        name, namespace = sts.metadata.name, sts.metadata.namespace
        try:
            apps.patch_namespaced_stateful_set_status(name, namespace, {"status": {"availableReplicas": ready}})
            log(f"{namespace}/{name}: availableReplicas {available} -> {ready}, minReadySeconds ignored")
        except client.ApiException as error:
            log(f"could not rush {namespace}/{name}: {error.status}")


if __name__ == "__main__":
    main()
