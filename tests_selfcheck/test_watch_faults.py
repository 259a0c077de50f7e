"""A proof of "nothing happened" is only as good as the watch behind it. Through a proxy that breaks the pod watch
inside a quiet window (tests_selfcheck/faultproxy.py, watch_fault), the check must end in an ERROR that names the
broken watch: never pass, and never fail as if the cluster had broken a guarantee.

- refuse: the pod watch is cut and every attempt to resume it is refused (403): the watch has failed.
- gone: the pod watch is cut and its resumption answered 410 Gone: the timeline lists again, and the quiet window
  contains the gap, so its proof is inconclusive.
"""

from __future__ import annotations

import pytest

from conftest import run_suite_to_end
from faultproxy import proxy_for, write_kubeconfig
from kubia_conformance.report.results import read_outcomes

pytestmark = [pytest.mark.whole_cluster, pytest.mark.usefixtures("left_clean")]

CHECK = "test_an_unready_pod_holds_back_its_successor_until_it_is_ready"
NODE_ID = f"tests_conformance/test_ordered_creation.py::{CHECK}"


@pytest.mark.parametrize(
    ("fault", "expected"),
    [("refuse", "the pod watch of"), ("gone", "inconclusive")],
    ids=["watch-refused", "watch-410-gone"],
)
def test_a_broken_watch_in_a_quiet_window_is_an_error_not_a_verdict(local_cluster, tmp_path, fault, expected):
    proxy = proxy_for(local_cluster.api_client, seed=0, fault_rate=0.0, opening=(), watch_fault=fault)
    kubeconfig = write_kubeconfig(proxy, tmp_path / "through-the-proxy")
    try:
        result = run_suite_to_end(NODE_ID, "--kubeconfig", str(kubeconfig), "--junitxml", str(tmp_path / "run.xml"))
    finally:
        proxy.stop()

    output = (result.stdout + result.stderr)[-3000:]
    assert proxy.fired_at is not None, f"the watch fault never fired:\n{output}"
    outcome = read_outcomes(tmp_path / "run.xml").get(CHECK)
    assert outcome is not None, f"the check did not run:\n{output}"
    print(f"\nwatch fault {fault}: the check ended {outcome.outcome}: {outcome.message[:300]}")
    assert outcome.outcome == "error", f"with the pod watch broken ({fault}) the check {outcome.outcome}:\n{output}"
    assert expected in outcome.message, f"the error does not name the broken watch ({expected}): {outcome.message}"
    assert "ERROR at call of" in result.stdout, f"the terminal does not report an error:\n{output}"
