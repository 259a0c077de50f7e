"""scripts/runc-wrapper, the Docker engine's default runtime on hosts whose capability bounding set lacks some
capabilities: it must remove exactly those from a container's spec (create and run) and from `runc exec`'s process
spec, leave everything else as it was (numbers included), and run the real runc with the same arguments."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "scripts" / "runc-wrapper"
CAPABILITY_NAMES = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
    "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
    "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
]  # fmt: skip
"""The kernel's capability numbers, in order (the wrapper's own table must agree)."""


def host_missing() -> set[str]:
    """The capabilities this process's bounding set lacks, read independently of the wrapper."""
    line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("CapBnd:"))
    mask = int(line.split()[1], 16)
    last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    return {CAPABILITY_NAMES[i] for i in range(min(last + 1, len(CAPABILITY_NAMES))) if not mask & (1 << i)}


@pytest.fixture(scope="module")
def wrapper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None:
        pytest.skip("needs the Go toolchain to build scripts/runc-wrapper")
    binary = tmp_path_factory.mktemp("wrapper") / "runc-wrapper"
    subprocess.run(
        [go, "build", "-o", str(binary), "."],
        cwd=SOURCE,
        check=True,
        env={**os.environ, "CGO_ENABLED": "0", "GOTOOLCHAIN": "local"},
    )
    return binary


def fake_runc(tmp_path: Path) -> Path:
    """A stand-in for runc that records its arguments."""
    script = tmp_path / "runc"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {tmp_path}/args\n')
    script.chmod(0o755)
    return script


def spec(process_caps: list[str]) -> dict:
    return {
        "ociVersion": "1.2.0",
        "process": {
            "user": {"uid": 4294967294, "gid": 0},
            "capabilities": {s: list(process_caps) for s in ("bounding", "effective", "permitted")},
            "oomScoreAdj": -999,
        },
        "linux": {"resources": {"memory": {"limit": 9007199254740993}}},
    }


def run_wrapper(wrapper: Path, tmp_path: Path, *args: str) -> list[str]:
    env = {**os.environ, "KUBIA_REAL_RUNC": str(fake_runc(tmp_path))}
    subprocess.run([str(wrapper), *args], check=True, env=env)
    return (tmp_path / "args").read_text().splitlines()


def test_create_drops_only_what_the_host_lacks_and_keeps_the_rest_as_written(wrapper: Path, tmp_path: Path):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "config.json").write_text(json.dumps(spec(CAPABILITY_NAMES)))
    args = ["--root", "/run/x", "create", "--bundle", str(bundle), "container-id"]

    assert run_wrapper(wrapper, tmp_path, *args) == args, "the real runc must get the same arguments"

    written = json.loads((bundle / "config.json").read_text())
    missing = host_missing()
    for name, caps in written["process"]["capabilities"].items():
        assert set(caps) == set(CAPABILITY_NAMES) - missing, f"{name}: {sorted(set(CAPABILITY_NAMES) - set(caps))}"
    assert written["process"]["user"]["uid"] == 4294967294
    assert written["linux"]["resources"]["memory"]["limit"] == 9007199254740993, "a large number lost precision"
    assert written["process"]["oomScoreAdj"] == -999


def test_exec_drops_them_from_the_process_spec(wrapper: Path, tmp_path: Path):
    process = tmp_path / "process.json"
    process.write_text(json.dumps(spec(CAPABILITY_NAMES)["process"]))
    run_wrapper(wrapper, tmp_path, "exec", "--process", str(process), "container-id")
    written = json.loads(process.read_text())
    assert set(written["capabilities"]["effective"]) == set(CAPABILITY_NAMES) - host_missing()


def test_other_commands_pass_through_untouched(wrapper: Path, tmp_path: Path):
    assert run_wrapper(wrapper, tmp_path, "state", "container-id") == ["state", "container-id"]
