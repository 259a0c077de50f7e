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
    """(type, object) of the objects in the suite's namespaces, forever, resuming the watch whenever it ends.

    Defects only touch the suite's namespaces, never anything else on the cluster. DELETED events are left out
    unless deletions is true."""
    suite: dict[str, bool] = {}
    while True:
        for event in watch.Watch().stream(list_call, timeout_seconds=30, **kwargs):
            namespace = event["object"].metadata.namespace
            if namespace not in suite:
                names = {n.metadata.name for n in core.list_namespace(label_selector=SUITE_SELECTOR).items}
                suite[namespace] = namespace in names
            if (deletions or event["type"] != "DELETED") and suite[namespace]:
                yield event["type"], event["object"]


def log(message: str) -> None:
    print(message, flush=True)
