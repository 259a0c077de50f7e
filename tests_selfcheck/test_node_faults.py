"""Node faults from inside the cluster, on kind's real nodes, when the run that made them dies: a run killed outright
(SIGKILL) in the middle of a partition leaves a node that comes back by itself at the fault's deadline, even with the
node agent killed too (the machine gone: only the node's own deadline is left, the kernel's nftables timeouts and a
systemd timer), and with nothing left on the node; and kubia-conformance-cleanup brings such a node back at once,
through the fault pod still on it. What the run left on the cluster, cleanup removes. And a cluster that refuses
privileged pods (an admission policy, as a policy engine or a managed mode has) is named in its own words: the one
error line when the disruptive checks are asked for, their skip otherwise.

Needs the kind cluster and the suite's image in it (its python3 and nsenter run the node agent); scripts/test runs
them there (marker kind_faults), two at once, each on a node of its own.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time

import pytest
import tenacity
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from test_bad_input import assert_one_clear_error

from conftest import REPO, run_suite_to_end, suite_command
from kubia_conformance.backends.node_agent import HEAL_UNIT, TABLE
from kubia_conformance.backends.outage import FAULT, STOPPED_BY
from kubia_conformance.cleanup import main as cleanup
from kubia_conformance.cluster.namespaces import (
    RUN_LABEL,
    SUITE,
    SUITE_LABEL,
    create_test_namespace,
    delete_namespace,
    label_value,
    run_and_other_namespaces,
)
from kubia_conformance.cluster.objects import annotations_of, is_node_ready, name_of
from kubia_conformance.cluster.watch import watch_for
from kubia_conformance.timeouts import Timeouts

pytestmark = [pytest.mark.kind_faults]

NODE_LOSS = "tests_conformance/test_node_loss.py::test_pod_on_a_lost_node_is_replaced_only_after_force_delete"
SCALE = 0.3
"""The killed run's --timeout-scale: its fault's deadline is 0.3 x 360 s = 108 s, so that waiting it out stays
short; kind's nodes go NotReady in about 20 s, within its 36 s, and its pods start in seconds, within its 18 s."""
DEADLINE = Timeouts().scaled(SCALE).node_fault_deadline
PARTITIONED_TIMEOUT = 240
"""The killed run, from its start to a node of its partitioned and NotReady (three replicas deployed first)."""
BACK_TIMEOUT = 120
"""A node, from its fault's end to Ready."""
EARLY = 3.0
"""How much earlier than its deadline a node may come back and still count as brought back by the deadline (the
deadline is read off the node's nftables, to the second)."""


def on_node(node: str, *command: str) -> str:
    """A command in kind's node container."""
    done = subprocess.run(["docker", "exec", node, *command], capture_output=True, text=True, timeout=60, check=False)
    return done.stdout + done.stderr


def partitioned_node(cluster, run: str) -> str:
    """Waits until a node is annotated as partitioned by a check of run and is no longer Ready; its name."""

    def found(nodes):
        for node in nodes.values():
            marks = annotations_of(node)
            if marks.get(FAULT) == "partition" and not is_node_ready(node):
                ours, _ = run_and_other_namespaces(cluster, run)
                if marks.get(STOPPED_BY) in ours:
                    return name_of(node)
        return None

    return watch_for(
        cluster.core.list_node, found, timeout=PARTITIONED_TIMEOUT, what="a node partitioned by the run, NotReady"
    )


