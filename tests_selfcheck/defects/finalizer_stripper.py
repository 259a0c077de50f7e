"""Defect: a finalizer stripper. It removes the foregroundDeletion finalizer from any StatefulSet being deleted,
so the StatefulSet goes before its pods. Cascade Foreground must catch it."""

from kubernetes import client

from _common import api_client, log, suite_events

FOREGROUND = "foregroundDeletion"


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    for _, sts in suite_events(core, apps.list_stateful_set_for_all_namespaces):
        finalizers = sts.metadata.finalizers or []
        if sts.metadata.deletion_timestamp and FOREGROUND in finalizers:
            kept = [f for f in finalizers if f != FOREGROUND]
            apps.patch_namespaced_stateful_set(
                sts.metadata.name, sts.metadata.namespace, {"metadata": {"finalizers": kept or None}}
            )
            log(f"stripped {FOREGROUND} from {sts.metadata.namespace}/{sts.metadata.name}")


if __name__ == "__main__":
    main()
