"""Fixtures of the self-checks: the suite run as a user runs it, against the embedded local cluster."""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import utils
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import NotFoundError

from kubia_conformance.backends.outage import OUT_OF_SERVICE, STOPPED_BY
from kubia_conformance.backends.reservation import RESERVED
from kubia_conformance.cleanup import main as cleanup
from kubia_conformance.cluster.connect import Cluster, connect
from kubia_conformance.cluster.lock import suite_leases
from kubia_conformance.cluster.manifests import MANIFESTS, load_manifests
from kubia_conformance.cluster.namespaces import OWNER_LABEL, RUN_LABEL, SUITE_SELECTOR, run_and_other_namespaces
from kubia_conformance.cluster.objects import node_ready
from kubia_conformance.cluster.watch import WaitTimeout, watch_until

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def local_cluster() -> Cluster:
    """The embedded local cluster (scripts/local-cluster up), found through KUBECONFIG and KUBIA_DNS_SERVER."""
    if not os.environ.get("KUBECONFIG") or not os.environ.get("KUBIA_DNS_SERVER"):
        pytest.skip('needs the embedded local cluster: eval "$(scripts/local-cluster env)" before running')
    return connect(None, None, 10.0)


@pytest.fixture(scope="session")
def kind_cluster() -> Cluster:
    """The kind cluster (scripts/kind-cluster up) with the suite's image loaded, found through KUBECONFIG,
    KUBIA_CONTEXT and KUBIA_SUITE_IMAGE."""
    if not os.environ.get("KUBIA_SUITE_IMAGE") or not os.environ.get("KUBIA_CONTEXT", "").startswith("kind-"):
        pytest.skip("needs the kind cluster and the suite's image in it: KUBIA_CONTEXT and KUBIA_SUITE_IMAGE")
    return connect(None, None, 10.0)


@pytest.fixture(scope="session")
def kind_nodes() -> Cluster:
    """The kind cluster (scripts/kind-cluster up), found through KUBECONFIG and KUBIA_CONTEXT: real containers, and
    nodes that are containers of this machine's Docker."""
    if not os.environ.get("KUBIA_CONTEXT", "").startswith("kind-"):
        pytest.skip('needs the kind cluster: eval "$(scripts/kind-cluster env)" before running')
    return connect(None, None, 10.0)


LEFTOVERS_GONE_TIMEOUT = 180
"""How long the namespaces of a run that ended under a defect may take to go, once the defect is removed."""
VOLUME_GONE_TIMEOUT = 60
"""A volume is deleted with its test but stays until its claim is gone (pv-protection)."""


def owners(node: object) -> set[str]:
    """The namespaces of the checks that stopped or reserved the node."""
    stopped = (node.metadata.annotations or {}).get(STOPPED_BY)
    return {str(t.value) for t in node.spec.taints or [] if t.key == RESERVED} | ({stopped} if stopped else set())


