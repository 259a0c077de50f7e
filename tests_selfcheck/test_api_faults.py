"""API faults: with a proxy between the suite and the apiserver that resets connections, slows answers and sends
bursts of 429 and 5xx, the suite retries where it should and reports the same results: no false failures. The
faults are bounded (the first three requests, then a seeded 15 % of requests, at most 200) and so is the run
time."""

from __future__ import annotations

import time

import pytest

from conftest import run_suite_to_end
from faultproxy import FAULTS, proxy_for

pytestmark = [pytest.mark.whole_cluster, pytest.mark.usefixtures("left_clean")]

CHECKS = [
    "tests_conformance/test_smoke.py",
    "tests_conformance/test_ordered_creation.py",
    "tests_conformance/test_stable_identity.py",
    "tests_conformance/test_claim_retention.py",
    "tests_conformance/test_dns.py::test_srv_lists_exactly_the_ready_pods",
]
RUN_TIMEOUT = 900


def test_the_suite_rides_out_api_faults(local_cluster, tmp_path):
    seed = time.time_ns() % 1_000_000
    proxy = proxy_for(local_cluster.api_client, seed)
    kubeconfig = tmp_path / "through-the-proxy"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters: [{{name: proxy, cluster: {{server: 'http://127.0.0.1:{proxy.port}'}}}}]\n"
        "users: [{name: admin, user: {}}]\n"
        "contexts: [{name: proxy, context: {cluster: proxy, user: admin}}]\ncurrent-context: proxy\n"
    )
    try:
        started = time.monotonic()
        result = run_suite_to_end(*CHECKS, "--kubeconfig", str(kubeconfig), "-n", "2", timeout=RUN_TIMEOUT)
        took = time.monotonic() - started
    finally:
        proxy.stop()

    faults = ", ".join(f"{kind} {proxy.injected[kind]}" for kind in FAULTS)
    print(f"\nAPI faults (seed {seed}): {sum(proxy.injected.values())} of {proxy.requests} requests: {faults}; "
          f"run took {took:.0f} s")
    summary = (result.stdout + result.stderr).strip().splitlines()[-1]
    assert result.returncode == 0, f"false failures under API faults (seed {seed}, {faults}):\n{result.stdout[-4000:]}"
    assert all(proxy.injected[kind] for kind in FAULTS), f"not every kind of fault was injected: {faults}"
    print(f"suite result: {summary}")
