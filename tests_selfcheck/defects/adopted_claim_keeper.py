"""Defect: an adopted claim keeper. The claims of a StatefulSet's pod that was once orphaned are never deleted by the
garbage collector, as a controller that does not update the claims of a pod it adopted would leave them: a Delete
retention policy then never removes them. The claims of an adopted pod must follow the policy.

How: the program labels the claims of every orphaned pod it sees, and a ValidatingAdmissionPolicy refuses the
garbage collector's deletes of a labelled claim (so the suite's cleanup still works). An earlier
version took the owner references off those claims instead; the StatefulSet controller puts them back at each
sync, and the garbage collector won that race once in a loaded CI run, so the check passed with the defect."""

from kubernetes import client

from _common import admission_policy, api_client, log, statefulset_pod_events
from kubia_conformance.cluster.objects import controller_uid, mounted_claims

NAME = "kubia-defect-adopted-claim-keeper"
KEPT = "kubia-conformance.test/adopted-claim-keeper"

POLICY = {
    "metadata": {"name": NAME},
    "spec": {
        "failurePolicy": "Fail",
        "matchConstraints": {
            "resourceRules": [
                {
                    "apiGroups": [""],
                    "apiVersions": ["v1"],
                    "operations": ["DELETE"],
                    "resources": ["persistentvolumeclaims"],
                }
            ]
        },
        "matchConditions": [
            {"name": "kept", "expression": f"has(oldObject.metadata.labels) && '{KEPT}' in oldObject.metadata.labels"}
        ],
        "validations": [
            {
                # The garbage collector deletes with a uid precondition; the suite's cleanup (a delete of the
                # collection) and the namespace's deletion do not, and pass.
                "expression": "has(namespaceObject.metadata.deletionTimestamp) || !has(request.options.preconditions)"
                " || !has(request.options.preconditions.uid)",
                "message": "defect: the claims of a pod that was once orphaned are kept",
            }
        ],
    },
}


def main() -> None:
    api = api_client()
    core = client.CoreV1Api(api)
    with admission_policy(api, POLICY):
        for _, pod in statefulset_pod_events(core):
            if controller_uid(pod):
                continue
            for claim in mounted_claims(pod):
                try:
                    core.patch_namespaced_persistent_volume_claim(
                        claim, pod.metadata.namespace, {"metadata": {"labels": {KEPT: "true"}}}
                    )
                    log(f"{pod.metadata.namespace}/{pod.metadata.name} orphaned: its claim {claim} is kept")
                except client.ApiException as error:
                    log(f"could not keep {pod.metadata.namespace}/{claim}: {error.status}")


if __name__ == "__main__":
    main()