def disrupted_nodes(cluster: Cluster, spared: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Nodes not as the suite found them (not Ready, stopped, tainted out-of-service, cordoned or reserved), but for
    those a running check holds (spared: the namespaces of the checks of other runs)."""
    return [
        f"{n.metadata.name} Ready={node_ready(n)}"
        f"{' annotated ' + STOPPED_BY if STOPPED_BY in (n.metadata.annotations or {}) else ''}"
        f"{' tainted out-of-service' if any(t.key == OUT_OF_SERVICE.key for t in n.spec.taints or []) else ''}"
        f"{' cordoned' if n.spec.unschedulable else ''}"
        f"{' reserved' if any(t.key == RESERVED for t in n.spec.taints or []) else ''}"
        for n in cluster.core.list_node().items
        if not owners(n) & spared
        and (
            node_ready(n) != "True"
            or STOPPED_BY in (n.metadata.annotations or {})
            or any(t.key in (OUT_OF_SERVICE.key, RESERVED) for t in n.spec.taints or [])
            or n.spec.unschedulable
        )
    ]


def why_not_gone(namespace: object) -> str:
    """A namespace and what its deletion is waiting for, from its status conditions."""
    conditions = [f"{c.type}: {c.message}" for c in namespace.status.conditions or [] if c.status == "True"]
    return f"{namespace.metadata.name} ({namespace.status.phase}{'; ' if conditions else ''}{'; '.join(conditions)})"


def assert_nothing_left(cluster: Cluster, namespace_grace: float = 0, run: str | None = None) -> None:
    """No node the suite disrupted, no Lease of its node locks, no suite namespace (after namespace_grace seconds:
    a run waits for its own namespaces to go before it exits) and, once their claims are gone, no suite volume.
    With run: no namespace of that run, and nothing else but what running checks of other runs hold (their
    namespaces exist), so that runs side by side on one cluster each check their own."""
    _, spared = run_and_other_namespaces(cluster, run)
    broken = disrupted_nodes(cluster, spared)
    assert not broken, f"nodes left disrupted: {', '.join(broken)}"
    leases = [name for name, owner in suite_leases(cluster).items() if owner not in spared]
    assert not leases, f"node lock Leases left: {', '.join(leases)}"

    def left(volumes: dict[str, object]) -> list[str]:
        return [name for name, pv in volumes.items() if (pv.metadata.labels or {}).get(OWNER_LABEL) not in spared]

    try:
        watch_until(
            cluster.core.list_namespace,
            lambda objects: not objects,
            timeout=namespace_grace,
            what=f"the namespaces of run {run} to be removed" if run else "the suite's namespaces to be removed",
            label_selector=SUITE_SELECTOR if run is None else f"{SUITE_SELECTOR},{RUN_LABEL}={run}",
            describe=lambda objects: ", ".join(why_not_gone(ns) for ns in objects.values()),
        )
        watch_until(
            cluster.core.list_persistent_volume,
            lambda objects: not left(objects),
            timeout=VOLUME_GONE_TIMEOUT,
            what="the suite's volumes to be removed",
            label_selector=SUITE_SELECTOR,
            describe=lambda objects: ", ".join(left(objects)),
        )
    except WaitTimeout as timeout:
        raise AssertionError(f"left behind: {timeout}") from None


@pytest.fixture
def left_clean(local_cluster: Cluster) -> Iterator[None]:
    """A self-check that breaks or inspects the whole cluster leaves it as it found it: checked after the test (an
    error of that test, with what is left), and if it is not, cleaned so that the next one starts clean."""
    yield
    try:
        assert_nothing_left(local_cluster, namespace_grace=LEFTOVERS_GONE_TIMEOUT)
    except AssertionError:
        cleanup([])
        raise


@pytest.fixture
def kind_run(kind_nodes: Cluster, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A run of its own on the kind cluster (KUBIA_RUN_ID: its namespaces carry the id), checked after the test to
    have left nothing behind, as left_clean, but for what running checks of other runs hold: defects run side by
    side there. If it did leave something, that is removed (cleanup --run), and nothing of the others."""
    run = f"defect-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("KUBIA_RUN_ID", run)
    yield run
    try:
        assert_nothing_left(kind_nodes, namespace_grace=LEFTOVERS_GONE_TIMEOUT, run=run)
    except AssertionError:
        cleanup(["--run", run])
        raise


def suite_command(*args: str) -> list[str]:
    """The conformance suite as a subprocess, against KUBECONFIG, with the local cluster's DNS."""
    return [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        "-s",
        "--dns-server",
        os.environ.get("KUBIA_DNS_SERVER", ""),
        *args,
    ]


RBAC = "rbac/kubia-conformance.yaml"
"""The shipped RBAC, under manifests/."""
NODE_FAULTS_RBAC = "rbac/kubia-conformance-node-faults.yaml"
"""The shipped opt-in RBAC of the node-loss checks, under manifests/."""
RBAC_NAMESPACE = "kubia-conformance"
"""The namespace of the ServiceAccount manifests/rbac binds."""
RBAC_GONE_TIMEOUT = 180
"""Its namespace removed, with what an interrupted in-cluster run left running in it: the suite's pod gets its 30 s
grace period and removes its own test namespaces on SIGTERM."""


@contextlib.contextmanager
def shipped_rbac_applied(cluster: Cluster, node_faults: bool = False) -> Iterator[None]:
    """manifests/rbac/kubia-conformance.yaml applied as it is (with node_faults, the opt-in RBAC of the node-loss
    checks too); removed afterwards, its namespace waited out so that the next check can apply it again. What an
    interrupted earlier run left (a killed run cannot clean up) is removed first."""
    remove_shipped_rbac(cluster)
    for manifest in (RBAC, NODE_FAULTS_RBAC) if node_faults else (RBAC,):
        utils.create_from_yaml(cluster.api_client, str(MANIFESTS / manifest))
    try:
        yield
    finally:
        remove_shipped_rbac(cluster)


def remove_shipped_rbac(cluster: Cluster) -> None:
    """Every object of the shipped RBAC (and its opt-in node-fault part) deleted, those absent skipped, and its
    namespace (with whatever ran in it) waited out."""
    resources = DynamicClient(cluster.api_client).resources
    for document in load_manifests(NODE_FAULTS_RBAC) + load_manifests(RBAC):
        resource = resources.get(api_version=document["apiVersion"], kind=document["kind"])
        with contextlib.suppress(NotFoundError):
            resource.delete(name=document["metadata"]["name"], namespace=document["metadata"].get("namespace"))
    watch_until(
        cluster.core.list_namespace,
        lambda namespaces: RBAC_NAMESPACE not in namespaces,
        timeout=RBAC_GONE_TIMEOUT,
        what=f"namespace {RBAC_NAMESPACE} to be removed",
    )


def token_kubeconfig(cluster: Cluster, path: Path, user: str, token: str) -> Path:
    """A kubeconfig at path for cluster's server, authenticated by a bearer token (a ServiceAccount's)."""
    config = cluster.api_client.configuration
    server = f"{{server: '{config.host}', certificate-authority: '{config.ssl_ca_cert}'}}"
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters: [{{name: c, cluster: {server}}}]\n"
        f"users: [{{name: {user}, user: {{token: '{token}'}}}}]\n"
        f"contexts: [{{name: {user}, context: {{cluster: c, user: {user}}}}}]\ncurrent-context: {user}\n"
    )
    return path


