"""A node-loss scenario that fails or is interrupted (Ctrl-C) still brings its node back: started, Ready, without
the out-of-service taint or the suite's annotation, and the test's namespace removed."""

from __future__ import annotations

import signal
import subprocess

from kubernetes import watch

from conftest import REPO, run_suite_to_end, suite_command
from fixtures.namespaces import suite_namespaces
from fixtures.nodes import OUT_OF_SERVICE, STOPPED_BY, node_ready

NODE_LOSS = "tests_conformance/test_node_loss.py::test_pod_on_a_lost_node_is_replaced_only_after_force_delete"
STOP_SEEN_TIMEOUT = 120


def assert_cluster_whole(cluster):
    nodes = cluster.core.list_node().items
    broken = [
        f"{n.metadata.name} Ready={node_ready(n)} annotations={sorted(k for k in (n.metadata.annotations or {}) if k == STOPPED_BY)} "
        f"taints={[t.key for t in n.spec.taints or [] if t.key == OUT_OF_SERVICE.key]}"
        for n in nodes
        if node_ready(n) != "True" or STOPPED_BY in (n.metadata.annotations or {})
        or any(t.key == OUT_OF_SERVICE.key for t in n.spec.taints or [])
    ]
    assert not broken, f"nodes left disrupted: {broken}"
    assert not suite_namespaces(cluster), f"namespaces left behind: {suite_namespaces(cluster)}"


def test_a_failing_node_loss_scenario_restores_the_node(local_cluster):
    # A tenth of every timeout: the node is stopped, then the wait for NotReady (16 s here) gives up first.
    result = run_suite_to_end(NODE_LOSS, "--timeout-scale", "0.1")

    output = result.stdout + result.stderr
    assert result.returncode == 1 and "node kubia-local-worker" in output and "stopped" in output, (
        f"expected the scenario to stop a node and then fail:\n{output[-3000:]}"
    )
    assert_cluster_whole(local_cluster)


def test_an_interrupted_node_loss_scenario_restores_the_node(local_cluster):
    run = subprocess.Popen(suite_command(NODE_LOSS), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        stream = watch.Watch()
        for event in stream.stream(local_cluster.core.list_node, timeout_seconds=STOP_SEEN_TIMEOUT):
            if STOPPED_BY in (event["object"].metadata.annotations or {}):
                stream.stop()
                break
        else:
            raise AssertionError("the scenario never stopped a node")
        run.send_signal(signal.SIGINT)
        output, _ = run.communicate(timeout=300)
    finally:
        if run.poll() is None:
            run.kill()
    assert "KeyboardInterrupt" in output, f"the run was not interrupted:\n{output[-3000:]}"
    assert_cluster_whole(local_cluster)
