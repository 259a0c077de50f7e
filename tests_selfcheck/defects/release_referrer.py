"""Defect: a release referrer. A StatefulSet's pod whose labels stop matching the set's selector is released (its
controller reference removed), but keeps an ownerReference to the set that is not its controller, as a controller
that only clears the controller flag would leave it: the garbage collector would still delete the released pod with
the set. Release must catch it: a released pod refers to the set no more. A check that reads only the controller
reference passes with it."""

from kubernetes import client

from _common import api_client, log, released_pods
from kubia_conformance.cluster.objects import controller_uid, owner_uids


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    for pod, sts in released_pods(apps, core):
        namespace, name = pod.metadata.namespace, pod.metadata.name
        if controller_uid(pod) or sts.metadata.uid in owner_uids(pod):
            continue  # not released by the set yet, or already referring to it
        reference = {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "name": sts.metadata.name,
            "uid": sts.metadata.uid,
            "controller": False,
        }
        try:
            core.patch_namespaced_pod(name, namespace, {"metadata": {"ownerReferences": [reference]}})
            log(f"released {namespace}/{name} keeps a reference to its set")
        except client.ApiException as error:
            log(f"could not refer {namespace}/{name} to its set: {error.status}")


if __name__ == "__main__":
    main()
