"""Defect: a Failed-pod keeper. A StatefulSet's pod that its node failed (phase Failed: evicted, or rejected) is
never deleted, so the set never makes it again, as a controller that counts a Failed pod as present would. The
Failed-pod check must see it when the controller counts the pod out without deleting it.

How: a ValidatingAdmissionPolicy refuses every delete of a Failed pod in the suite's namespaces while the namespace
is not being deleted (the suite's cleanup still works)."""

import contextlib
import signal

from kubernetes import client

from _common import NAMESPACES, WATCHING, api_client, log, namespace_selector

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


def binding(index: int, selector: str) -> dict:
    """The policy bound to the namespaces of one label selector (key=value, or key for any value)."""
    return {
        "metadata": {"name": f"{NAME}-{index}"},
        "spec": {
            "policyName": NAME,
            "validationActions": ["Deny"],
            "matchResources": {"namespaceSelector": namespace_selector(selector)},
        },
    }


def main() -> None:
    admission = client.AdmissionregistrationV1Api(api_client())
    bindings = [binding(index, selector) for index, selector in enumerate(NAMESPACES)]
    admission.create_validating_admission_policy(POLICY)
    try:
        for bound in bindings:
            admission.create_validating_admission_policy_binding(bound)
        log(f"policy {NAME} in place for namespaces matching {' or '.join(NAMESPACES)}")
        log(f"{WATCHING} nothing: the policy acts on its own")
        signal.pause()
    finally:
        for bound in bindings:
            with contextlib.suppress(client.ApiException):
                admission.delete_validating_admission_policy_binding(bound["metadata"]["name"])
        with contextlib.suppress(client.ApiException):
            admission.delete_validating_admission_policy(NAME)


if __name__ == "__main__":
    main()
