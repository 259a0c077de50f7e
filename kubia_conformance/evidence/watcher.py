"""One watch of every object of a kind in a namespace, recording each state it delivers into a History, in the
order the server committed them, from start() until stop().

A proof is only as good as the watch behind it, so the watcher never hides a failure:
- an error it cannot resume from, or no connection for longer than Timeouts.watch_reconnect, is recorded as its
  failure, and check_alive() raises WatchFailed from then on;
- when the watch loses history (410 Gone) it lists again, and records a Gap in the sequence, with a DELETED state
  (marked inferred) for each object that disappeared meanwhile.
Readers take its lock (changed) to read what it holds, and wait on it for the next state.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, Generic

import urllib3
from kubernetes import watch
from kubernetes.client.exceptions import ApiException

from kubia_conformance.cluster.objects import list_version, name_of, uid_of, version_of
from kubia_conformance.cluster.retry import api, is_transient
from kubia_conformance.cluster.watch import Objects
from kubia_conformance.evidence.history import History
from kubia_conformance.evidence.states import S
from kubia_conformance.timeouts import Timeouts
from kubia_conformance.timing.clock import clock, now
from kubia_conformance.verdicts import InfrastructureError

StateOf = Callable[..., S]
"""(seq, event, obj, *, inferred) -> the state to record: pod_state, claim_state."""


class WatchFailed(InfrastructureError):
    """A timeline's watch died or fell behind: nothing can be proven from it."""


