"""A fault-injecting proxy between the suite and the apiserver, for the API-fault self-check.

It serves plain HTTP on loopback and forwards each request, one per connection, over TLS to the apiserver with
the cluster's client certificate. A seeded share of requests gets a fault instead: a connection reset, a slow
answer, or a 429, 500, 502 or 503 status. Every fault happens before the apiserver sees the request, so retrying
it is always safe; the number of faults is bounded.

It can also break the pod watch of a check at a chosen moment (watch_fault): armed by the first PATCH of a pod
(the check making kubia-0 unready), fired by the next list of pods (the start of the quiet window that follows).
Firing cuts every open pod watch, then answers the watch's resumption with a 410 Gone event ("gone", once), or
answers every later pod watch with 403 Forbidden ("refuse").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import ssl
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

FAULTS = ("reset", "slow", "429", "500", "502", "503")
WATCH_FAULTS = ("gone", "refuse")
SLOW_SECONDS = 1.5
GONE_EVENT = (
    json.dumps(
        {
            "type": "ERROR",
            "object": {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "reason": "Expired",
                "code": 410,
                "message": "too old resource version (injected by the fault proxy)",
            },
        }
    ).encode()
    + b"\n"
)


@dataclass
class FaultProxy:
    upstream_host: str
    upstream_port: int
    tls: ssl.SSLContext
    seed: int
    fault_rate: float = 0.15
    max_faults: int = 200
    opening: tuple[str, ...] = ("503", "reset", "429", "slow", "500", "502")
    """Faults for the very first requests, one of each kind whatever the dice say: they land on the preflight."""
    watch_fault: str | None = None
    """One of WATCH_FAULTS, or None."""
    injected: Counter = field(default_factory=Counter)
    requests: int = 0
    port: int = 0
    fired_at: float | None = None
    """When the watch fault fired (time.time()), if it did."""

    def start(self) -> FaultProxy:
        self._random = random.Random(self.seed)
        self._armed = False
        self._gone_sent = False
        self._pod_watches: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        async def serve() -> None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            with contextlib.suppress(asyncio.CancelledError):  # stop() closes the server: the normal way out
                await self._server.serve_forever()

        self._thread = threading.Thread(target=lambda: self._loop.run_until_complete(serve()), daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._server.close)

    def _choose_fault(self) -> str | None:
        self.requests += 1
        if self.requests <= len(self.opening):
            return self.opening[self.requests - 1]
        if sum(self.injected.values()) >= self.max_faults or self._random.random() >= self.fault_rate:
            return None
        return self._random.choice(FAULTS)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.close()
            return
        method, target = head.decode("latin-1").split(" ", 2)[:2]
        if self.watch_fault and await self._watch_fault(method, target, writer):
            return
        fault = self._choose_fault()
        if fault:
            self.injected[fault] += 1
        if fault == "reset":
            writer.transport.abort()
            return
        if fault in ("429", "500", "502", "503"):
            body = json.dumps(
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "status": "Failure",
                    "code": int(fault),
                    "message": "injected by the fault proxy",
                    "reason": "InternalError",
                }
            ).encode()
            writer.write(
                f"HTTP/1.1 {fault} Injected\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
            writer.close()
            return
        if fault == "slow":
            await asyncio.sleep(SLOW_SECONDS)
        await self._forward(head, reader, writer)

    async def _watch_fault(self, method: str, target: str, writer: asyncio.StreamWriter) -> bool:
        """Arms, fires and applies the watch fault; True when it answered the request itself."""
        path, _, query = target.partition("?")
        pod_watch = path.endswith("/pods") and "watch=" in query
        if self.fired_at is None:
            if method == "PATCH" and "/pods/" in path:
                self._armed = True
            elif self._armed and method == "GET" and path.endswith("/pods") and not pod_watch:
                self.fired_at = time.time()
                self.injected[f"watch {self.watch_fault}"] += 1
                for watching in list(self._pod_watches):
                    watching.transport.abort()
            if pod_watch:
                self._pod_watches.add(writer)
            return False
        if not pod_watch:
            return False
        if self.watch_fault == "gone" and not self._gone_sent:
            self._gone_sent = True
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + GONE_EVENT)
        elif self.watch_fault == "refuse":
            body = json.dumps(
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "status": "Failure",
                    "code": 403,
                    "reason": "Forbidden",
                    "message": "pod watches refused by the fault proxy",
                }
            ).encode()
            writer.write(
                f"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
                "\r\nConnection: close\r\n\r\n".encode()
                + body
            )
        else:
            return False
        await writer.drain()
        writer.close()
        return True

    async def _forward(self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        lines = head.decode("latin-1").split("\r\n")
        kept = [line for line in lines[1:] if line and not line.lower().startswith(("connection:", "host:"))]
        request = "\r\n".join(
            [lines[0], *kept, f"Host: {self.upstream_host}:{self.upstream_port}", "Connection: close", "", ""]
        ).encode("latin-1")
        try:
            up_reader, up_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port, ssl=self.tls)
        except OSError:
            writer.transport.abort()
            return
        up_writer.write(request)

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while chunk := await source.read(65536):
                    sink.write(chunk)
                    await sink.drain()
            except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
                pass
            finally:
                sink.close()

        try:
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        finally:
            self._pod_watches.discard(writer)


def proxy_for(kubeconfig_client, seed: int, **options) -> FaultProxy:
    """A proxy in front of the apiserver that kubeconfig_client (a kubernetes ApiClient) talks to."""
    configuration = kubeconfig_client.configuration
    host, port = configuration.host.removeprefix("https://").rsplit(":", 1)
    tls = ssl.create_default_context(cafile=configuration.ssl_ca_cert)
    tls.load_cert_chain(configuration.cert_file, configuration.key_file)
    return FaultProxy(host, int(port), tls, seed, **options).start()


def write_kubeconfig(proxy: FaultProxy, path: Path) -> Path:
    """A kubeconfig whose only context talks to the cluster through the proxy."""
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters: [{{name: proxy, cluster: {{server: 'http://127.0.0.1:{proxy.port}'}}}}]\n"
        "users: [{name: admin, user: {}}]\n"
        "contexts: [{name: proxy, context: {cluster: proxy, user: admin}}]\ncurrent-context: proxy\n"
    )
    return path
