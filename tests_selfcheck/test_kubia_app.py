"""The kubia app rebuilt from source (images/kubia/), for clusters that cannot pull luksa/kubia-pet: it must answer
as the book's app does, since the stable-storage and identity checks read its answers."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import tenacity

APP = Path(__file__).resolve().parent.parent / "images" / "kubia"
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def kubia_app(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The app built with the local Go toolchain and started on a free loopback port; (its URL, its data file)."""
    yield from started(tmp_path, {})


@pytest.fixture
def traced_app(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The app as the suite starts it to trace its writes; (its URL, its trace file)."""
    trace = tmp_path / "trace.log"
    env = {"KUBIA_TRACE_FILE": str(trace), "KUBIA_POD_UID": "uid-1", "KUBIA_NODE_NAME": "node-a"}
    for url, _ in started(tmp_path, env):
        yield url, trace


def started(tmp_path: Path, extra: dict[str, str]) -> Iterator[tuple[str, Path]]:
    go = shutil.which("go")
    if go is None:
        pytest.skip("needs the Go toolchain to build images/kubia")
    binary = tmp_path / "kubia"
    subprocess.run(
        [go, "build", "-o", str(binary), "."],
        cwd=APP,
        check=True,
        env={**os.environ, "CGO_ENABLED": "0", "GOTOOLCHAIN": "local"},
    )
    port, data = free_port(), tmp_path / "kubia.txt"
    env = {**os.environ, "KUBIA_LISTEN": f"127.0.0.1:{port}", "KUBIA_DATA_FILE": str(data), **extra}
    process = subprocess.Popen([str(binary)], env=env, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        tenacity.Retrying(stop=tenacity.stop_after_delay(START_TIMEOUT), wait=tenacity.wait_fixed(0.1), reraise=True)(
            urllib.request.urlopen, url, timeout=1
        )
        yield url, data
    finally:
        process.terminate()
        process.wait(timeout=START_TIMEOUT)


def call(url: str, body: bytes | None = None) -> str:
    with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=5) as response:
        return bytes(response.read()).decode()


def test_kubia_answers_as_the_books_app(kubia_app):
    url, data = kubia_app
    hostname = socket.gethostname()

    assert call(url) == f"You've hit {hostname}\nData stored on this pod: No data posted yet\n"
    assert call(url, b"written to kubia-0") == f"Data stored on pod {hostname}\n"
    assert data.read_text() == "written to kubia-0"
    assert call(url) == f"You've hit {hostname}\nData stored on this pod: written to kubia-0\n"


def test_kubia_traces_its_writes_when_asked(traced_app):
    _, trace = traced_app

    def three_lines() -> list[str] | None:
        lines = trace.read_text().splitlines() if trace.exists() else []
        return lines[:3] if len(lines) >= 3 else None

    lines = tenacity.Retrying(
        stop=tenacity.stop_after_delay(START_TIMEOUT),
        wait=tenacity.wait_fixed(0.1),
        retry=tenacity.retry_if_result(lambda found: found is None),
    )(three_lines)
    fields = [line.split(" ") for line in lines]
    assert [f[1:] for f in fields] == [["uid-1", "node-a", str(n)] for n in (1, 2, 3)]
    times = [int(f[0]) for f in fields]
    assert times == sorted(times)
    assert 0 < times[2] - times[0] < 5000
