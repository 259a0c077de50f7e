"""Defect: a stale rollback. A StatefulSet's rollback takes its earlier ControllerRevision back without giving it the
next revision number, as a controller that reuses the object but forgets to renumber it would: the rollback goes
through (the same revision object, the pods at it), but the history orders the restored revision before the update
it undid, so `kubectl rollout history` shows the update as the newest, `kubectl rollout undo` would go back to the
update, and pruning the history would remove the revision in use first. The rollback check must read the numbers.

How: a MutatingAdmissionPolicy keeps the old number on every update of a ControllerRevision in the suite's
namespaces that raises it. The StatefulSet controller's update succeeds (it goes on with the rollback), and the
number stays."""

import contextlib
import signal

from kubernetes import client

from _common import NAMESPACES, WATCHING, api_client, log, namespace_selector

NAME = "kubia-defect-stale-rollback"

POLICY = {
    "metadata": {"name": NAME},
    "spec": {
        "failurePolicy": "Fail",
        "reinvocationPolicy": "Never",
        "matchConstraints": {
            "resourceRules": [
                {
                    "apiGroups": ["apps"],
                    "apiVersions": ["v1"],
                    "operations": ["UPDATE"],
                    "resources": ["controllerrevisions"],
                }
            ]
        },
        "matchConditions": [{"name": "renumbered", "expression": "object.revision > oldObject.revision"}],
        "mutations": [
            {
                "patchType": "JSONPatch",
                "jsonPatch": {"expression": '[JSONPatch{op: "replace", path: "/revision", value: oldObject.revision}]'},
            }
        ],
    },
}


def binding(index: int, selector: str) -> dict:
    """The policy bound to the namespaces of one label selector (key=value, or key for any value)."""
    return {
        "metadata": {"name": f"{NAME}-{index}"},
        "spec": {"policyName": NAME, "matchResources": {"namespaceSelector": namespace_selector(selector)}},
    }


def main() -> None:
    admission = client.AdmissionregistrationV1Api(api_client())
    bindings = [binding(index, selector) for index, selector in enumerate(NAMESPACES)]
    admission.create_mutating_admission_policy(POLICY)
    try:
        for bound in bindings:
            admission.create_mutating_admission_policy_binding(bound)
        log(f"policy {NAME} in place for namespaces matching {' or '.join(NAMESPACES)}")
        log(f"{WATCHING} nothing: the policy acts on its own")
        signal.pause()
    finally:
        for bound in bindings:
            with contextlib.suppress(client.ApiException):
                admission.delete_mutating_admission_policy_binding(bound["metadata"]["name"])
        with contextlib.suppress(client.ApiException):
            admission.delete_mutating_admission_policy(NAME)


if __name__ == "__main__":
    main()
