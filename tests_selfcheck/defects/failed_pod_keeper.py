"""Defect: a Failed-pod keeper. A StatefulSet's pod that its node failed (phase Failed: evicted, or rejected) is
never deleted, so the set never makes it again, as a controller that counts a Failed pod as present would. The
Failed-pod check must see it when the controller counts the pod out without deleting it.

How: a ValidatingAdmissionPolicy refuses every delete of a Failed pod in the suite's namespaces while the namespace
is not being deleted (the suite's cleanup still works)."""

from _common import api_client, policy_alone

NAME = "kubia-defect-failed-pod-keeper"

POLICY = {
    "metadata": {"name": NAME},
    "spec": {
        "failurePolicy": "Fail",
        "matchConstraints": {
            "resourceRules": [
                {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["DELETE"], "resources": ["pods"]}
            ]
        },
        "matchConditions": [
            {
                "name": "failed",
                "expression": "has(oldObject.status) && has(oldObject.status.phase) && "
                "oldObject.status.phase == 'Failed'",
            }
        ],
        "validations": [
            {
                "expression": "has(namespaceObject.metadata.deletionTimestamp)",
                "message": "defect: a Failed pod is kept",
            }
        ],
    },
}


def main() -> None:
    policy_alone(api_client(), POLICY)


if __name__ == "__main__":
    main()
