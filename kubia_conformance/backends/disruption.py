"""Losing a cluster node on purpose: one interface, a backend per way of doing it.

- container-stop: each node is a Docker or Podman container named after the node (kind, the embedded local
  cluster); the node is lost as a machine is, its containers with it, as kind's maintainers recommend.
- command: commands the user supplies, with a {node} placeholder, for any other cluster.
- partition and kubelet-stop (node_faults.py): from inside the cluster, a privileged pod on the node cuts it off from
  the API server or stops its kubelet; its containers run on, and the node undoes the fault by itself at a deadline.
Tests never ask which one is in use; node_choice.py chooses one per session.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from dataclasses import dataclass

from kubia_conformance.verdicts import InfrastructureError

CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"


class DisruptionError(InfrastructureError):
    """A node could not be taken down or brought back: an error of the check (the suite could not act), not a
    verdict."""


class FaultRefused(DisruptionError):
    """The cluster (admission, a policy) or the node (no nftables, no systemd kubelet) refuses the fault: the check
    skips naming the refusal, or, when the disruptive checks were asked for, errors."""


@dataclass(frozen=True)
class NodeProcess:
    """A process of a pod, seen on its node."""

    pid: int
    command: str
    started: float
    """Seconds since the epoch, by the node's clock."""
    sandbox: bool
    """The pod's sandbox (pause), not one of its containers."""


class NodeBackend:
    """How to lose a node and bring it back. A backend that sees the node from inside (node_faults.py) also says which
    processes of a pod still run there."""

    @property
    def name(self) -> str:
        """The --node-fault value that chooses this backend."""
        raise NotImplementedError

    @property
    def description(self) -> str:
        raise NotImplementedError

    @property
    def namespace_labels(self) -> dict[str, str]:
        """Labels the namespace of a check that takes a node down must carry (Pod Security for a privileged pod)."""
        return {}

    @property
    def containers_survive(self) -> bool:
        """The lost node's containers run on (a partition, a stopped kubelet), as opposed to going with it."""
        return False

    def reason_cannot_stop(self, node: str) -> str | None:
        """None when this backend can take node down; otherwise why it cannot."""
        return None

    def prepare(self, node: str, namespace: str) -> None:
        """Gets ready to take node down for the check of namespace, before the check deploys anything."""

    def stop(self, node: str) -> str:
        """Takes node down; what was done, in words."""
        raise NotImplementedError

    def start(self, node: str) -> str:
        """Brings node back; what was done, in words."""
        raise NotImplementedError

    def processes(self, node: str, uid: str, wait: float = 0.0) -> list[NodeProcess] | None:
        """The processes of pod uid still on node (with wait: until there are none, or wait seconds passed); None when
        this backend cannot see inside the node."""
        return None

    def release(self, node: str) -> None:
        """Gives up what prepare() made, once the node is back."""


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
class ContainerNodes(NodeBackend):
    """Nodes that are containers of a local Docker or Podman engine, named after the node (kind, the local cluster)."""

    runtime: str
    timeout: float
    """One docker or podman command (Timeouts.node_command)."""

    @property
    def name(self) -> str:
        return "container-stop"

    @property
    def description(self) -> str:
        return f"container-stop: {self.runtime} stop/start of the node's container"

    def reason_cannot_stop(self, node: str) -> str | None:
        try:
            run([self.runtime, "inspect", "--type", "container", node], self.timeout)
        except DisruptionError:
            return f"no {self.runtime} container named {node} on this machine"
        return None

    def stop(self, node: str) -> str:
        run([self.runtime, "stop", "--time", "0", node], self.timeout)
        return f"stopped ({self.runtime} stop of its container)"

    def start(self, node: str) -> str:
        run([self.runtime, "start", node], self.timeout)
        return f"started ({self.runtime} start of its container)"


@dataclass(frozen=True)
class CommandNodes(NodeBackend):
    """Nodes stopped and started by commands the user supplies, {node} standing for the node's name."""

    stop_command: str
    start_command: str
    timeout: float
    """One command (Timeouts.node_command)."""

    @property
    def name(self) -> str:
        return "command"

    @property
    def description(self) -> str:
        return f"command: stop `{self.stop_command}`, start `{self.start_command}`"

    def stop(self, node: str) -> str:
        run(shlex.split(self.stop_command.format(node=node)), self.timeout)
        return f"stopped (`{self.stop_command.format(node=node)}`)"

    def start(self, node: str) -> str:
        run(shlex.split(self.start_command.format(node=node)), self.timeout)
        return f"started (`{self.start_command.format(node=node)}`)"


def find_backend(
    stop_command: str | None, start_command: str | None, sample_node: str | None, timeout: float
) -> NodeBackend | None:
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
