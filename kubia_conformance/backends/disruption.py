"""Stopping and starting a cluster node on purpose: one interface, a backend per kind of cluster.

- Container nodes (kind, and the embedded local cluster): each node is a Docker or Podman container named after
  the node; stopping the node is stopping its container, as kind's maintainers recommend.
- Commands the user supplies, with a {node} placeholder, for any other cluster.
Tests never ask which one is in use.
"""

from __future__ import annotations

import fnmatch
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from typing import Protocol

from kubia_conformance.cluster.connect import Cluster, PreflightError
from kubia_conformance.cluster.objects import labels_of, name_of
from kubia_conformance.cluster.retry import api
from kubia_conformance.options import Options
from kubia_conformance.timeouts import Timeouts
from kubia_conformance.verdicts import InfrastructureError

CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"


class DisruptionError(InfrastructureError):
    """A stop or start command failed: an error of the check (the suite could not act), not a verdict."""


class NodeDisruption(Protocol):
    @property
    def description(self) -> str: ...

    def reason_cannot_stop(self, node: str) -> str | None:
        """None when this backend can stop node; otherwise why it cannot."""

    def stop(self, node: str) -> None: ...

    def start(self, node: str) -> None: ...


def run(command: list[str], timeout: float) -> str:
    try:
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise DisruptionError(f"`{shlex.join(command)}` failed: {error}") from None
    if done.returncode != 0:
        raise DisruptionError(
            f"`{shlex.join(command)}` exited {done.returncode}: {(done.stderr or done.stdout).strip()}"
        )
    return done.stdout


@dataclass(frozen=True)
class ContainerNodes:
    """Nodes that are containers of a local Docker or Podman engine, named after the node (kind, the local cluster)."""

    runtime: str
    timeout: float
    """One docker or podman command (Timeouts.node_command)."""

    @property
    def description(self) -> str:
        return f"{self.runtime} stop/start of the node's container"

    def reason_cannot_stop(self, node: str) -> str | None:
        try:
            run([self.runtime, "inspect", "--type", "container", node], self.timeout)
        except DisruptionError:
            return f"no {self.runtime} container named {node} on this machine"
        return None

    def stop(self, node: str) -> None:
        run([self.runtime, "stop", "--time", "0", node], self.timeout)

    def start(self, node: str) -> None:
        run([self.runtime, "start", node], self.timeout)


@dataclass(frozen=True)
class CommandNodes:
    """Nodes stopped and started by commands the user supplies, {node} standing for the node's name."""

    stop_command: str
    start_command: str
    timeout: float
    """One command (Timeouts.node_command)."""

    @property
    def description(self) -> str:
        return f"user commands: stop `{self.stop_command}`, start `{self.start_command}`"

    def reason_cannot_stop(self, node: str) -> str | None:
        return None

    def stop(self, node: str) -> None:
        run(shlex.split(self.stop_command.format(node=node)), self.timeout)

    def start(self, node: str) -> None:
        run(shlex.split(self.start_command.format(node=node)), self.timeout)


def find_backend(
    stop_command: str | None, start_command: str | None, sample_node: str | None, timeout: float
) -> NodeDisruption | None:
    """User commands when given; else the container engine that has a container named after a node; else None.
    timeout bounds each command (Timeouts.node_command)."""
    if stop_command and start_command:
        return CommandNodes(stop_command, start_command, timeout)
    if sample_node is None:
        return None
    for runtime in ("docker", "podman"):
        if shutil.which(runtime):
            backend = ContainerNodes(runtime, timeout)
            if backend.reason_cannot_stop(sample_node) is None:
                return backend
    return None


def choose_disruption(cluster: Cluster, options: Options, timeouts: Timeouts) -> tuple[NodeDisruption | None, str]:
    """How to stop a node here, or why the disruptive tests will not run (the reason their skips give).

    Raises PreflightError when the user selected them (-m disruptive) on a context where they are not allowed.
    """
    if cluster.in_cluster:
        refusal = "off: the suite runs inside the cluster, in a pod, where no node backend can stop a node"
        if options.selects_disruptive:
            raise PreflightError(f"disruptive tests were selected but cannot run: {refusal}")
        return None, refusal
    allowed = options.allow_disruption or any(
        fnmatch.fnmatchcase(cluster.context, pattern) for pattern in options.disruptive_contexts
    )
    if not allowed:
        refusal = (
            f"off: context {cluster.context!r} matches none of --disruptive-contexts "
            f"{','.join(options.disruptive_contexts)}; pass --allow-disruption to stop nodes of this cluster"
        )
        if options.selects_disruptive:
            raise PreflightError(f"disruptive tests were selected but are not allowed: {refusal}")
        return None, refusal
    workers = [name_of(n) for n in api(cluster.core.list_node).items if CONTROL_PLANE_LABEL not in labels_of(n)]
    sample = workers[0] if workers else None
    backend = find_backend(options.node_stop_command, options.node_start_command, sample, timeouts.node_command)
    if backend is None:
        return None, (
            "no way to stop a node: no docker or podman container is named after a node on this machine; "
            "pass --node-stop-command and --node-start-command"
        )
    return backend, ""


def backend_facts(backend: NodeDisruption | None, refusal: str) -> dict[str, str]:
    """The chosen backend (or why there is none) as plain strings: what an xdist worker needs to take its
    controller's choice instead of asking the cluster and the container engine again."""
    if isinstance(backend, ContainerNodes):
        return {"runtime": backend.runtime}
    if isinstance(backend, CommandNodes):
        return {"stop_command": backend.stop_command, "start_command": backend.start_command}
    return {"refusal": refusal}


def from_facts(facts: dict[str, str], timeout: float) -> tuple[NodeDisruption | None, str]:
    """The backend backend_facts described, each command bounded by timeout (Timeouts.node_command)."""
    if "runtime" in facts:
        return ContainerNodes(facts["runtime"], timeout), ""
    if "stop_command" in facts:
        return CommandNodes(facts["stop_command"], facts["start_command"], timeout), ""
    return None, facts["refusal"]
