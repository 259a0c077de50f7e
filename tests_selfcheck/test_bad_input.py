"""Bad input gets one clear error line and a non-zero exit, never a traceback per test.

Each case runs the real suite in a subprocess, as a user would, against a kubeconfig that is broken in one way.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import token_kubeconfig

REPO = Path(__file__).resolve().parent.parent
USAGE_ERROR = 4


def run_suite(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        check=False,
        args=[sys.executable, "-m", "pytest", "tests_conformance", "-p", "no:cacheprovider", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def write_kubeconfig(path: Path, server: str, context: str = "test") -> Path:
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters: [{{name: c, cluster: {{server: '{server}'}}}}]\n"
        "users: [{name: u, user: {token: not-a-token}}]\n"
        f"contexts: [{{name: {context}, context: {{cluster: c, user: u}}}}]\n"
        f"current-context: {context}\n"
    )
    return path


def assert_one_clear_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    """Exit 4 and one error: the suite's "ERROR: ..." line, or for a malformed option argparse's "error: ..." line."""
    output = result.stdout + result.stderr
    errors = [line for line in output.splitlines() if line.startswith("ERROR:") and "usage:" not in line]
    errors += [line for line in output.splitlines() if "pytest: error:" in line]
    assert result.returncode == USAGE_ERROR, f"exit {result.returncode}, expected {USAGE_ERROR}:\n{output}"
    assert len(errors) == 1, f"expected exactly one error line:\n{output}"
    assert "Traceback" not in output, f"traceback in output:\n{output}"
    assert "INTERNALERROR" not in output, f"internal error in output:\n{output}"
    for fragment in expected:
        assert fragment in errors[0], f"{fragment!r} missing from the error line: {errors[0]}"


def test_missing_kubeconfig(tmp_path):
    assert_one_clear_error(run_suite("--kubeconfig", str(tmp_path / "absent")), "cannot load kubeconfig", "absent")


def test_invalid_kubeconfig(tmp_path):
    broken = tmp_path / "broken"
    broken.write_text("this: [is not, a kubeconfig")
    assert_one_clear_error(run_suite("--kubeconfig", str(broken)), "kubeconfig", str(broken))


def test_unknown_context(tmp_path):
    kubeconfig = write_kubeconfig(tmp_path / "config", "https://127.0.0.1:1")
    assert_one_clear_error(
        run_suite("--kubeconfig", str(kubeconfig), "--context", "nope"), "context 'nope' is not in kubeconfig", "test"
    )


def test_unreachable_server(tmp_path):
    kubeconfig = write_kubeconfig(tmp_path / "config", "https://127.0.0.1:1")
    assert_one_clear_error(run_suite("--kubeconfig", str(kubeconfig)), "cannot reach server https://127.0.0.1:1")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--timeout-scale", "0"], "--timeout-scale must be a positive number"),
        (["--timeout-scale", "soon"], "--timeout-scale"),
        (["--storage-mode", "magic"], "--storage-mode"),
        (["--storage-mode", "static", "--storage-class", "standard"], "--storage-class applies to"),
        (["--dns-server", "127.0.0.1:notaport"], "--dns-server must be HOST:PORT"),
        (["--node-fault", "sideways"], "--node-fault"),
        (["--node-fault", "command"], "--node-fault command needs --node-stop-command"),
        (
            ["--node-fault", "partition", "--node-stop-command", "x {node}", "--node-start-command", "y {node}"],
            "are --node-fault command",
        ),
        (["--max-recovery", "0"], "--max-recovery must be a positive number"),
    ],
)
def test_invalid_option_values(args, expected):
    assert_one_clear_error(run_suite(*args), expected)


def test_help_markers_and_collect_only_need_no_cluster(tmp_path):
    absent = str(tmp_path / "absent")
    help_text = run_suite("--help", "--kubeconfig", absent)
    assert help_text.returncode == 0, help_text.stdout + help_text.stderr
    assert "--kubeconfig" in help_text.stdout, "pytest --help does not list --kubeconfig"
    assert "--timeout-scale" in help_text.stdout, "pytest --help does not list --timeout-scale"
    collected = run_suite("--collect-only", "-q", "--kubeconfig", absent)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    markers = run_suite("--markers", "--kubeconfig", absent)
    assert markers.returncode == 0, markers.stdout + markers.stderr
    assert "@pytest.mark.disruptive:" in markers.stdout, "pytest --markers does not explain the disruptive marker"


# -- against the embedded local cluster ----------------------------------------------------------------------------


def local_suite(*args):
    return run_suite("--dns-server", os.environ.get("KUBIA_DNS_SERVER", ""), *args)


def test_unreachable_dns_server(local_cluster):
    assert_one_clear_error(local_suite("--dns-server", "127.0.0.1:9"), "--dns-server 127.0.0.1:9", "did not answer")


def test_one_unreachable_dns_endpoint_of_several(local_cluster):
    healthy = os.environ["KUBIA_DNS_SERVER"].split(",")[0]
    assert_one_clear_error(
        local_suite("--dns-server", f"{healthy},127.0.0.1:9"), "--dns-server 127.0.0.1:9", "did not answer"
    )


def test_missing_storage_class(local_cluster):
    assert_one_clear_error(local_suite("--storage-class", "gold"), "StorageClass 'gold' does not exist", "standard")


def test_disruptive_tests_on_a_context_that_is_not_allowed(local_cluster):
    assert_one_clear_error(
        local_suite("-m", "disruptive", "--disruptive-contexts", "kind-*"),
        "disruptive tests were selected but are not allowed",
        "kwok-kubia-local",
        "--allow-disruption",
    )


def test_a_node_fault_the_cluster_cannot_do(local_cluster):
    assert_one_clear_error(
        local_suite("-m", "disruptive", "--node-fault", "partition"),
        "disruptive tests were selected but cannot run",
        "partition: node kubia-local-worker is simulated (kwok-",
    )


@pytest.fixture
def forbidden_kubeconfig(local_cluster, tmp_path):
    """A kubeconfig for a ServiceAccount that RBAC grants nothing."""
    core = local_cluster.core
    account = core.create_namespaced_service_account(
        "default", {"metadata": {"generateName": "kubia-selfcheck-nobody-"}}
    ).metadata.name
    try:
        token = core.create_namespaced_service_account_token(account, "default", {"spec": {}}).status.token
        yield token_kubeconfig(local_cluster, tmp_path / "forbidden", "nobody", token)
    finally:
        core.delete_namespaced_service_account(account, "default")


def test_rbac_forbidden(forbidden_kubeconfig):
    assert_one_clear_error(
        local_suite("--kubeconfig", str(forbidden_kubeconfig)), "RBAC forbids context 'nobody' to create namespaces"
    )


@pytest.fixture
def no_default_storage_class(local_cluster):
    """The local cluster's default StorageClass made an ordinary one for the duration."""
    annotation = "storageclass.kubernetes.io/is-default-class"
    storage = local_cluster.storage
    defaults = [
        sc.metadata.name
        for sc in storage.list_storage_class().items
        if (sc.metadata.annotations or {}).get(annotation) == "true"
    ]
    for name in defaults:
        storage.patch_storage_class(name, {"metadata": {"annotations": {annotation: "false"}}})
    try:
        yield
    finally:
        for name in defaults:
            storage.patch_storage_class(name, {"metadata": {"annotations": {annotation: "true"}}})


@pytest.mark.whole_cluster
@pytest.mark.usefixtures("no_default_storage_class")
def test_no_storage_class_and_no_static_mode(local_cluster):
    assert_one_clear_error(local_suite(), "no default StorageClass", "--storage-mode static")
