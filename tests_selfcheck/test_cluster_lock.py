"""A disruptive check does not stop the world: it reserves the node it takes down, and a second run that shares
nothing but the cluster (two CI runners, a person and the nightly job) goes on beside it, with none of its pods on
that node, and both pass. Two disruptive checks still go one at a time (the disruption lock)."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import threading
import uuid
from datetime import datetime

import pytest
import urllib3
from kubernetes import watch

from conftest import REPO, suite_command
from kubia_conformance.backends.reservation import RESERVED
from kubia_conformance.cluster.namespaces import RUN_LABEL, SUITE_SELECTOR

pytestmark = [pytest.mark.whole_cluster, pytest.mark.usefixtures("left_clean")]

DISRUPTIVE = "tests_conformance/test_node_loss.py::test_pod_on_a_lost_node_is_replaced_only_after_force_delete"
BESIDE = (
    "tests_conformance/test_ordered_creation.py::test_each_pod_is_created_after_its_predecessor_is_running_and_ready"
)
RUN_TIMEOUT = 600
RESERVATION_TIMEOUT = 120


def log_time(output: str, event: str) -> datetime:
    """When the run's reservation log says event happened, as a time of day."""
    found = re.search(rf"^\s+(\d\d:\d\d:\d\d\.\d\d\d) .*{event}", output, re.MULTILINE)
    assert found, f"the run's output has no log line for {event}:\n{output[-3000:]}"
    return datetime.strptime(found.group(1), "%H:%M:%S.%f")


def start_run(test: str, run: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        suite_command(test),
        cwd=REPO,
        env={**os.environ, "KUBIA_RUN_ID": run},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


class Placements:
    """Every node a suite pod was put on, by the run of its namespace: a watch of namespaces and one of pods."""

    def __init__(self, cluster) -> None:
        self.runs: dict[str, str] = {}
        self.nodes: dict[str, set[str]] = {}
        self._streams = [watch.Watch(), watch.Watch()]
        self._threads = [
            threading.Thread(target=self._namespaces, args=(cluster,), daemon=True),
            threading.Thread(target=self._pods, args=(cluster,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _namespaces(self, cluster) -> None:
        with contextlib.suppress(urllib3.exceptions.HTTPError):  # the connection shut by stop()
            for event in self._streams[0].stream(cluster.core.list_namespace, label_selector=SUITE_SELECTOR):
                labels = event["object"].metadata.labels or {}
                self.runs[event["object"].metadata.name] = labels.get(RUN_LABEL, "")

    def _pods(self, cluster) -> None:
        with contextlib.suppress(urllib3.exceptions.HTTPError):
            for event in self._streams[1].stream(cluster.core.list_pod_for_all_namespaces, label_selector="app=kubia"):
                pod = event["object"]
                if pod.spec.node_name:
                    self.nodes.setdefault(pod.metadata.namespace, set()).add(pod.spec.node_name)

    def of_run(self, run: str) -> set[str]:
        return {node for ns, nodes in self.nodes.items() if self.runs.get(ns) == run for node in nodes}

    def stop(self) -> None:
        for stream in self._streams:
            stream.stop()


def test_a_second_run_goes_on_beside_a_disruptive_check_and_keeps_off_its_node(local_cluster):
    first_run, second_run = f"first-{uuid.uuid4().hex[:8]}", f"second-{uuid.uuid4().hex[:8]}"
    placements = Placements(local_cluster)
    first = start_run(DISRUPTIVE, first_run)
    second = None
    try:
        stream = watch.Watch()
        reserved = None
        for event in stream.stream(local_cluster.core.list_node, timeout_seconds=RESERVATION_TIMEOUT):
            if any(t.key == RESERVED for t in event["object"].spec.taints or []):
                reserved = event["object"].metadata.name
                stream.stop()
                break
        assert reserved, f"the first run reserved no node in {RESERVATION_TIMEOUT} s"
        second = start_run(BESIDE, second_run)
        second_output, _ = second.communicate(timeout=RUN_TIMEOUT)
        second_done = datetime.now()
        first_output, _ = first.communicate(timeout=RUN_TIMEOUT)
    finally:
        placements.stop()
        for run in (first, second):
            if run is not None and run.poll() is None:
                run.kill()

    assert first.returncode == 0, f"the disruptive run failed:\n{first_output[-3000:]}"
    assert second.returncode == 0, f"the second run failed:\n{second_output[-3000:]}"
    released = log_time(first_output, "reservation released")
    second_nodes = placements.of_run(second_run)
    print(
        f"\nnode {reserved} reserved by the first run; the second run's pods went on {', '.join(sorted(second_nodes))}"
        f"; the second run ended at {second_done:%H:%M:%S}, the first run released its node at {released:%H:%M:%S}"
    )
    assert second_nodes, "the second run's pods were never seen scheduled"
    assert reserved not in second_nodes, f"a pod of the second run was put on the reserved node {reserved}"
    assert second_done.time() < released.time(), (
        f"the second run ended at {second_done:%H:%M:%S.%f}, after the first released its node at "
        f"{released:%H:%M:%S.%f}: it did not run beside the disruptive check"
    )
