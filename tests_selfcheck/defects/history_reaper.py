"""Defect: a history reaper. Every ControllerRevision of a StatefulSet that is neither its current nor its update
revision is deleted, as a revision history limit applied too eagerly would. A rollback then makes the earlier
revision anew instead of taking it back; the rollback check must catch it."""

from kubernetes import client

from _common import api_client, log, suite_events
from kubia_conformance.cluster.objects import controller_uid


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    for _, sts in suite_events(core, apps.list_stateful_set_for_all_namespaces):
        status = sts.status
        if status is None or not status.current_revision:
            continue
        keep = {status.current_revision, status.update_revision}
        for revision in apps.list_namespaced_controller_revision(sts.metadata.namespace).items:
            if controller_uid(revision) == sts.metadata.uid and revision.metadata.name not in keep:
                try:
                    apps.delete_namespaced_controller_revision(revision.metadata.name, sts.metadata.namespace)
                    log(f"deleted revision {sts.metadata.namespace}/{revision.metadata.name}")
                except client.ApiException as error:
                    log(f"could not delete {sts.metadata.namespace}/{revision.metadata.name}: {error.status}")


if __name__ == "__main__":
    main()
