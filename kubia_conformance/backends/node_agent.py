"""The node-fault agent: a program for one node, run in a privileged pod pinned to it (host network and PID
namespaces), that does one fault to that node and has the node itself undo it at a deadline armed before the fault.

It reaches the node from a ConfigMap and runs on any image with python3 and nsenter; the node's own tools do the work
(nft, systemctl, systemd-run, entered into the node's namespaces), so the image needs nothing else. Python's standard
library only: this is not the suite's code but the node's, and it imports nothing of the suite.

Faults:
- partition: the node's TCP traffic with the API server is dropped, both ways (an nftables table on the output,
  input and forward hooks): to and from each endpoint the suite names (the `kubernetes` Service's), each address the
  server name of the kubelet's kubeconfig resolves to on the node (both families: on kind's dual-stack network a
  cut-off kubelet came back over IPv6), and each peer the kubelet is connected to on one of those ports. Loopback,
  pod-to-pod traffic and what the API server opens to the node (the pod proxy the suite reaches this agent through,
  the kubelet's port) are kept. The kubelet can neither report nor hear; the node's containers run on. The deadline:
  every dropped address is a set element with an nftables timeout, so the kernel itself stops dropping at the
  deadline, whatever becomes of this process; where the node has systemd, a transient timer also removes the
  emptied table then, so nothing is left.
- kubelet-stop: `systemctl stop kubelet`; the containers run on. The deadline: a transient systemd timer
  (systemd-run --on-active) that starts the kubelet again, armed before the stop, so systemd starts it at the
  deadline whatever becomes of this process.
Both are undone at once on POST /heal, on SIGTERM (the pod deleted) and by this process at the deadline. Nothing
that could take the host down: on kind the kernel is the test machine's.

HTTP on the node's network, every path under the secret prefix /<token> (the pod's spec holds it). The suite reaches
it through the API server's pod proxy, which connects to the node's address directly: it works while the kubelet is
stopped or cut off.
  GET  /<token>/ready             200 once the agent serves (the pod's readiness probe)
  GET  /<token>/status            the fault's state, as JSON
  POST /<token>/fault             arms the deadline, then does the fault; the state (409 and the reason if it failed)
  POST /<token>/heal              undoes the fault, if it is on; the state
  GET  /<token>/pods/<uid>?wait=S the processes of pod <uid> on the node, as JSON; with wait, until none is left or S
                                  seconds have passed

With --check it does no fault: it writes which faults the node allows (null) or why not, as JSON, into the pod's
termination message, and exits 0 (the suite's preflight). A fault the node cannot do makes a normal run exit 3 with
the reason as its termination message.
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import ipaddress
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

FAULTS = ("partition", "kubelet-stop")
HOST = ["nsenter", "--target", "1", "--mount", "--uts", "--ipc", "--net", "--pid", "--"]
"""Runs a command in the node's namespaces, with the node's own binaries (the pod shares the node's PID namespace,
so PID 1 is the node's init)."""
TABLE = "kubia_conformance_fault"
"""The partition's nftables table (inet family). One fault per node at a time (the suite's node lock), so a fixed
name: a table an earlier fault left is replaced."""
HEAL_UNIT = "kubia-conformance-heal"
"""The transient systemd timer and service that start the kubelet at the deadline."""
TERMINATION_LOG = Path("/dev/termination-log")
COMMAND_TIMEOUT = 30.0
"""One command on the node (nft, systemctl); a node that takes longer is broken, not slow."""
CANNOT = 3
"""Exit status: the node cannot do the fault (the reason is the termination message)."""
LINGER = 60.0
"""How long the agent serves after its deadline (or, never faulted, after deadline seconds from its start): long
enough for the suite to ask what it needs after a heal; then it exits, and the pod is Succeeded."""
TCP_ESTABLISHED = "01"


class FaultError(Exception):
    """A fault could not be done or undone; the message says what the node answered."""


# ----------------------------------------------------------------------------------------------------------------
# Pure logic: what to drop, reading /proc (unit-tested in tests_selfcheck/test_node_agent.py)
# ----------------------------------------------------------------------------------------------------------------


def parse_endpoint(text: str) -> tuple[str, int]:
    """HOST:PORT or [V6]:PORT into (address, port); raises ValueError for anything else."""
    match = re.fullmatch(r"\[([0-9a-fA-F:.]+)\]:(\d+)|([0-9.]+):(\d+)", text.strip())
    if not match:
        raise ValueError(f"not an address:port: {text!r}")
    address = match.group(1) or match.group(3)
    port = int(match.group(2) or match.group(4))
    ipaddress.ip_address(address)
    if not 0 < port < 65536:
        raise ValueError(f"port out of range: {text!r}")
    return address, port


def endpoint_text(address: str, port: int) -> str:
    """ADDRESS:PORT, or [V6]:PORT: what parse_endpoint reads."""
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def decode_address(hex_address: str) -> str:
    """An address as /proc/net/tcp{,6} writes it (the kernel's 32-bit words, each in host byte order: little-endian
    here) into its usual text."""
    words = [bytes.fromhex(hex_address[i : i + 8])[::-1] for i in range(0, len(hex_address), 8)]
    return str(ipaddress.ip_address(b"".join(words)))


def established_peers(table: str, inodes: set[str]) -> list[tuple[str, int]]:
    """The remote (address, port) of every established connection in a /proc/net/tcp{,6} table whose socket inode is
    one of inodes, loopback left out."""
    peers = []
    for line in table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or fields[3] != TCP_ESTABLISHED or fields[9] not in inodes:
            continue
        hex_address, _, hex_port = fields[2].partition(":")
        address = decode_address(hex_address)
        mapped = ipaddress.ip_address(address)
        if isinstance(mapped, ipaddress.IPv6Address) and mapped.ipv4_mapped:
            address = str(mapped.ipv4_mapped)
        if not ipaddress.ip_address(address).is_loopback:
            peers.append((address, int(hex_port, 16)))
    return sorted(set(peers))


def partition_targets(
    named: list[tuple[str, int]], servers: list[tuple[str, int]], kubelet_peers: list[tuple[str, int]]
) -> list[tuple[str, int]]:
    """What the partition drops: the endpoints the suite named, the addresses of the kubelet's server (a load balancer
    in front of the API server, where the kubelet is configured with one; every family), and the kubelet's peers on
    one of their ports."""
    ports = {port for _, port in named + servers}
    return sorted(set(named) | set(servers) | {peer for peer in kubelet_peers if peer[1] in ports})


def kubeconfig_servers(kubeconfig: str) -> list[tuple[str, int]]:
    """(host, port) of every server a kubeconfig names (https://host[:port], port 443 by default)."""
    found = []
    for match in re.finditer(r"\bserver:\s*['\"]?https://(\[[^\]]+\]|[^:/'\"\s]+)(?::(\d+))?", kubeconfig):
        found.append((match.group(1).strip("[]"), int(match.group(2) or 443)))
    return found


def kubeconfig_flag(cmdline: str) -> str | None:
    """The --kubeconfig of a kubelet's command line (its /proc cmdline, NUL-separated), if given."""
    args = cmdline.split("\0")
    for index, arg in enumerate(args):
        if arg.startswith("--kubeconfig="):
            return arg.partition("=")[2]
        if arg == "--kubeconfig" and index + 1 < len(args):
            return args[index + 1]
    return None


def partition_script(targets: list[tuple[str, int]], deadline: float) -> str:
    """The nft script that starts the partition, in one transaction: a table an earlier fault left is replaced, and
    each dropped address:port expires by itself after deadline seconds. Both ways: the node's packets to the API
    server, and the API server's to the node from its port (dropping only the node's left its established
    connections half open: on kind a cut-off kubelet still received its watch events and stopped a pod deleted
    meanwhile, before the heal)."""
    timeout = f"{max(1, round(deadline))}s"
    sets: dict[str, list[str]] = {"4": [], "6": []}
    for address, port in targets:
        sets[str(ipaddress.ip_address(address).version)].append(f"{address} . {port} timeout {timeout}")
    out = "ip daddr . tcp dport @api4 drop; ip6 daddr . tcp dport @api6 drop;"
    back = "ip saddr . tcp sport @api4 drop; ip6 saddr . tcp sport @api6 drop;"
    lines = [
        f"add table inet {TABLE}",
        f"delete table inet {TABLE}",
        f"table inet {TABLE} {{",
        "  set api4 { type ipv4_addr . inet_service; flags timeout; }",
        "  set api6 { type ipv6_addr . inet_service; flags timeout; }",
        f"  chain output {{ type filter hook output priority -10; policy accept; {out} }}",
        f"  chain input {{ type filter hook input priority -10; policy accept; {back} }}",
        f"  chain forward {{ type filter hook forward priority -10; policy accept; {out} {back} }}",
        "}",
    ]
    lines += [f"add element inet {TABLE} api{v} {{ {', '.join(e)} }}" for v, e in sets.items() if e]
    return "\n".join(lines) + "\n"


def pod_cgroup_marks(uid: str) -> tuple[str, str]:
    """How a pod's uid appears in its processes' cgroup paths: pod<uid> (cgroupfs driver) or pod<uid with
    underscores> (systemd driver)."""
    return f"pod{uid}", f"pod{uid.replace('-', '_')}"


def start_time(stat: str, boot: float, ticks: int) -> float:
    """A process's start, in seconds since the epoch, from its /proc/<pid>/stat line (field 22, clock ticks since
    boot; the command in field 2 may hold spaces and parentheses)."""
    fields = stat.rsplit(")", 1)[1].split()
    return boot + int(fields[19]) / ticks


# ----------------------------------------------------------------------------------------------------------------
# The node: commands in its namespaces, its processes
# ----------------------------------------------------------------------------------------------------------------


def on_node(args: list[str], stdin: str | None = None) -> str:
    """Runs args in the node's namespaces; its output, or FaultError with what it said."""
    try:
        done = subprocess.run(
            HOST + args, input=stdin, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise FaultError(f"`{' '.join(args)}` on the node: {error}") from None
    if done.returncode != 0:
        said = " ".join((done.stderr or done.stdout).split())[:400]
        raise FaultError(f"`{' '.join(args)}` on the node exited {done.returncode}: {said}")
    return done.stdout


def quietly(args: list[str]) -> None:
    """on_node, for an undo whose object may already be gone."""
    with contextlib.suppress(FaultError):
        on_node(args)


def disarm() -> None:
    """Removes the deadline's systemd timer, if any (after a heal, or one an earlier fault left)."""
    quietly(["systemctl", "stop", f"{HEAL_UNIT}.timer"])
    quietly(["systemctl", "reset-failed", f"{HEAL_UNIT}.service", f"{HEAL_UNIT}.timer"])


def boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    return 0.0


def processes_of(uid: str) -> list[dict[str, Any]]:
    """The node's processes in pod uid's cgroups: pid, command, start, and whether it is the pod's sandbox (pause)."""
    marks = pod_cgroup_marks(uid)
    boot, ticks = boot_time(), os.sysconf("SC_CLK_TCK")
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cgroups = (proc / "cgroup").read_text()
            if not any(mark in cgroups for mark in marks):
                continue
            command = (proc / "comm").read_text().strip()
            started = start_time((proc / "stat").read_text(), boot, ticks)
        except OSError:
            continue  # it ended while being read
        found.append({"pid": int(proc.name), "command": command, "started": started, "sandbox": command == "pause"})
    return sorted(found, key=lambda p: p["pid"])


def wait_gone(uid: str, seconds: float) -> list[dict[str, Any]]:
    """Pod uid's processes, once none is left or seconds have passed: a wait on the processes themselves (a pidfd
    of each becomes readable when it exits), looking at /proc again after each exit, for the pod's next ones."""
    ends = time.monotonic() + seconds
    found = processes_of(uid)
    while found and time.monotonic() < ends:
        poller, fds = select.poll(), []
        try:
            for process in found:
                with contextlib.suppress(ProcessLookupError):
                    fds.append(os.pidfd_open(process["pid"]))
                    poller.register(fds[-1], select.POLLIN)
            if fds:
                poller.poll(max(0, int((ends - time.monotonic()) * 1000)))
        finally:
            for fd in fds:
                os.close(fd)
        found = processes_of(uid)
    return found


def kubelet_processes() -> list[Path]:
    """The /proc folders of the node's processes called kubelet (none where the kubelet is inside another binary, as
    in k3s)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (proc / "comm").read_text().strip() == "kubelet":
                found.append(proc)
        except OSError:
            continue
    return found


def kubelet_servers() -> list[tuple[str, int]]:
    """Every address, of both families, that the server names of the kubelet's kubeconfig resolve to on the node
    (its own /etc/hosts and resolver, through getent in its namespaces), with their ports."""
    addresses: set[tuple[str, int]] = set()
    for proc in kubelet_processes():
        try:
            path = kubeconfig_flag((proc / "cmdline").read_text())
            if path is None:
                continue
            servers = kubeconfig_servers((proc / "root" / path.lstrip("/")).read_text())
        except OSError:
            continue
        for host, port in servers:
            try:
                addresses.add((str(ipaddress.ip_address(host)), port))
                continue
            except ValueError:
                pass
            with contextlib.suppress(FaultError):
                for line in on_node(["getent", "ahosts", host]).splitlines():
                    with contextlib.suppress(ValueError, IndexError):
                        addresses.add((str(ipaddress.ip_address(line.split()[0])), port))
    return sorted(addresses)


def kubelet_peers() -> list[tuple[str, int]]:
    """Where the node's kubelet process is connected to now (established TCP, loopback left out)."""
    peers: list[tuple[str, int]] = []
    for proc in kubelet_processes():
        try:
            inodes = {
                link[len("socket:[") : -1]
                for fd in (proc / "fd").iterdir()
                if (link := os.readlink(fd)).startswith("socket:[")
            }
            for table in ("tcp", "tcp6"):
                peers += established_peers((proc / "net" / table).read_text(), inodes)
        except OSError:
            continue
    return sorted(set(peers))


# ----------------------------------------------------------------------------------------------------------------
# The faults
# ----------------------------------------------------------------------------------------------------------------


def cannot_partition() -> str | None:
    """Why this node cannot be partitioned this way (its nft missing, or its kernel refusing the table), or None."""
    try:
        on_node(["nft", "--check", "-f", "-"], stdin=partition_script([("192.0.2.1", 9)], 1))
    except FaultError as error:
        return f"nftables on the node cannot drop its traffic to the API server: {error}"
    return None


def cannot_stop_kubelet() -> str | None:
    """Why this node's kubelet cannot be stopped and brought back by systemd, or None."""
    try:
        active = on_node(["systemctl", "is-active", "kubelet.service"]).strip()
        on_node(["systemd-run", "--version"])
    except FaultError as error:
        return f"the node runs no kubelet.service under systemd with systemd-run: {error}"
    return None if active == "active" else f"kubelet.service on the node is {active}, not active"


CHECKS = {"partition": cannot_partition, "kubelet-stop": cannot_stop_kubelet}


class Fault:
    """One fault to this node: its state, and the undo that is safe to call at any point, any number of times."""

    def __init__(self, kind: str, deadline: float, named: list[tuple[str, int]]) -> None:
        self.kind = kind
        self.deadline = deadline
        self.named = named
        self.lock = threading.Lock()
        self.state = "ready"
        self.started = time.time()
        self.faulted_at: float | None = None
        self.deadline_at: float | None = None
        self.healed_at: float | None = None
        self.healed_by = ""
        self.cut: list[tuple[str, int]] = []
        self.peers: list[tuple[str, int]] = []
        self.servers: list[tuple[str, int]] = []
        self.kept_by: list[str] = []
        """What undoes the fault on the node at the deadline, whatever becomes of this process."""
        self.error = ""

    def status(self) -> dict[str, Any]:
        return {
            "fault": self.kind,
            "state": self.state,
            "faulted_at": self.faulted_at,
            "deadline_at": self.deadline_at,
            "healed_at": self.healed_at,
            "healed_by": self.healed_by,
            "cut": [endpoint_text(a, p) for a, p in self.cut],
            "kubelet_peers": [endpoint_text(a, p) for a, p in self.peers],
            "kubelet_servers": [endpoint_text(a, p) for a, p in self.servers],
            "deadline_kept_by": self.kept_by,
            "error": self.error,
        }

    def begin(self) -> None:
        """Arms the deadline on the node, then does the fault."""
        with self.lock:
            if self.state != "ready":
                raise FaultError(f"the fault is {self.state}, not ready to begin")
            self.deadline_at = time.time() + self.deadline
            try:
                if self.kind == "partition":
                    self.peers = kubelet_peers()
                    self.servers = kubelet_servers()
                    self.cut = partition_targets(self.named, self.servers, self.peers)
                    if not self.cut:
                        raise FaultError("no API server address to drop")
                    with contextlib.suppress(FaultError):  # the kernel's timeouts alone keep the deadline
                        self.arm(["nft", "delete", "table", "inet", TABLE])
                        self.kept_by.append("a systemd timer that removes the table")
                    on_node(["nft", "-f", "-"], stdin=partition_script(self.cut, self.deadline))
                    self.kept_by.insert(0, "nftables entry timeouts")
                else:
                    self.arm(["systemctl", "start", "kubelet.service"])
                    self.kept_by.append("a systemd timer that starts the kubelet")
                    on_node(["systemctl", "stop", "kubelet.service"])
            except FaultError as error:
                self.error = str(error)
                self._undo()
                self.state = "failed"
                raise
            self.faulted_at = time.time()
            self.state = "on"
        timer = threading.Timer(self.deadline, self.heal, kwargs={"by": "the agent at the deadline"})
        timer.daemon = True
        timer.start()

    def arm(self, command: list[str]) -> None:
        """A transient systemd timer on the node that runs command at the deadline (one left by an earlier fault
        replaced)."""
        disarm()
        on_node(
            [
                "systemd-run",
                f"--unit={HEAL_UNIT}",
                f"--on-active={max(1, round(self.deadline))}s",
                "--timer-property=AccuracySec=1s",
                *command,
            ]
        )

    def heal(self, by: str = "the suite") -> None:
        with self.lock:
            if self.state != "on":
                return
            self._undo()
            self.state = "healed"
            self.healed_at = time.time()
            self.healed_by = by

    def _undo(self) -> None:
        if self.kind == "partition":
            try:
                on_node(["nft", "delete", "table", "inet", TABLE])
            except FaultError as error:
                if "No such file" not in str(error):
                    raise
        else:
            on_node(["systemctl", "start", "kubelet.service"])
        disarm()

    def ends_at(self) -> float:
        """When the agent stops serving: LINGER after the deadline (counted from its start if it never faulted)."""
        return (self.deadline_at or self.started + self.deadline) + LINGER


# ----------------------------------------------------------------------------------------------------------------
# HTTP
# ----------------------------------------------------------------------------------------------------------------


def handler_for(fault: Fault, token: str) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            print(f"{time.strftime('%H:%M:%S')} {self.command} {self.path.replace(token, '<token>')} {args[1]}")

        def answer(self, code: int, body: Any) -> None:
            data = (json.dumps(body) + "\n").encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def route(self) -> tuple[str, dict[str, list[str]]]:
            url = urlparse(self.path)
            prefix = f"/{token}/"
            if not url.path.startswith(prefix):
                return "", {}
            return url.path[len(prefix) :].strip("/"), parse_qs(url.query)

        def do_GET(self) -> None:
            path, query = self.route()
            if path == "ready":
                self.answer(200, "ready")
            elif path == "status":
                self.answer(200, fault.status())
            elif path.startswith("pods/"):
                uid = path.removeprefix("pods/")
                found = wait_gone(uid, float(query.get("wait", ["0"])[0]))
                self.answer(200, {"uid": uid, "processes": found, "at": time.time()})
            else:
                self.answer(404, "no such path")

        def do_POST(self) -> None:
            path, _ = self.route()
            try:
                if path == "fault":
                    fault.begin()
                elif path == "heal":
                    fault.heal()
                else:
                    self.answer(404, "no such path")
                    return
            except FaultError as error:
                self.answer(409, {**fault.status(), "error": str(error)})
                return
            self.answer(200, fault.status())

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--fault", choices=FAULTS, help="the fault to do")
    parser.add_argument("--check", action="store_true", help="only say which faults this node allows, and exit")
    parser.add_argument("--deadline", type=float, default=300.0, help="seconds from the fault to its undoing")
    parser.add_argument("--port", type=int, default=0, help="the HTTP port, on the node's network")
    parser.add_argument("--token", default="", help="the secret first segment of every HTTP path")
    parser.add_argument("--api", default="", help="ADDRESS:PORT,...: the API server endpoints to drop")
    args = parser.parse_args(argv)

    if args.check:
        TERMINATION_LOG.write_text(json.dumps({kind: check() for kind, check in CHECKS.items()}))
        return 0
    reason = CHECKS[args.fault]()
    if reason is None and args.fault == "partition" and not args.api:
        reason = "no API server endpoint to drop was given"
    if reason is not None:
        TERMINATION_LOG.write_text(reason)
        print(reason, file=sys.stderr)
        return CANNOT
    fault = Fault(args.fault, args.deadline, [parse_endpoint(e) for e in args.api.split(",") if e.strip()])
    try:
        server = http.server.ThreadingHTTPServer(("", args.port), handler_for(fault, args.token))
    except OSError as error:
        TERMINATION_LOG.write_text(f"cannot listen on port {args.port} of the node: {error}")
        return CANNOT
    server.daemon_threads = True

    def end(signum: int, _frame: Any) -> None:
        fault.heal(by=f"the agent on signal {signal.Signals(signum).name}")
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, end)
    signal.signal(signal.SIGINT, end)
    print(f"{time.strftime('%H:%M:%S')} ready: {args.fault}, deadline {args.deadline:.0f} s, port {args.port}")
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    while serving.is_alive() and time.time() < fault.ends_at():
        serving.join(timeout=max(0.1, min(5.0, fault.ends_at() - time.time())))
    fault.heal(by="the agent at its end")
    status = fault.status()
    print(f"{time.strftime('%H:%M:%S')} done: {json.dumps(status)}")
    TERMINATION_LOG.write_text(json.dumps(status))
    return 0


if __name__ == "__main__":
    sys.exit(main())
