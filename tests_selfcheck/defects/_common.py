"""What the defect programs share: a client from KUBECONFIG, and an endless watch of the objects in the namespaces
they act on.

A defect acts on any StatefulSet, never on kubia by name or label: a broken cluster does not know which app it
breaks, and the same programs run under the Kubernetes e2e specs (scripts/defect-table), whose sets are called ss
and ss2. The namespaces it acts on: those of this suite, or, with KUBIA_DEFECT_NAMESPACES, those matching any of
its label selectors (";" between them; e2e-framework=statefulset are the upstream specs' namespaces).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any

from kubernetes import client, config, watch

from kubia_conformance.cluster.namespaces import SUITE_SELECTOR
from kubia_conformance.cluster.objects import is_terminating, labels_of, split_ordinal


def api_client() -> client.ApiClient:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    return config.new_client_from_config()


NAMESPACES = tuple(s.strip() for s in os.environ.get("KUBIA_DEFECT_NAMESPACES", SUITE_SELECTOR).split(";") if s.strip())
"""Label selectors of the namespaces a defect acts on: a namespace is in if any matches."""
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
"""Set by the StatefulSet controller on each pod it creates, and kept when the pod is orphaned or released."""


def namespace_selector(selector: str) -> dict[str, Any]:
    """One of NAMESPACES (key=value, or key for any value) as an admission binding's namespaceSelector."""
    key, _, value = selector.partition("=")
    expression = {"key": key, "operator": "In", "values": [value]} if value else {"key": key, "operator": "Exists"}
    return {"matchExpressions": [expression]}


@contextlib.contextmanager
def admission_policy(api: client.ApiClient, policy: dict[str, Any], *, mutating: bool = False) -> Iterator[None]:
    """policy (a ValidatingAdmissionPolicy, or with mutating a MutatingAdmissionPolicy) in place for the duration,
    bound to the namespaces the defect acts on (one binding per selector of NAMESPACES; a validating one denies),
    and removed afterwards whatever happens."""
    admission = client.AdmissionregistrationV1Api(api)
    kind = "mutating" if mutating else "validating"
    create_policy = getattr(admission, f"create_{kind}_admission_policy")
    create_binding = getattr(admission, f"create_{kind}_admission_policy_binding")
    name = policy["metadata"]["name"]
    bindings = [
        {
            "metadata": {"name": f"{name}-{index}"},
            "spec": {
                "policyName": name,
                "matchResources": {"namespaceSelector": namespace_selector(selector)},
                **({} if mutating else {"validationActions": ["Deny"]}),
            },
        }
        for index, selector in enumerate(NAMESPACES)
    ]
    create_policy(policy)
    try:
        for binding in bindings:
            create_binding(binding)
        log(f"policy {name} in place for namespaces matching {' or '.join(NAMESPACES)}")
        yield
    finally:
        for binding in bindings:
            with contextlib.suppress(client.ApiException):
                getattr(admission, f"delete_{kind}_admission_policy_binding")(binding["metadata"]["name"])
        with contextlib.suppress(client.ApiException):
            getattr(admission, f"delete_{kind}_admission_policy")(name)


def policy_alone(api: client.ApiClient, policy: dict[str, Any], *, mutating: bool = False) -> None:
    """A defect that is its admission policy alone: in place until the program is stopped."""
    with admission_policy(api, policy, mutating=mutating):
        log(f"{WATCHING} nothing: the policy acts on its own")
        signal.pause()


def suite_events(
    core: client.CoreV1Api, list_call: Callable[..., Any], *, deletions: bool = False, **kwargs: Any
) -> Iterator[tuple[str, Any]]:
    """(type, object) of the objects in the suite's namespaces, forever: first what exists (as ADDED), then every
    change, the watch resumed from the last version seen whenever it ends (listed again only after 410 Gone).

    Once the first list is in, the program prints "watching ..." (scripts wait for it, see test_defects.program):
    from then on no change is missed, so a defect started before a check acts on all of it, however slowly the
    program started. Defects only touch the namespaces they act on (NAMESPACES), never anything else on the cluster.
    DELETED events are left out unless deletions is true."""
    suite: dict[str, bool] = {}

    def in_suite(obj: Any) -> bool:
        namespace = obj.metadata.namespace
        if namespace not in suite:
            suite[namespace] = any(
                namespace in {n.metadata.name for n in core.list_namespace(label_selector=selector).items}
                for selector in NAMESPACES
            )
        return suite[namespace]

    announced = False
    while True:
        listing = list_call(**kwargs)
        version = listing.metadata.resource_version
        if not announced:
            log(f"{WATCHING} {list_call.__name__.removeprefix('list_').removesuffix('_for_all_namespaces')}")
            announced = True
        for obj in listing.items:
            if in_suite(obj):
                yield "ADDED", obj
        try:
            while True:
                for event in watch.Watch().stream(list_call, resource_version=version, timeout_seconds=30, **kwargs):
                    obj = event["object"]
                    version = obj.metadata.resource_version
                    if (deletions or event["type"] != "DELETED") and in_suite(obj):
                        yield event["type"], obj
        except client.ApiException as error:
            if error.status != 410:
                raise
            log("watch expired (410 Gone): listing again")


WATCHING = "watching"
"""What a program prints once its watch of a kind of object is in place."""


def log(message: str) -> None:
    print(message, flush=True)


def statefulset_pod_events(core: client.CoreV1Api, **kwargs: Any) -> Iterator[tuple[str, Any]]:
    """suite_events of the pods a StatefulSet created (orphaned or released ones too): whatever the set's name."""
    return suite_events(core, core.list_pod_for_all_namespaces, label_selector=POD_NAME_LABEL, **kwargs)


def released_pods(apps: client.AppsV1Api, core: client.CoreV1Api) -> Iterator[tuple[Any, Any]]:
    """(pod, its set) for each pod a StatefulSet made (the pod-name label, remembered by uid: a release may remove
    every label, that one too) whose labels the set's selector no longer matches, forever, as they change."""
    made: dict[str, str] = {}  # uid -> the name of the set that made the pod
    for _, pod in suite_events(core, core.list_pod_for_all_namespaces):
        uid = pod.metadata.uid
        parts = split_ordinal(pod.metadata.name)
        if POD_NAME_LABEL in labels_of(pod) and parts is not None:
            made.setdefault(uid, parts[0])
        if uid not in made or is_terminating(pod):
            continue
        try:
            sts = apps.read_namespaced_stateful_set(made[uid], pod.metadata.namespace)
        except client.ApiException:
            continue  # no set of that name: nothing released it
        labels = labels_of(pod)
        if not all(labels.get(key) == value for key, value in (sts.spec.selector.match_labels or {}).items()):
            yield pod, sts
