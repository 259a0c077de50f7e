"""Defect: a surplus releaser. A scale-down lets its surplus pods go instead of deleting them: each pod whose
ordinal the set no longer has is relabelled out of the set's selector, so the set releases it, and it goes on
running with its name, claim and DNS name, as a controller that "removes" pods from its books would. The scale-down
rule must name the pod as it leaves the set (an earlier read of the checks caught it only by three waits that ran
out, each for the pods to be gone).

How: a ValidatingAdmissionPolicy refuses every delete of a pod in the suite's namespaces while the namespace is not
being deleted (so the StatefulSet controller cannot win the race to delete the pod before it is relabelled, and the
suite's cleanup still works), and the program removes the set's selector labels from each surplus pod it sees."""

from kubernetes import client

from _common import admission_policy, api_client, log, suite_events
from kubia_conformance.cluster.objects import is_terminating, labels_of, split_ordinal

NAME = "kubia-defect-surplus-releaser"

POLICY = {
    "metadata": {"name": NAME},
    "spec": {
        "failurePolicy": "Fail",
        "matchConstraints": {
            "resourceRules": [
                {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["DELETE"], "resources": ["pods"]}
            ]
        },
        "validations": [
            {
                "expression": "has(namespaceObject.metadata.deletionTimestamp)",
                "message": "defect: surplus pods are let go, not deleted",
            }
        ],
    },
}


def surplus(sts: client.V1StatefulSet, pod: client.V1Pod) -> bool:
    """pod is one of the set's by name and selector, with an ordinal the set no longer has, and not terminating."""
    parts = split_ordinal(pod.metadata.name)
    if parts is None or parts[0] != sts.metadata.name or is_terminating(pod):
        return False
    start = (sts.spec.ordinals.start or 0) if sts.spec.ordinals else 0
    selected = all(labels_of(pod).get(k) == v for k, v in (sts.spec.selector.match_labels or {}).items())
    return selected and not start <= parts[1] < start + (sts.spec.replicas or 0)


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    with admission_policy(api, POLICY):
        for _, sts in suite_events(core, apps.list_stateful_set_for_all_namespaces):
            namespace = sts.metadata.namespace
            for pod in core.list_namespaced_pod(namespace).items:
                if not surplus(sts, pod):
                    continue
                let_go = dict.fromkeys(sts.spec.selector.match_labels or {})
                try:
                    core.patch_namespaced_pod(pod.metadata.name, namespace, {"metadata": {"labels": let_go}})
                    log(f"{namespace}/{pod.metadata.name} let go by the scale-down of {sts.metadata.name}")
                except client.ApiException as error:
                    log(f"could not let {namespace}/{pod.metadata.name} go: {error.status}")


if __name__ == "__main__":
    main()
