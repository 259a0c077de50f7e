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
Permission = tuple[str, str, str, str | None]
"""(API group, resource[/subresource], verb, namespace or None for every namespace)."""
PERMISSION_CHECKS_AT_ONCE = 8


def needed_permissions() -> list[Permission]:
    """Every (group, resource, verb) the shipped ClusterRole grants, and its Role's in `default`: what a run needs."""
    needed: list[Permission] = []
    for document in load_manifests(RBAC_MANIFEST):
        if document["kind"] not in ("ClusterRole", "Role"):
            continue
        namespace = document["metadata"].get("namespace") if document["kind"] == "Role" else None
        for rule in document["rules"]:
            for group in rule["apiGroups"]:
                for resource in rule["resources"]:
                    needed += [(group, resource, verb, namespace) for verb in rule["verbs"]]
    return needed


def check_permissions(cluster: Cluster) -> None:
    """Asks the server, once, before any test, whether RBAC lets this user do everything the suite does (the rules
    of manifests/rbac/kubia-conformance.yaml); the first refusal is the one error line."""
    needed = needed_permissions()
    with ThreadPoolExecutor(PERMISSION_CHECKS_AT_ONCE) as pool:
        refusals = [r for r in pool.map(lambda p: refusal(cluster, p), needed) if r is not None]
    if refusals:
        more = f" (and {len(refusals) - 1} more of the {len(needed)} permissions in manifests/{RBAC_MANIFEST})"
        raise PreflightError(refusals[0] + (more if len(refusals) > 1 else ""))


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
