"""Fixtures of the self-checks: the suite run as a user runs it, against the embedded local cluster."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.cluster import Cluster, connect

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def local_cluster() -> Cluster:
    """The embedded local cluster (scripts/local-cluster up), found through KUBECONFIG and KUBIA_DNS_SERVER."""
    if not os.environ.get("KUBECONFIG") or not os.environ.get("KUBIA_DNS_SERVER"):
        pytest.skip("needs the embedded local cluster: eval \"$(scripts/local-cluster env)\" before running")
    return connect(None, None, 10.0)


def suite_command(*args: str) -> list[str]:
    """The conformance suite as a subprocess, against KUBECONFIG, with the local cluster's DNS."""
    return [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-s",
        "--dns-server", os.environ.get("KUBIA_DNS_SERVER", ""), *args,
    ]


def run_suite_to_end(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(suite_command(*args), cwd=REPO, capture_output=True, text=True, timeout=timeout)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "whole_cluster: breaks or inspects the whole local cluster; run alone, without xdist, after the rest"
    )
