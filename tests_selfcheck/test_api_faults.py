"""API faults: with a proxy between the suite and the apiserver that resets connections, slows answers and sends
bursts of 429 and 5xx, the suite retries where it should and reports the same results: no false failures. The
faults are bounded (one of each kind on the first six requests, then a seeded 15 % of requests, at most 200) and
so is the run time."""

from __future__ import annotations

import time

import pytest

from conftest import run_suite_to_end
from faultproxy import FAULTS, proxy_for, write_kubeconfig

pytestmark = [pytest.mark.whole_cluster, pytest.mark.usefixtures("left_clean")]

CHECKS = [
    "tests_conformance/test_smoke.py",
    "tests_conformance/test_ordered_creation.py",
    "tests_conformance/test_stable_identity.py",
    "tests_conformance/test_claim_retention.py",
    "tests_conformance/test_dns.py::test_srv_lists_exactly_the_ready_pods",
]
RUN_TIMEOUT = 900
MIN_FAULTS_IN_CHECKS = 5
"""Faults that must land after the opening ones (on the checks, not only the preflight) for the run to count."""


def test_the_suite_rides_out_api_faults(local_cluster, tmp_path):
    seed = time.time_ns() % 1_000_000
    proxy = proxy_for(local_cluster.api_client, seed)
    kubeconfig = write_kubeconfig(proxy, tmp_path / "through-the-proxy")
    try:
        started = time.monotonic()
        result = run_suite_to_end(*CHECKS, "--kubeconfig", str(kubeconfig), "-n", "4", timeout=RUN_TIMEOUT)
        took = time.monotonic() - started
    finally:
        proxy.stop()

    faults = ", ".join(f"{kind} {proxy.injected[kind]}" for kind in FAULTS)
    in_checks = sum(proxy.injected.values()) - len(proxy.opening)
    print(
        f"\nAPI faults (seed {seed}): {sum(proxy.injected.values())} of {proxy.requests} requests: {faults}; "
        f"run took {took:.0f} s"
    )
    summary = (result.stdout + result.stderr).strip().splitlines()[-1]
    assert result.returncode == 0, f"false failures under API faults (seed {seed}, {faults}):\n{result.stdout[-4000:]}"
    assert in_checks >= MIN_FAULTS_IN_CHECKS, (
        f"only {in_checks} faults landed after the preflight ({proxy.requests} requests): the checks were not tested"
    )
    print(f"suite result: {summary}")
