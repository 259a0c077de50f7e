"""A run that fails or is interrupted (Ctrl-C) leaves nothing behind: no namespace, no volume, no stopped node,
no out-of-service taint, no suite annotation. Interrupts land mid-deploy, mid-quiet-window and mid-node-loss, each
detected by watching the cluster, not by timing. What a run killed outright left, cleanup removes, and with --run
only that run's, sparing another run's running checks."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from kubernetes import watch

from conftest import REPO, assert_nothing_left, run_suite_to_end, suite_command
from kubia_conformance.backends.outage import STOPPED_BY
from kubia_conformance.backends.readiness import READINESS_LABEL, UNREADY
from kubia_conformance.backends.reservation import reserved_nodes, set_reservation, workers
from kubia_conformance.cleanup import main as cleanup
from kubia_conformance.cluster.lock import NAMESPACE as LEASE_NAMESPACE
from kubia_conformance.cluster.lock import NODE_PREFIX, lease_body, suite_leases
from kubia_conformance.cluster.namespaces import RUN_LABEL, SUITE, SUITE_LABEL, suite_namespaces

pytestmark = [pytest.mark.whole_cluster, pytest.mark.usefixtures("left_clean")]

NODE_LOSS = "tests_conformance/test_node_loss.py::test_pod_on_a_lost_node_is_replaced_only_after_force_delete"
QUIET_WINDOW = (
    "tests_conformance/test_ordered_creation.py::test_an_unready_pod_holds_back_its_successor_until_it_is_ready"
)
DEPLOY = "tests_conformance/test_smoke.py::test_kubia_deploys_with_one_bound_claim_per_pod"
POINT_TIMEOUT = 120
WITH_DEFAULT_SIGINT = [
    sys.executable,
    "-c",
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])",
]
"""Runs the command that follows with SIGINT at its default: a run started in the background by a shell inherits
it ignored, and would not stop."""


def node_stopped(cluster):
    return cluster.core.list_node, {}, lambda node: STOPPED_BY in (node.metadata.annotations or {})


def pod_made_unready(cluster):
    return (
        cluster.core.list_pod_for_all_namespaces,
        {"label_selector": f"{READINESS_LABEL}={UNREADY}"},
        lambda pod: True,
    )


def kubia_pod_created(cluster):
    return cluster.core.list_pod_for_all_namespaces, {"label_selector": "app=kubia"}, lambda pod: True


@pytest.mark.parametrize(
    ("test", "point"),
    [(DEPLOY, kubia_pod_created), (QUIET_WINDOW, pod_made_unready), (NODE_LOSS, node_stopped)],
    ids=["mid-deploy", "mid-quiet-window", "mid-node-loss"],
)
def test_an_interrupted_run_leaves_nothing_behind(local_cluster, test, point, tmp_path):
    run = subprocess.Popen(
        [*WITH_DEFAULT_SIGINT, *suite_command(test, "--storage-mode", "static")],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        list_call, kwargs, reached = point(local_cluster)
        stream = watch.Watch()
        for event in stream.stream(list_call, timeout_seconds=POINT_TIMEOUT, **kwargs):
            if event["type"] != "DELETED" and reached(event["object"]):
                stream.stop()
                break
        else:
            raise AssertionError(f"the run never reached the point of interruption ({point.__name__})")
        run.send_signal(signal.SIGINT)
        output, _ = run.communicate(timeout=300)
    finally:
        if run.poll() is None:
            run.kill()
    assert "KeyboardInterrupt" in output, f"the run was not interrupted:\n{output[-3000:]}"
    assert_nothing_left(local_cluster)


def test_a_failing_node_loss_scenario_restores_the_node(local_cluster):
    # A tenth of every timeout: the node is stopped, then the wait for NotReady (16 s here) gives up first.
    result = run_suite_to_end(NODE_LOSS, "--timeout-scale", "0.1")

    output = result.stdout + result.stderr
    assert "stopped (" in output, f"expected the scenario to stop a node:\n{output[-3000:]}"
    assert result.returncode == 1, f"expected the scenario to fail after the stop:\n{output[-3000:]}"
    assert_nothing_left(local_cluster)


def test_cleaning_up_one_run_spares_what_another_runs_checks_hold(local_cluster):
    """`cleanup --run` on a shared cluster: a killed run's namespace and Lease go, and so do a reservation and a Lease
    whose check's namespace is gone; a running check of another run keeps its node reservation and its Lease."""
    every, _ = workers(local_cluster)
    held, orphaned = every[0], every[1]
    running = create_namespace_of_run(local_cluster, "another-run")
    killed = create_namespace_of_run(local_cluster, "killed-run")
    try:
        set_reservation(local_cluster, held, running)
        set_reservation(local_cluster, orphaned, "kubia-gone")
        for owner in (running, killed, "kubia-gone"):
            body = lease_body(f"{NODE_PREFIX}test-{owner}", "node", "a test", 60, owner=owner)
            local_cluster.coordination.create_namespaced_lease(LEASE_NAMESPACE, body)

        result = subprocess.run(
            [sys.executable, "-m", "kubia_conformance.cleanup", "--run", "killed-run"],
            capture_output=True,
            text=True,
            timeout=POINT_TIMEOUT,
            check=False,
        )
        assert result.returncode == 0, f"cleanup --run failed:\n{result.stdout}{result.stderr}"
        assert set(suite_namespaces(local_cluster)) == {running}, result.stdout
        assert reserved_nodes(local_cluster) == {held: running}, result.stdout
        assert suite_leases(local_cluster) == {f"{NODE_PREFIX}test-{running}": running}, result.stdout
        assert_nothing_left(local_cluster, run="killed-run")
        with pytest.raises(AssertionError, match=f"nodes left disrupted: {held}"):
            assert_nothing_left(local_cluster)
    finally:
        cleanup([])


def create_namespace_of_run(cluster, run):
    body = {"metadata": {"generateName": "kubia-", "labels": {SUITE_LABEL: SUITE, RUN_LABEL: run}}}
    return cluster.core.create_namespace(body).metadata.name


def test_a_replacement_slower_than_max_recovery_fails_the_check_with_its_figure(local_cluster, tmp_path):
    """--max-recovery is an acceptance criterion that can fail: half a second is less than any replacement here takes
    (its volume is pinned to the lost node, so it waits for the node to come back). The figures reach JUnit."""
    junit = tmp_path / "junit.xml"
    result = run_suite_to_end(NODE_LOSS, "--max-recovery", "0.5", "--junitxml", str(junit))

    output = result.stdout + result.stderr
    assert result.returncode == 1, f"expected the check to fail on --max-recovery:\n{output[-3000:]}"
    assert "node loss (recovery within --max-recovery): the replacement kubia-0 was Running and Ready" in output, (
        output[-3000:]
    )
    assert "--max-recovery is 0.5 s" in output, output[-3000:]
    properties = junit.read_text()
    for figure in ("fault to NotReady", "force delete to replacement Ready", "heal to node Ready"):
        assert f'name="figure: {figure}"' in properties, figure
    assert_nothing_left(local_cluster)
