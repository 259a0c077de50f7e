"""Waiting for cluster state with watches: list once, then follow the watch until the state arrives.

These waits read the current state only, so a watch that expires (410 Gone) or drops is simply resumed from a
fresh list. Proofs of order or of "nothing happened" need the pod timeline (evidence/timeline.py) instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import urllib3
from kubernetes import watch
from kubernetes.client.exceptions import ApiException

from kubia_conformance.cluster.objects import list_version, name_of
from kubia_conformance.cluster.retry import api, is_transient
from kubia_conformance.timing import stopwatch
from kubia_conformance.verdicts import InfrastructureError

T = TypeVar("T")
Objects = dict[str, Any]
"""The objects a watch has seen, by name (namespace/name for a list across namespaces), as they are now."""


class WaitTimeout(AssertionError):
    """A state did not arrive in time: a failure of the check, carrying what was observed last."""

    def __init__(self, what: str, timeout: float, observed: str) -> None:
        super().__init__(f"timed out after {timeout:.0f} s waiting for {what}; last observed: {observed}")


def names(objects: Objects) -> str:
    return ", ".join(sorted(objects)) or "nothing"


def key_of(list_call: Callable[..., Any]) -> Callable[[Any], str]:
    """How a watch keys its objects: by name, or by namespace/name when it lists across namespaces (two pods of one
    name in two namespaces are two objects)."""
    if getattr(list_call, "__name__", "").endswith("_for_all_namespaces"):
        return lambda item: f"{item.metadata.namespace}/{name_of(item)}"
    return name_of


def watch_for(
    list_call: Callable[..., Any],
    find: Callable[[Objects], T | None],
    *,
    timeout: float,
    what: str,
    describe: Callable[[Objects], str] = names,
    **list_kwargs: Any,
) -> T:
    """Lists, then watches, until find(objects) returns something other than None; returns that.

    list_call is a namespaced or cluster list function of the kubernetes client (e.g. CoreV1Api.list_namespaced_pod)
    and list_kwargs its arguments. Raises WaitTimeout, with describe(objects) as the last observation.
    """
    deadline = time.monotonic() + timeout
    with stopwatch.measure("wait", what) as measured:
        while True:
            listing = api(list_call, **list_kwargs)
            key = key_of(list_call)
            objects: Objects = {key(item): item for item in listing.items}
            found = find(objects)
            if found is None and time.monotonic() < deadline:
                found = _follow(list_call, list_kwargs, objects, list_version(listing), find=find, deadline=deadline)
            if found is not None:
                measured.reach()  # the list or event that brought it was read just now
                return found
            if time.monotonic() >= deadline:
                raise WaitTimeout(what, timeout, describe(objects))


def _follow(
    list_call: Callable[..., Any],
    list_kwargs: dict[str, Any],
    objects: Objects,
    version: str,
    *,
    find: Callable[[Objects], T | None],
    deadline: float,
) -> T | None:
    """Applies watch events to objects until find(objects) is not None (returned), the deadline passes, or the
    watch ends (expired or dropped: the caller lists again)."""
    remaining = deadline - time.monotonic()
    stream = watch.Watch()
    try:
        for event in stream.stream(
            list_call,
            resource_version=version,
            timeout_seconds=max(1, int(remaining)),
            _request_timeout=remaining + 10,
            **list_kwargs,
        ):
            item = event["object"]
            if event["type"] == "DELETED":
                objects.pop(key_of(list_call)(item), None)
            else:
                objects[key_of(list_call)(item)] = item
            found = find(objects)
            if found is not None or time.monotonic() >= deadline:
                return found
    except ApiException as error:
        if error.status != 410 and not is_transient(error):
            raise
    except urllib3.exceptions.HTTPError:
        pass
    finally:
        stream.stop()
    return None


def watch_from(
    list_call: Callable[..., Any],
    version: str,
    find: Callable[[Objects], T | None],
    *,
    timeout: float,
    what: str,
    **list_kwargs: Any,
) -> T:
    """Watches from resourceVersion version (read before an action) until find(objects) returns something other than
    None, and returns that: every change after version is seen, even one undone before this call began. objects
    holds only what changed since version. A watch that ends before (dropped, or version expired) is an
    InfrastructureError, not a timeout: a list now would miss what it is asked to find."""
    deadline = time.monotonic() + timeout
    objects: Objects = {}
    with stopwatch.measure("wait", what) as measured:
        found = _follow(list_call, list_kwargs, objects, version, find=find, deadline=deadline)
        if found is not None:
            measured.reach()
            return found
    if time.monotonic() >= deadline:
        raise WaitTimeout(what, timeout, ", ".join(sorted(objects)) or "no change")
    raise InfrastructureError(f"the watch for {what} ended before it was seen: a list now could not tell")


def watch_until(
    list_call: Callable[..., Any],
    holds: Callable[[Objects], bool],
    *,
    timeout: float,
    what: str,
    describe: Callable[[Objects], str] = names,
    **list_kwargs: Any,
) -> Objects:
    """Lists, then watches, until holds(objects); returns the objects then."""
    return watch_for(
        list_call,
        lambda objects: dict(objects) if holds(objects) else None,
        timeout=timeout,
        what=what,
        describe=describe,
        **list_kwargs,
    )
