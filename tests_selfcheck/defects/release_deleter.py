"""Defect: a release deleter. A StatefulSet's pod whose labels stop matching the set's selector is deleted instead
of released, as a controller that cleans up what it no longer selects would. Release must catch it: a released pod
is left alone.

A release that removes every label, the pod-name one too (as the upstream adoption-and-release spec does), is seen
as well as one that changes a single label (_common.released_pods)."""

from kubernetes import client

from _common import api_client, log, released_pods


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    for pod, _ in released_pods(apps, core):
        namespace, name = pod.metadata.namespace, pod.metadata.name
        try:
            core.delete_namespaced_pod(name, namespace)
            log(f"deleted {namespace}/{name}, which its set no longer selects")
        except client.ApiException as error:
            log(f"could not delete {namespace}/{name}: {error.status}")


if __name__ == "__main__":
    main()
