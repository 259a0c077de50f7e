"""A fault-injecting proxy between the suite and the apiserver, for the API-fault self-check.

It serves plain HTTP on loopback and forwards each request, one per connection, over TLS to the apiserver with
the cluster's client certificate. A seeded share of requests gets a fault instead: a connection reset, a slow
answer, or a 429, 500, 502 or 503 status. Every fault happens before the apiserver sees the request, so retrying
it is always safe; the number of faults is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import ssl
import threading
from collections import Counter
from dataclasses import dataclass, field

FAULTS = ("reset", "slow", "429", "500", "502", "503")
SLOW_SECONDS = 1.5
HEADER_LIMIT = 1 << 16


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
    injected: Counter = field(default_factory=Counter)
    requests: int = 0
    port: int = 0

    def start(self) -> FaultProxy:
        self._random = random.Random(self.seed)
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
        fault = self._choose_fault()
        if fault:
            self.injected[fault] += 1
        if fault == "reset":
            writer.transport.abort()
            return
        if fault in ("429", "500", "502", "503"):
            body = json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": int(fault),
                               "message": f"injected by the fault proxy", "reason": "InternalError"}).encode()
            writer.write(f"HTTP/1.1 {fault} Injected\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
                         f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
            await writer.drain()
            writer.close()
            return
        if fault == "slow":
            await asyncio.sleep(SLOW_SECONDS)
        await self._forward(head, reader, writer)

    async def _forward(self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        lines = head.decode("latin-1").split("\r\n")
        kept = [line for line in lines[1:] if line and not line.lower().startswith(("connection:", "host:"))]
        request = "\r\n".join([lines[0], *kept, f"Host: {self.upstream_host}:{self.upstream_port}",
                               "Connection: close", "", ""]).encode("latin-1")
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

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


def proxy_for(kubeconfig_client, seed: int, **options) -> FaultProxy:
    """A proxy in front of the apiserver that kubeconfig_client (a kubernetes ApiClient) talks to."""
    configuration = kubeconfig_client.configuration
    host, port = configuration.host.removeprefix("https://").rsplit(":", 1)
    tls = ssl.create_default_context(cafile=configuration.ssl_ca_cert)
    tls.load_cert_chain(configuration.cert_file, configuration.key_file)
    return FaultProxy(host, int(port), tls, seed, **options).start()