def selected_checks(markers: str) -> set[str]:
    """The names (function and parameters) of the conformance checks a -m expression selects, as pytest collects
    them here; collecting needs no cluster."""
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "tests_conformance", "--collect-only", "-q", "-p", "no:cacheprovider"]
        + (["-m", markers] if markers else []),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return {line.split("::")[-1] for line in collected.stdout.splitlines() if "::" in line}


def run_suite_to_end(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(suite_command(*args), check=False, cwd=REPO, capture_output=True, text=True, timeout=timeout)


CLUSTER_ENVS = "KUBIA_CLUSTER_ENVS"
"""Space-separated files, each what `scripts/local-cluster env` printed for one instance: under xdist, worker gwN
takes the Nth cluster (the whole-cluster self-checks, each of which needs a cluster to itself; scripts/test)."""


def take_workers_cluster(worker: str) -> None:
    """Points this xdist worker (gwN) at its own local cluster: KUBECONFIG and KUBIA_DNS_SERVER from its env file."""
    files = os.environ.get(CLUSTER_ENVS, "").split()
    if not files:
        return
    index = int(worker.removeprefix("gw"))
    if index >= len(files):
        raise pytest.UsageError(f"xdist worker {worker} has no cluster: {CLUSTER_ENVS} names {len(files)}")
    for line in Path(files[index]).read_text().splitlines():
        name, _, value = line.partition("=")
        os.environ[name] = shlex.split(value)[0]


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        take_workers_cluster(config.workerinput["workerid"])
    config.addinivalue_line(
        "markers", "whole_cluster: breaks or inspects the whole local cluster: needs one to itself (scripts/test)"
    )
    config.addinivalue_line(
        "markers", "in_cluster: runs the suite's image inside the kind cluster (scripts/test, after the suite on kind)"
    )
    config.addinivalue_line(
        "markers", "kind_defects: breaks the kind cluster, scoped to its own run's namespaces (scripts/test on kind)"
    )
    config.addinivalue_line(
        "markers", "nightly: a kind defect left to the nightly workflow (the CI budget), run there with the others"
    )
    config.addinivalue_line(
        "markers",
        "kind_faults: a run killed mid-fault on kind's real nodes, scoped to its own run (scripts/test on kind)",
    )
