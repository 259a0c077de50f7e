"""What the suite may do on the cluster: every rule of the shipped RBAC (manifests/rbac/kubia-conformance.yaml),
asked of the server once, before any test, so that a missing permission is one error line."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from kubia_conformance.cluster.connect import Cluster, PreflightError
from kubia_conformance.cluster.manifests import load_manifests
from kubia_conformance.cluster.retry import api

RBAC_MANIFEST = "rbac/kubia-conformance.yaml"
"""The smallest RBAC the suite needs (manifests/): the preflight asks for each of its rules."""
NODE_FAULTS_RBAC = "rbac/kubia-conformance-node-faults.yaml"
"""What the disruptive checks need besides (manifests/), asked for when they may run: nodes reserved, tainted and
watched, the fault pod on the node."""
Permission = tuple[str, str, str, str | None]
"""(API group, resource[/subresource], verb, namespace or None for every namespace)."""
PERMISSION_CHECKS_AT_ONCE = 8


def needed_permissions(manifest: str = RBAC_MANIFEST) -> list[Permission]:
    """Every (group, resource, verb) the manifest's ClusterRoles grant, and its Roles' in their namespaces: what a
    run needs."""
    needed: list[Permission] = []
    for document in load_manifests(manifest):
        if document["kind"] not in ("ClusterRole", "Role"):
            continue
        namespace = document["metadata"].get("namespace") if document["kind"] == "Role" else None
        for rule in document["rules"]:
            for group in rule["apiGroups"]:
                for resource in rule["resources"]:
                    needed += [(group, resource, verb, namespace) for verb in rule["verbs"]]
    return needed


def missing_permissions(cluster: Cluster, manifest: str = RBAC_MANIFEST) -> list[str]:
    """What RBAC refuses of the manifest's rules, each in a line naming it; asked once, several at a time."""
    needed = needed_permissions(manifest)
    with ThreadPoolExecutor(PERMISSION_CHECKS_AT_ONCE) as pool:
        refusals = [r for r in pool.map(lambda p: refusal(cluster, p), needed) if r is not None]
    if len(refusals) > 1:
        refusals[0] += f" (and {len(refusals) - 1} more of the {len(needed)} permissions in manifests/{manifest})"
    return refusals


def check_permissions(cluster: Cluster) -> None:
    """Asks the server, once, before any test, whether RBAC lets this user do everything the suite does (the rules
    of manifests/rbac/kubia-conformance.yaml); the first refusal is the one error line."""
    refusals = missing_permissions(cluster)
    if refusals:
        raise PreflightError(refusals[0])


def refusal(cluster: Cluster, permission: Permission) -> str | None:
    """Why RBAC refuses this permission, or None when it is granted."""
    group, resource, verb, namespace = permission
    kind, _, subresource = resource.partition("/")
    review = client.V1SelfSubjectAccessReview(
        spec=client.V1SelfSubjectAccessReviewSpec(
            resource_attributes=client.V1ResourceAttributes(
                group=group, resource=kind, subresource=subresource or None, verb=verb, namespace=namespace
            )
        )
    )
    try:
        answer = api(cluster.authorization.create_self_subject_access_review, review)
    except ApiException as error:
        raise PreflightError(
            f"cannot ask server {cluster.server} what the suite may do: {error.status} {error.reason}"
        ) from None
    status = answer.status
    if status is not None and status.allowed:
        return None
    return (
        f"RBAC forbids context {cluster.context!r} to {verb} {resource}"
        f"{' in namespace ' + namespace if namespace else ''}; the suite needs it "
        f"(reason: {(status.reason if status else None) or 'none given'})"
    )
