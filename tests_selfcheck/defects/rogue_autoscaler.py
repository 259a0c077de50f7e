"""Defect: a rogue autoscaler. It owns each StatefulSet's replicas from the moment it first sees the set, and puts
them back a second after anyone else changes them, as an autoscaler fighting a user would. The scale subresource
check must catch it: the set keeps the replicas it was given."""

import threading

from kubernetes import client

from _common import api_client, log, suite_events

DELAY_SECONDS = 1.0


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    owned: dict[str, int] = {}
    for _, sts in suite_events(core, apps.list_stateful_set_for_all_namespaces):
        wanted = owned.setdefault(sts.metadata.uid, sts.spec.replicas)
        if sts.spec.replicas == wanted:
            continue
        name, namespace, given = sts.metadata.name, sts.metadata.namespace, sts.spec.replicas

        def put_back(name: str = name, namespace: str = namespace, given: int = given, wanted: int = wanted) -> None:
            try:
                apps.patch_namespaced_stateful_set_scale(name, namespace, {"spec": {"replicas": wanted}})
                log(f"{namespace}/{name}: replicas put back from {given} to {wanted}")
            except client.ApiException as error:
                log(f"could not put {namespace}/{name} back: {error.status}")

        threading.Timer(DELAY_SECONDS, put_back).start()


if __name__ == "__main__":
    main()
