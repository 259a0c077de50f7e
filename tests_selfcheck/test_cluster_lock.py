"""The cluster lock holds across runs that share nothing but the cluster (two CI runners, a person and the nightly
job): a run whose disruptive check holds the exclusive Lease makes a second run, with a lock directory of its own
(TMPDIR), wait before its first check starts, and both pass."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import datetime

import pytest
from kubernetes import watch

from conftest import REPO, suite_command
from kubia_conformance.cluster.lock import EXCLUSIVE, LOCK_SELECTOR, NAMESPACE

pytestmark = [pytest.mark.whole_cluster, pytest.mark.usefixtures("left_clean")]

DISRUPTIVE = "tests_conformance/test_node_loss.py::test_pod_on_a_lost_node_is_replaced_only_after_force_delete"
SHARED = "tests_conformance/test_smoke.py::test_kubia_deploys_with_one_bound_claim_per_pod"
RUN_TIMEOUT = 600
LEASE_TIMEOUT = 120


def lock_time(output: str, event: str) -> datetime:
    """When the run's lock log says event happened ("taken", "released"), as a time of day."""
    found = re.search(rf"^\s+(\d\d:\d\d:\d\d\.\d\d\d) .*cluster lock .*{event}", output, re.MULTILINE)
    assert found, f"the run's output has no lock log line for {event}:\n{output[-3000:]}"
    return datetime.strptime(found.group(1), "%H:%M:%S.%f")


def start_run(test: str, lock_dir: str) -> subprocess.Popen[str]:
    os.makedirs(lock_dir, exist_ok=True)
    return subprocess.Popen(
        suite_command(test),
        cwd=REPO,
        env={**os.environ, "TMPDIR": lock_dir},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_second_run_waits_for_the_disruptive_check_of_the_first(local_cluster, tmp_path):
    first = start_run(DISRUPTIVE, str(tmp_path / "first"))
    second = None
    try:
        stream = watch.Watch()
        for event in stream.stream(
            local_cluster.coordination.list_namespaced_lease,
            NAMESPACE,
            label_selector=LOCK_SELECTOR,
            timeout_seconds=LEASE_TIMEOUT,
        ):
            if event["type"] == "ADDED" and event["object"].metadata.name == EXCLUSIVE:
                stream.stop()
                break
        else:
            raise AssertionError(f"the first run never took the exclusive lock in {LEASE_TIMEOUT} s")
        second = start_run(SHARED, str(tmp_path / "second"))
        first_output, _ = first.communicate(timeout=RUN_TIMEOUT)
        second_output, _ = second.communicate(timeout=RUN_TIMEOUT)
    finally:
        for run in (first, second):
            if run is not None and run.poll() is None:
                run.kill()

    assert first.returncode == 0, f"the disruptive run failed:\n{first_output[-3000:]}"
    assert second.returncode == 0, f"the second run failed:\n{second_output[-3000:]}"
    released = lock_time(first_output, "released")
    taken = lock_time(second_output, "taken")
    waited = re.search(r"taken after (\d+\.\d) s", second_output)
    print(
        f"\nexclusive lock released by the first run at {released:%H:%M:%S.%f}; the second run's shared lock "
        f"taken at {taken:%H:%M:%S.%f}, after waiting {waited.group(1) if waited else '?'} s"
    )
    assert taken >= released, (
        f"the second run took its shared lock at {taken:%H:%M:%S.%f}, before the first run released the exclusive "
        f"lock at {released:%H:%M:%S.%f}"
    )
