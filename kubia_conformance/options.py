"""The suite's command-line options: their definitions for `pytest --help`, their validation, and the typed view
the rest of the suite reads (Options)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

MARKERS = {
    "conformance": "a check of a StatefulSet guarantee against the cluster (every test in tests_conformance)",
    "needs_containers": "needs pods that run real containers (exec, data written into the app); skips otherwise",
    "needs_dns": "needs the cluster DNS reachable from the runner (--dns-server or a port-forward); skips otherwise",
    "slow": "takes a minute or more",
    "disruptive": "takes cluster nodes down (--node-fault), one it reserves (the other checks run beside it), only "
    "on allowed contexts (--allow-disruption, --disruptive-contexts)",
}
DEFAULT_DISRUPTIVE_CONTEXTS = "kind-*,kwok-kubia-local,kwok-kubia-local-*"
DEFAULT_IMAGE = "luksa/kubia-pet"
"""The book's image of the kubia app."""
NODE_FAULTS = {
    "auto": "the strongest the cluster allows, in this order",
    "command": "--node-stop-command and --node-start-command",
    "container-stop": "stop the node's docker or podman container on this machine (kind): the node goes as a machine "
    "does",
    "partition": "from a privileged pod on the node, drop its traffic to the API server (nftables): the book's "
    "scenario, the node cut off while its containers run on",
    "kubelet-stop": "from a privileged pod on the node, stop its kubelet (systemd); its containers run on",
}
"""The ways to lose a node (--node-fault), in auto's order."""
DEFAULT_NODE_FAULT_IMAGE = "python:3.11-slim-bookworm"
"""The node-fault pod's image: any image with python3 and nsenter (the suite's own image's base)."""


@dataclass(frozen=True)
class Options:
    """The options of one run, validated."""

    kubeconfig: str | None
    context: str | None
    image: str
    storage_mode: str
    storage_class: str | None
    dns_servers: tuple[tuple[str, int], ...]
    """Each cluster DNS endpoint given by --dns-server; empty for a port-forward."""
    cluster_domain: str
    timeout_scale: float
    allow_disruption: bool
    disruptive_contexts: tuple[str, ...]
    node_fault: str
    """--node-fault: one of NODE_FAULTS."""
    node_fault_image: str
    node_stop_command: str | None
    node_start_command: str | None
    max_recovery: float | None
    """--max-recovery: the longest a node-loss check's replacement may take to be Ready, in seconds, if set."""
    allow_foreign_pods: bool
    keep_namespaces: bool
    timings: str | None
    """Where to write each check's time split (--timings), if anywhere."""
    report: str | None
    """The folder of the acceptance report (--report), if any."""
    selects_disruptive: bool
    """The user asked for the disruptive tests by marker (-m disruptive), not merely left them in the run."""


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup(
        "kubia",
        "kubia conformance (which cluster, and how to test it). Markers, for -m: "
        + ", ".join(MARKERS)
        + " (pytest --markers says what each means)",
    )
    group.addoption(
        "--kubeconfig",
        metavar="PATH",
        help="kubeconfig of the cluster under test (default, as kubectl: $KUBECONFIG, then ~/.kube/config)",
    )
    group.addoption(
        "--context",
        default=os.environ.get("KUBIA_CONTEXT"),
        metavar="NAME",
        help="kubeconfig context to use (default: $KUBIA_CONTEXT, else the kubeconfig's current-context)",
    )
    group.addoption(
        "--image",
        default=os.environ.get("KUBIA_IMAGE", DEFAULT_IMAGE),
        metavar="IMAGE",
        help=f"image of the kubia StatefulSet's container (default: $KUBIA_IMAGE, else {DEFAULT_IMAGE}; "
        "scripts/kind-cluster builds one from images/kubia)",
    )
    group.addoption(
        "--storage-mode",
        choices=("dynamic", "static"),
        default="dynamic",
        help="dynamic: claims are provisioned by a StorageClass; static: the suite makes one PersistentVolume per "
        "claim, the book's way, for clusters without a provisioner (default: dynamic)",
    )
    group.addoption(
        "--storage-class",
        metavar="NAME",
        help="StorageClass for the claims in dynamic mode (default: the cluster's default StorageClass)",
    )
    group.addoption(
        "--dns-server",
        default=os.environ.get("KUBIA_DNS_SERVER"),
        metavar="HOST:PORT[,HOST:PORT...]",
        help="cluster DNS reachable from this machine, for the DNS checks; with several endpoints, each one is "
        "asked (default: $KUBIA_DNS_SERVER; without it, every cluster DNS pod is reached through a port-forward)",
    )
    group.addoption(
        "--cluster-domain",
        default="cluster.local",
        metavar="DOMAIN",
        help="the cluster's DNS domain (default: cluster.local)",
    )
    group.addoption(
        "--timeout-scale",
        type=float,
        default=1.0,
        metavar="FACTOR",
        help="multiply every timeout and quiet window by FACTOR, for slow clusters (default: 1.0)",
    )
    group.addoption(
        "--allow-disruption",
        action="store_true",
        help="allow the disruptive tests (they take nodes down) on this context even if it is not in "
        "--disruptive-contexts",
    )
    group.addoption(
        "--disruptive-contexts",
        default=DEFAULT_DISRUPTIVE_CONTEXTS,
        metavar="GLOBS",
        help="comma-separated context name patterns on which disruptive tests run "
        f"(default: {DEFAULT_DISRUPTIVE_CONTEXTS}); elsewhere they skip, or are refused when selected with "
        "-m disruptive",
    )
    group.addoption(
        "--node-fault",
        choices=tuple(NODE_FAULTS),
        default=os.environ.get("KUBIA_NODE_FAULT", "auto"),
        help="how the disruptive checks lose a node: "
        + "; ".join(f"{name}: {meaning}" for name, meaning in NODE_FAULTS.items())
        + ". The inside faults are undone by the node itself at a deadline, and by the suite as soon as the check "
        "ends. The report's header says which was used (default: $KUBIA_NODE_FAULT, else auto)",
    )
    group.addoption(
        "--node-fault-image",
        default=os.environ.get("KUBIA_NODE_FAULT_IMAGE", DEFAULT_NODE_FAULT_IMAGE),
        metavar="IMAGE",
        help="image of the privileged node-fault pod (partition, kubelet-stop): any image with python3 and nsenter; "
        f"the node's own nft and systemctl do the work (default: $KUBIA_NODE_FAULT_IMAGE, else "
        f"{DEFAULT_NODE_FAULT_IMAGE})",
    )
    group.addoption(
        "--node-stop-command",
        metavar="CMD",
        help="command that stops a node, {node} standing for its name (--node-fault command, or auto)",
    )
    group.addoption("--node-start-command", metavar="CMD", help="command that starts a stopped node again, with {node}")
    group.addoption(
        "--max-recovery",
        type=float,
        metavar="SECONDS",
        help="acceptance criterion: a node-loss check fails when its replacement pod is not Running and Ready within "
        "SECONDS of the force delete or the out-of-service taint (default: no limit; the time is reported either way)",
    )
    group.addoption(
        "--allow-foreign-pods",
        action="store_true",
        help="let disruptive tests stop a node that runs pods outside the suite's namespaces (DaemonSet pods aside)",
    )
    group.addoption(
        "--keep-namespaces",
        action="store_true",
        help="leave each test's namespace on the cluster for inspection instead of removing it",
    )
    group.addoption(
        "--timings",
        metavar="PATH",
        help="write where each check's time went, as JSON: the cluster converging (each wait, from start to the "
        "state's arrival), holds, watch syncs, the cluster lock and the suite's own overhead (scripts/bench reads it)",
    )
    group.addoption(
        "--report",
        metavar="DIR",
        help="write the acceptance report: DIR/report.json (schema: kubia_conformance/report/report.schema.json) and "
        "DIR/report.html, one self-contained page with the cluster's facts, a verdict per guarantee and each check's "
        "evidence and lifecycle picture",
    )


