"""Defect: a status stomper. Any condition in a StatefulSet's status is removed through the status subresource a
moment after it appears, as a second controller that owns the status would. The status subresource check must
catch it: a patched condition holds while nothing changes the set."""

import time

from kubernetes import client

from _common import api_client, log, suite_events

DELAY_SECONDS = 1.0


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    for _, sts in suite_events(core, apps.list_stateful_set_for_all_namespaces):
        if not (sts.status and sts.status.conditions):
            continue
        time.sleep(DELAY_SECONDS)
        try:
            apps.patch_namespaced_stateful_set_status(
                sts.metadata.name,
                sts.metadata.namespace,
                {"status": {"conditions": None}},
                _content_type="application/merge-patch+json",
            )
            log(f"removed the status conditions of {sts.metadata.namespace}/{sts.metadata.name}")
        except client.ApiException as error:
            log(f"could not stomp on {sts.metadata.namespace}/{sts.metadata.name}: {error.status}")


if __name__ == "__main__":
    main()
