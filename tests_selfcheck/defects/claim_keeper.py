"""Defect: a claim keeper. A claim that was deleted stays deleted: when one of the same name is made again in the
same namespace, it is deleted at once, as a cluster whose controller never makes a missing claim again would leave
the pod Pending. Claim recreation must catch it."""

from kubernetes import client

from _common import api_client, log, suite_events


def main() -> None:
    api = api_client()
    core = client.CoreV1Api(api)
    deleted: set[tuple[str, str]] = set()
    for kind, claim in suite_events(core, core.list_persistent_volume_claim_for_all_namespaces, deletions=True):
        key = (claim.metadata.namespace, claim.metadata.name)
        if kind == "DELETED":
            deleted.add(key)
        elif kind == "ADDED" and key in deleted:
            try:
                core.delete_namespaced_persistent_volume_claim(claim.metadata.name, claim.metadata.namespace)
                log(f"deleted {key[0]}/{key[1]} again: it was deleted before")
            except client.ApiException as error:
                log(f"could not delete {key[0]}/{key[1]}: {error.status}")


if __name__ == "__main__":
    main()
