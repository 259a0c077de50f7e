"""Defect: an FQDN hostname. A mutating admission policy sets setHostnameAsFQDN on every pod a StatefulSet creates:
the API still says hostname kubia-0 and subdomain kubia, but inside the container `hostname` answers
kubia-0.kubia.<namespace>.svc.cluster.local. Only a check that asks the container must catch it (real containers:
on simulated nodes nothing runs inside).

The policy is bound to the namespaces the defect acts on (_common.NAMESPACES). The program says it is watching only
once the apiserver applies it: a pod created with dryRun in a namespace of that selector comes back mutated."""

import contextlib
import time

from kubernetes import client
from kubernetes.dynamic import DynamicClient

from _common import NAMESPACES, POD_NAME_LABEL, WATCHING, api_client, log, namespace_selector

NAME = "kubia-defect-fqdn-hostname"
IN_PLACE_TIMEOUT = 30
POLICY = {
    "apiVersion": "admissionregistration.k8s.io/v1",
    "kind": "MutatingAdmissionPolicy",
    "metadata": {"name": NAME},
    "spec": {
        "failurePolicy": "Fail",
        "reinvocationPolicy": "Never",
        "matchConstraints": {
            "resourceRules": [
                {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]}
            ]
        },
        "matchConditions": [
            {
                "name": "statefulset-pod",
                "expression": f"has(object.metadata.labels) && '{POD_NAME_LABEL}' in object.metadata.labels",
            }
        ],
        "mutations": [
            {
                "patchType": "ApplyConfiguration",
                "applyConfiguration": {"expression": "Object{spec: Object.spec{setHostnameAsFQDN: true}}"},
            }
        ],
    },
}


def selector_labels(selector: str) -> dict[str, str]:
    key, _, value = selector.partition("=")
    return {key: value}


def binding(index: int, selector: str) -> dict:
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingAdmissionPolicyBinding",
        "metadata": {"name": f"{NAME}-{index}"},
        "spec": {"policyName": NAME, "matchResources": {"namespaceSelector": namespace_selector(selector)}},
    }


def applied(core: client.CoreV1Api, namespace: str) -> bool:
    """A StatefulSet-like pod, created with dryRun, comes back with setHostnameAsFQDN."""
    pod = client.V1Pod(
        metadata=client.V1ObjectMeta(name="probe-0", labels={POD_NAME_LABEL: "probe-0"}),
        spec=client.V1PodSpec(containers=[client.V1Container(name="probe", image="probe")]),
    )
    try:
        return bool(core.create_namespaced_pod(namespace, pod, dry_run="All").spec.set_hostname_as_fqdn)
    except client.ApiException as error:  # the namespace's default ServiceAccount is not made yet
        log(f"probe pod refused: {error.status} {error.reason}")
        return False


def main() -> None:
    api = api_client()
    core = client.CoreV1Api(api)
    resources = DynamicClient(api).resources
    policies = resources.get(api_version="admissionregistration.k8s.io/v1", kind="MutatingAdmissionPolicy")
    bindings = resources.get(api_version="admissionregistration.k8s.io/v1", kind="MutatingAdmissionPolicyBinding")
    made = [binding(index, selector) for index, selector in enumerate(NAMESPACES)]
    probe = f"{NAME}-probe"
    policies.create(body=POLICY)
    try:
        for bound in made:
            bindings.create(body=bound)
        labels = selector_labels(NAMESPACES[0])
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=probe, labels=labels)))
        deadline = time.monotonic() + IN_PLACE_TIMEOUT
        # A poll of the apiserver's own view, for at most IN_PLACE_TIMEOUT: nothing to watch says a policy is loaded.
        while not applied(core, probe):
            if time.monotonic() > deadline:
                raise SystemExit(f"policy {NAME} not applied after {IN_PLACE_TIMEOUT} s")
            time.sleep(0.2)
        core.delete_namespace(probe)
        log(f"{WATCHING} new pods: policy {NAME} applies in namespaces {' or '.join(NAMESPACES)}")
        while True:
            time.sleep(3600)
    finally:
        with contextlib.suppress(client.ApiException):
            core.delete_namespace(probe)
        for bound in made:
            with contextlib.suppress(client.ApiException):
                bindings.delete(name=bound["metadata"]["name"])
        with contextlib.suppress(client.ApiException):
            policies.delete(name=NAME)


if __name__ == "__main__":
    main()