class Watcher(Generic[S]):
    """Records every state of one kind of object in one namespace into history, on a thread of its own."""

    def __init__(
        self,
        kind: str,
        namespace: str,
        list_call: Callable[[], Callable[..., Any]],
        state_of: StateOf[S],
        *,
        timeouts: Timeouts,
        history: History[S] | None = None,
    ) -> None:
        self.kind = kind
        self.namespace = namespace
        self._list_call = list_call
        """The namespaced list call of the kind (list_namespaced_pod, ...), looked up when the watch starts."""
        self._state_of = state_of
        self._timeouts = timeouts
        self.changed = threading.Condition()
        """Held to read what the watcher holds; notified at every state recorded and at a failure."""
        self.history: History[S] = history or History(kind)
        self.current: Objects = {}
        """The objects as the watch last showed them, by name."""
        self.seen: set[tuple[str, str]] = set()
        """(uid, resourceVersion) of every state recorded: how a sync knows the watch has caught up."""
        self.last_recorded = 0.0
        """time.time() of the last state recorded: when a wait's state arrived (stopwatch)."""
        self.listeners: list[Callable[[], None]] = []
        """Called after each state recorded, without changed held (another timeline's waits, judging this one's
        invariants beside theirs)."""
        self._resource_version = ""
        self._stopping = threading.Event()
        self._failure: str | None = None
        self._stream: watch.Watch | None = None
        self._thread = threading.Thread(target=self._run, name=f"{kind}-timeline-{namespace}", daemon=True)

    def list(self) -> Any:
        """A fresh list of the objects, retried like every API call."""
        return api(self._list_call(), self.namespace)

    def start(self) -> None:
        listing = self.list()
        with self.changed:
            for obj in listing.items:
                self._record("LISTED", obj)
        self._resource_version = list_version(listing)
        self._thread.start()

    def stop(self) -> None:
        """Stops the watch at once: shuts its connection's socket down, which ends the blocked read (closing the
        response from this thread would wait for the server's timeout)."""
        self._stopping.set()
        stream = self._stream
        response = getattr(stream, "_resp", None) if stream is not None else None
        sock = getattr(getattr(response, "connection", None), "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed by the server: stopping is all that is wanted
                sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=self._timeouts.watch_stop)

    def check_alive(self) -> None:
        """Raises WatchFailed if the watch has failed or its thread is gone; call with changed held."""
        if self._failure is not None:
            raise WatchFailed(f"the {self.kind} watch of {self.namespace} failed at {self._failure}")
        if self._thread.ident is not None and not self._thread.is_alive() and not self._stopping.is_set():
            raise WatchFailed(f"the {self.kind} watch of {self.namespace} stopped without a reason")

    def render(self) -> str:
        """The history as evidence: never raises, says how the watch failed if it did."""
        with self.changed:
            text = self.history.render()
            if self._failure is not None:
                text += f"\n(the {self.kind} watch failed at {self._failure})"
        return text

    def _run(self) -> None:
        disconnected_since: float | None = None
        last_error = ""
        budget = self._timeouts.watch_reconnect
        try:
            while not self._stopping.is_set():
                error = self._watch_once()
                if error is None:
                    disconnected_since = None
                    continue
                last_error = error
                disconnected_since = disconnected_since or time.monotonic()
                if time.monotonic() - disconnected_since > budget:
                    self._fail(f"it could not be resumed for {budget:.0f} s (last: {last_error})")
                    return
                self._stopping.wait(self._timeouts.watch_resume_pause)
        except ApiException as error:
            if not self._stopping.is_set():
                self._fail(f"the API server answered {error.status} {error.reason}")
        except BaseException as error:  # noqa: BLE001 - surfaced to every reader instead of dying silently
            if not self._stopping.is_set():
                self._fail(f"{type(error).__name__}: {error}")

    def _fail(self, why: str) -> None:
        with self.changed:
            self._failure = f"{clock(now())} {why}"
            self.changed.notify_all()

    def _watch_once(self) -> str | None:
        """One watch request, from the last resourceVersion; None when it ended normally, else the transient error
        that ended it. 410 Gone relists (a gap); any other error is raised."""
        stream = watch.Watch()
        self._stream = stream
        request = self._timeouts.watch_request
        try:
            for event in stream.stream(
                self._list_call(),
                self.namespace,
                resource_version=self._resource_version,
                allow_watch_bookmarks=True,
                timeout_seconds=int(request),
                _request_timeout=request + 10,
            ):
                self._resource_version = event_version(event)
                if event["type"] != "BOOKMARK":
                    with self.changed:
                        self._record(event["type"], event["object"])
                    self._tell()
                if self._stopping.is_set():
                    break
        except ApiException as error:
            if error.status == 410:
                self._relist("the server no longer had the resourceVersion the watch resumed from: 410 Gone")
                return None
            if is_transient(error):
                return f"{error.status} {error.reason}"
            raise
        except (urllib3.exceptions.HTTPError, OSError) as error:
            if self._stopping.is_set():
                return None
            return f"{type(error).__name__}: {error}"
        finally:
            stream.stop()
        return None

    def _relist(self, reason: str) -> None:
        listing = self.list()
        listed = {name_of(obj): obj for obj in listing.items}
        with self.changed:
            self.history.add_gap(reason)
            for name, obj in sorted(self.current.items()):
                if name not in listed or uid_of(listed[name]) != uid_of(obj):
                    self._record("DELETED", obj, inferred=True)
            for obj in listing.items:
                self._record("RELISTED", obj)
        self._tell()
        self._resource_version = list_version(listing)

    def _tell(self) -> None:
        for listener in self.listeners:
            listener()

    def _record(self, event: str, obj: Any, *, inferred: bool = False) -> None:
        state = self.history.add(self._state_of(self.history.next_seq(), event, obj, inferred=inferred))
        self.seen.add((uid_of(obj), version_of(obj)))
        self.last_recorded = time.time()
        if state.exists:
            self.current[state.name] = obj
        elif self.current.get(state.name) is not None and uid_of(self.current[state.name]) == uid_of(obj):
            del self.current[state.name]
        self.changed.notify_all()


def event_version(event: dict[str, Any]) -> str:
    """The resourceVersion a watch event brings. A BOOKMARK's object is left as the raw dictionary by the client
    (it carries only metadata.resourceVersion; seen on kind, whose apiserver serves watches from its cache); every
    other event's is a deserialized object."""
    if event["type"] == "BOOKMARK":
        return str(event["raw_object"]["metadata"]["resourceVersion"])
    return version_of(event["object"])
