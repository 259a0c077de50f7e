"""The shipped RBAC (manifests/rbac/kubia-conformance.yaml) is enough: the whole non-disruptive suite passes with
exactly that role, as a ServiceAccount's token, and the same role less one rule is one clear error line before
any check runs (the preflight asks for every rule of the file).

These run the suite and bind a ClusterRole: marker whole_cluster.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client
from test_bad_input import assert_one_clear_error

from conftest import run_suite_to_end, shipped_rbac_applied, token_kubeconfig
from kubia_conformance.report.results import read_outcomes

pytestmark = [pytest.mark.whole_cluster, pytest.mark.usefixtures("left_clean")]

ACCOUNT = ("kubia-conformance", "kubia-conformance")
"""(namespace, name) of the ServiceAccount the manifest binds."""


@pytest.fixture
def shipped_role(local_cluster, tmp_path) -> Iterator[Path]:
    """The manifest applied as it is; a kubeconfig for its ServiceAccount. Everything removed afterwards."""
    with shipped_rbac_applied(local_cluster):
        namespace, name = ACCOUNT
        token = local_cluster.core.create_namespaced_service_account_token(name, namespace, {"spec": {}}).status.token
        yield token_kubeconfig(local_cluster, tmp_path / "kubeconfig", name, token)


def test_the_shipped_role_is_enough_for_every_non_disruptive_check(shipped_role, tmp_path):
    junit = tmp_path / "junit.xml"
    run_suite_to_end(
        "tests_conformance",
        "--kubeconfig",
        str(shipped_role),
        "-m",
        "not disruptive",
        "-n",
        "16",
        "--junitxml",
        str(junit),
    )
    outcomes = read_outcomes(junit)
    not_passed = [f"{o.check} {o.outcome}: {o.message[:300]}" for o in outcomes.values() if o.outcome != "passed"]
    skips = [o for o in outcomes.values() if o.outcome == "skipped"]
    assert len(outcomes) >= 28, f"only {len(outcomes)} checks ran"
    assert all("needs running containers" in o.message for o in skips), "\n".join(not_passed)
    assert len(not_passed) == len(skips), "with exactly the shipped role:\n" + "\n".join(not_passed)


def test_the_role_less_one_rule_is_one_error_line(shipped_role, local_cluster):
    rbac = client.RbacAuthorizationV1Api(local_cluster.api_client)
    role = rbac.read_cluster_role("kubia-conformance")
    role.rules = [rule for rule in role.rules if rule.resources != ["events"]]
    rbac.replace_cluster_role("kubia-conformance", role)
    assert_one_clear_error(
        run_suite_to_end("tests_conformance", "--kubeconfig", str(shipped_role), "-m", "not disruptive"),
        "RBAC forbids context 'kubia-conformance' to list events",
    )