def kill_a_run_mid_partition(cluster, run: str) -> str:
    """Starts the force-delete node-loss check with the partition fault, kills it outright (SIGKILL) once its node is
    NotReady; the node."""
    suite = subprocess.Popen(
        suite_command(
            NODE_LOSS,
            "--node-fault",
            "partition",
            "--node-fault-image",
            os.environ["KUBIA_SUITE_IMAGE"],
            "--timeout-scale",
            str(SCALE),
        ),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        node = partitioned_node(cluster, run)
    finally:
        os.killpg(suite.pid, signal.SIGKILL)
        output, _ = suite.communicate(timeout=60)
    print(f"the killed run's output:\n{output[-3000:]}")
    return node


def deadline_on(node: str) -> float:
    """When the node's own partition ends: now plus what nftables says its entries have left to live."""
    listed = on_node(node, "nft", "list", "set", "inet", TABLE, "api4")
    expires = re.search(r"expires (?:(\d+)m)?(\d+)s", listed)
    assert expires, f"no expiring entry in the partition's table on {node}:\n{listed}"
    return time.time() + int(expires.group(1) or 0) * 60 + int(expires.group(2))


def wait_ready(cluster, node: str, timeout: float) -> float:
    watch_for(
        cluster.core.list_node,
        lambda nodes: nodes.get(node) if node in nodes and is_node_ready(nodes[node]) else None,
        timeout=timeout,
        what=f"node {node} to be Ready again",
        field_selector=f"metadata.name={node}",
    )
    return time.time()


def assert_nothing_on(node: str) -> None:
    tables = on_node(node, "nft", "list", "tables")
    assert TABLE not in tables, f"the partition's table is still on {node}:\n{tables}"
    units = on_node(node, "systemctl", "list-units", "--all", "--no-legend", f"{HEAL_UNIT}*")
    assert HEAL_UNIT not in units, f"the deadline's systemd units are still on {node}:\n{units}"


def test_a_node_partitioned_by_a_killed_run_comes_back_by_itself_at_its_deadline(kind_cluster, kind_run, capsys):
    node = kill_a_run_mid_partition(kind_cluster, kind_run)
    deadline = deadline_on(node)
    assert deadline - time.time() > 30, "the deadline is too close to tell the node's own return from an early one"
    killed = on_node(node, "pkill", "--signal", "KILL", "--full", "node_agent.py")
    assert "node_agent" not in on_node(node, "pgrep", "--list-full", "--full", "node_agent.py"), killed

    back = wait_ready(kind_cluster, node, deadline - time.time() + BACK_TIMEOUT)
    assert back >= deadline - EARLY, f"{node} came back {deadline - back:.0f} s before its deadline: something else did"
    print(f"{node} Ready {back - deadline:.1f} s after its deadline, with the run and the node agent dead")
    assert_nothing_on(node)
    # The agent's pod may not show yet that it ended (it did so while its node was cut off): cleanup finds the node
    # Ready and the agent silent, and has nothing to heal.
    cleaned = cleanup(["--run", kind_run])
    said = capsys.readouterr()
    print(said.out, said.err)
    assert cleaned == 0, f"cleanup after the node came back by itself: {said.out} {said.err}"


def test_cleanup_brings_back_a_node_a_killed_run_left_partitioned(kind_cluster, kind_run, capsys):
    node = kill_a_run_mid_partition(kind_cluster, kind_run)
    deadline = deadline_on(node)

    assert cleanup(["--run", kind_run]) == 0
    back = time.time()
    said = capsys.readouterr().out
    assert f"node {node} back (partition undone)" in said, said
    assert back < deadline - 30, f"{node} came back only {deadline - back:.0f} s before its deadline"
    assert_nothing_on(node)


REFUSAL = "privileged containers are not allowed here (the kubia self-check's admission policy)"
POLICY = "kubia-selfcheck-no-privileged"


@pytest.fixture
def privileged_pods_refused(kind_cluster, kind_run):
    """A ValidatingAdmissionPolicy that refuses privileged pods in the namespaces of this run (kind_run), as a policy
    engine or a managed cluster's mode does (scoped to the run: other self-checks take nodes down beside it); removed
    afterwards."""
    admission = client.AdmissionregistrationV1Api(kind_cluster.api_client)
    admission.create_validating_admission_policy(
        {
            "metadata": {"name": POLICY},
            "spec": {
                "failurePolicy": "Fail",
                "matchConstraints": {
                    "resourceRules": [
                        {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]}
                    ],
                    "namespaceSelector": {"matchLabels": {SUITE_LABEL: SUITE, RUN_LABEL: label_value(kind_run)}},
                },
                "validations": [
                    {
                        "expression": "!object.spec.containers.exists(c, has(c.securityContext) && "
                        "has(c.securityContext.privileged) && c.securityContext.privileged)",
                        "message": REFUSAL,
                    }
                ],
            },
        }
    )
    admission.create_validating_admission_policy_binding(
        {"metadata": {"name": POLICY}, "spec": {"policyName": POLICY, "validationActions": ["Deny"]}}
    )
    try:
        in_force(kind_cluster)
        yield
    finally:
        admission.delete_validating_admission_policy_binding(POLICY)
        admission.delete_validating_admission_policy(POLICY)


def in_force(cluster) -> None:
    """Waits until the API server applies the policy (its policies are read from a watch): a privileged pod's dry
    run in a suite namespace is refused."""
    namespace = create_test_namespace(cluster, "admission-policy-probe")
    pod = {
        "metadata": {"name": "probe"},
        "spec": {"containers": [{"name": "c", "image": "x", "securityContext": {"privileged": True}}]},
    }

    def refused() -> None:
        try:
            cluster.core.create_namespaced_pod(namespace, pod, dry_run="All")
        except ApiException as error:
            if REFUSAL in str(error.body):
                return
            raise
        raise AssertionError("the admission policy is not in force yet")

    try:
        tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(AssertionError),
            wait=tenacity.wait_fixed(0.5),
            stop=tenacity.stop_after_delay(POLICY_IN_FORCE),
            reraise=True,
        )(refused)
    finally:
        delete_namespace(cluster, namespace)


POLICY_IN_FORCE = 30
"""The API server, from a new admission policy to applying it."""


@pytest.mark.usefixtures("privileged_pods_refused")
def test_a_cluster_that_refuses_privileged_pods_is_named_in_its_own_words():
    image = ["--node-fault", "partition", "--node-fault-image", os.environ["KUBIA_SUITE_IMAGE"]]
    selected = run_suite_to_end("-m", "disruptive", *image)
    print((selected.stdout + selected.stderr).strip()[-1000:])
    assert_one_clear_error(selected, "disruptive tests were selected but cannot run", "partition:", REFUSAL)

    skipped = run_suite_to_end(NODE_LOSS, "-rs", *image)
    output = skipped.stdout + skipped.stderr
    assert skipped.returncode == 0, output[-3000:]
    assert "1 skipped" in output, output[-3000:]
    assert REFUSAL in output, output[-3000:]
