"""Defect: a stale rollback. A StatefulSet's rollback takes its earlier ControllerRevision back without giving it the
next revision number, as a controller that reuses the object but forgets to renumber it would: the rollback goes
through (the same revision object, the pods at it), but the history orders the restored revision before the update
it undid, so `kubectl rollout history` shows the update as the newest, `kubectl rollout undo` would go back to the
update, and pruning the history would remove the revision in use first. The rollback check must read the numbers.

How: a MutatingAdmissionPolicy keeps the old number on every update of a ControllerRevision in the suite's
namespaces that raises it. The StatefulSet controller's update succeeds (it goes on with the rollback), and the
number stays."""

from _common import api_client, policy_alone

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


def main() -> None:
    policy_alone(api_client(), POLICY, mutating=True)


if __name__ == "__main__":
    main()
