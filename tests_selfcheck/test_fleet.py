"""Many clusters and many nights, for real: `kubia-conformance fleet` over two local clusters (this worker's and
one more brought up for it) makes one report with a matrix of guarantees by cluster, and `kubia-conformance compare`
of a healthy run with a run under a defect says the regression and exits 1. Both pages are looked at in headless
Chromium. Marker whole_cluster: it applies a defect and needs a cluster of its own."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import render
from test_defects import DEFECTS

from conftest import REPO, assert_nothing_left, run_suite_to_end
from kubia_conformance.cluster.connect import connect

pytestmark = [pytest.mark.whole_cluster, pytest.mark.usefixtures("left_clean")]

CHECKS = [
    "tests_conformance/test_claim_retention.py::test_claims_survive_scale_down_and_are_reattached_on_scale_up",
    "tests_conformance/test_stable_identity.py::test_deleted_pod_comes_back_with_the_same_name_and_hostname",
]
"""Two guarantees, two quick checks; the first is what the rogue claim cleaner breaks."""
CLAIM_CLEANER = next(d for d in DEFECTS if d.name.startswith("rogue claim cleaner (deletes"))
SECOND_INSTANCE = "9"
"""The local cluster instance this check brings up beside its own (scripts/local-cluster, KUBIA_LOCAL_INSTANCE)."""
RUN_TIMEOUT = 900


def local_cluster_script(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(REPO / "scripts" / "local-cluster"), *args],
        env={**os.environ, "KUBIA_LOCAL_INSTANCE": SECOND_INSTANCE},
        capture_output=True,
        text=True,
        check=False,
        timeout=RUN_TIMEOUT,
    )
    if done.returncode:
        said = (done.stdout + done.stderr).strip()[-3000:]
        raise RuntimeError(
            f"scripts/local-cluster {' '.join(args)} (instance {SECOND_INSTANCE}) exited {done.returncode}:\n{said}"
        )
    return done


@pytest.fixture
def second_cluster(local_cluster) -> Iterator[dict[str, str]]:
    """Another local cluster (its KUBECONFIG and KUBIA_DNS_SERVER), taken down again afterwards."""
    try:
        up = local_cluster_script("up")
        environment = {}
        for line in up.stdout.splitlines():
            name, _, value = line.partition("=")
            environment[name] = shlex.split(value)[0]
        yield environment
        assert_nothing_left(connect(environment["KUBECONFIG"], None, 10.0))
    finally:
        local_cluster_script("down")


def kubia_conformance(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kubia_conformance.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def target(kubeconfig: str, dns: str) -> str:
    context = next(line.split()[-1] for line in Path(kubeconfig).read_text().splitlines() if "current-context" in line)
    return f"{context} --kubeconfig {kubeconfig} --dns-server {dns}"


def test_a_fleet_run_over_two_clusters_is_one_report_with_a_matrix(second_cluster, tmp_path):
    first = target(os.environ["KUBECONFIG"], os.environ["KUBIA_DNS_SERVER"])
    second = target(second_cluster["KUBECONFIG"], second_cluster["KUBIA_DNS_SERVER"])
    out = tmp_path / "fleet"
    run = kubia_conformance(
        "fleet", str(out), "--context", first, "--context", second, "--", *CHECKS, "-p", "no:cacheprovider"
    )
    assert run.returncode == 0, f"the fleet run failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"

    fleet = json.loads((out / "fleet.json").read_text())
    contexts = [c["context"] for c in fleet["clusters"]]
    assert len(contexts) == 2
    assert contexts[0] != contexts[1]
    for cluster in fleet["clusters"]:
        assert cluster["exit_status"] == 0
        assert cluster["summary"]["passed"] == len(CHECKS)
        assert (out / cluster["folder"] / "junit.xml").is_file()
        assert (out / cluster["folder"] / "report.html").is_file()
    assert {c for verdicts in fleet["matrix"].values() for c in verdicts} == set(contexts)
    assert all(v == "pass" for verdicts in fleet["matrix"].values() for v in verdicts.values())

    dom = render(out / "fleet.html", tmp_path / "fleet.png")
    rows = dom.find_all("tr", "guarantee")
    assert len(rows) == len(fleet["matrix"]) == 2, f"matrix rows: {[r.all_text() for r in rows]}"
    cells = [td for row in rows for td in row.find_all("td") if "data-cluster" in td.attrs]
    assert sorted({td.attrs["data-cluster"] for td in cells}) == sorted(contexts)
    assert all(td.attrs["data-verdict"] == "pass" for td in cells)


def test_compare_of_a_healthy_run_and_a_run_under_a_defect_says_the_regression(local_cluster, tmp_path):
    healthy, broken = tmp_path / "healthy", tmp_path / "broken"
    run_suite_to_end(*CHECKS, "--report", str(healthy), timeout=RUN_TIMEOUT)
    with CLAIM_CLEANER.apply(local_cluster, tmp_path):
        run_suite_to_end(*CHECKS, "--report", str(broken), timeout=RUN_TIMEOUT)

    compared = kubia_conformance(
        "compare", str(healthy / "report.json"), str(broken / "report.json"), "--html", str(tmp_path / "compare.html")
    )
    print(compared.stdout)
    assert compared.returncode == 1, f"no regression said:\n{compared.stdout}{compared.stderr}"
    assert "REGRESSION" in compared.stdout
    assert (
        "test_claims_survive_scale_down_and_are_reattached_on_scale_up: passed -> failed: "
        "GuaranteeBroken: claim retention" in compared.stdout
    )
    assert "Claim retention: pass -> fail" in compared.stdout

    dom = render(tmp_path / "compare.html", tmp_path / "compare.png")
    badge = next(span for span in dom.find_all("span") if span.attrs.get("id") == "verdict")
    assert badge.all_text() == "REGRESSION"
    table = next(t for t in dom.find_all("table") if t.attrs.get("id") == "new-problems")
    assert "test_claims_survive_scale_down_and_are_reattached_on_scale_up" in table.all_text()