def read_options(config: pytest.Config) -> Options:
    """The options of this run; pytest.UsageError (one line, exit status 4) for values that cannot work."""
    scale = config.getoption("timeout_scale")
    if not scale > 0:
        raise pytest.UsageError(f"--timeout-scale must be a positive number, not {scale}")
    mode, storage_class = config.getoption("storage_mode"), config.getoption("storage_class")
    if storage_class and mode == "static":
        raise pytest.UsageError("--storage-class applies to --storage-mode dynamic only")
    stop, start = config.getoption("node_stop_command"), config.getoption("node_start_command")
    if bool(stop) != bool(start):
        raise pytest.UsageError("--node-stop-command and --node-start-command go together")
    for name, command in (("--node-stop-command", stop), ("--node-start-command", start)):
        if command and "{node}" not in command:
            raise pytest.UsageError(f"{name} must contain {{node}}, the node's name: {command!r}")
    fault = config.getoption("node_fault")
    if fault not in NODE_FAULTS:
        raise pytest.UsageError(f"--node-fault must be one of {', '.join(NODE_FAULTS)}, not {fault!r}")
    if fault == "command" and not stop:
        raise pytest.UsageError("--node-fault command needs --node-stop-command and --node-start-command")
    if stop and fault not in ("auto", "command"):
        raise pytest.UsageError(f"--node-stop-command and --node-start-command are --node-fault command, not {fault}")
    max_recovery = config.getoption("max_recovery")
    if max_recovery is not None and not max_recovery > 0:
        raise pytest.UsageError(f"--max-recovery must be a positive number of seconds, not {max_recovery}")
    report = config.getoption("report")
    if report and os.path.exists(report) and not os.path.isdir(report):
        raise pytest.UsageError(f"--report takes a folder, and {report} is a file")
    dns_server = config.getoption("dns_server")
    expression = config.getoption("markexpr") or ""
    return Options(
        kubeconfig=config.getoption("kubeconfig"),
        context=config.getoption("context"),
        image=config.getoption("image"),
        storage_mode=mode,
        storage_class=storage_class,
        dns_servers=parse_dns_servers(dns_server) if dns_server else (),
        cluster_domain=config.getoption("cluster_domain"),
        timeout_scale=scale,
        allow_disruption=config.getoption("allow_disruption"),
        disruptive_contexts=tuple(p.strip() for p in config.getoption("disruptive_contexts").split(",") if p.strip()),
        node_fault=fault,
        node_fault_image=config.getoption("node_fault_image"),
        node_stop_command=stop,
        node_start_command=start,
        max_recovery=max_recovery,
        allow_foreign_pods=config.getoption("allow_foreign_pods"),
        keep_namespaces=config.getoption("keep_namespaces"),
        timings=config.getoption("timings"),
        report=report,
        selects_disruptive="disruptive" in expression and "not disruptive" not in expression,
    )


def parse_dns_servers(value: str) -> tuple[tuple[str, int], ...]:
    """HOST:PORT endpoints (a bare HOST means port 53), comma-separated, as given to --dns-server; a malformed
    value is a usage error."""
    servers = []
    for item in value.split(","):
        host, _, port = item.strip().rpartition(":") if ":" in item else (item.strip(), ":", "53")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise pytest.UsageError(
                f"--dns-server must be HOST:PORT[,HOST:PORT...], e.g. 127.0.0.1:10053, not {value!r}"
            )
        servers.append((host, int(port)))
    return tuple(servers)
