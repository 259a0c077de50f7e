"""What the defect programs share: a client from KUBECONFIG, and an endless watch of the suite's objects."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any

from kubernetes import client, config, watch

from kubia_conformance.cluster.namespaces import SUITE_SELECTOR


def api_client() -> client.ApiClient:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    return config.new_client_from_config()


def suite_events(
    core: client.CoreV1Api, list_call: Callable[..., Any], *, deletions: bool = False, **kwargs: Any
) -> Iterator[tuple[str, Any]]:
    """(type, object) of the objects in the suite's namespaces, forever: first what exists (as ADDED), then every
    change, the watch resumed from the last version seen whenever it ends (listed again only after 410 Gone).

    Once the first list is in, the program prints "watching ..." (scripts wait for it, see test_defects.program):
    from then on no change is missed, so a defect started before a check acts on all of it, however slowly the
    program started. Defects only touch the suite's namespaces, never anything else on the cluster. DELETED events
    are left out unless deletions is true."""
    suite: dict[str, bool] = {}

    def in_suite(obj: Any) -> bool:
        namespace = obj.metadata.namespace
        if namespace not in suite:
            names = {n.metadata.name for n in core.list_namespace(label_selector=SUITE_SELECTOR).items}
            suite[namespace] = namespace in names
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
