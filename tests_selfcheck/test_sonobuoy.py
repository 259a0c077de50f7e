"""The suite as a Sonobuoy plugin (manifests/sonobuoy/kubia-conformance.yaml) on the kind cluster: `sonobuoy run`
with Sonobuoy's CLI and aggregator built here, then `sonobuoy retrieve` and `sonobuoy results`. Sonobuoy must
report every non-disruptive check passed and the disruptive ones skipped, from the JUnit file the plugin wrote.
With $KUBIA_SONOBUOY_MARKERS (a pytest -m expression, passed to the plugin as KUBIA_MARKERS) it runs those checks
only, and Sonobuoy must report exactly them: scripts/test runs the DNS and node-loss ones this way, the plain Job
having run every check from inside the same cluster just before (5 min saved on 2 cores).

Needs the kind cluster with the suite's image ($KUBIA_SUITE_IMAGE) and Sonobuoy's ($KUBIA_SONOBUOY_IMAGE) loaded,
and the CLI ($KUBIA_SONOBUOY); scripts/test runs it after the suite on kind. Marker in_cluster.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import REPO, selected_checks

pytestmark = pytest.mark.in_cluster

PLUGIN = REPO / "manifests" / "sonobuoy" / "kubia-conformance.yaml"
RUN_TIMEOUT = 1200
"""sonobuoy run --wait: the aggregator starting, then the whole suite inside the cluster (about 5 min here)."""


def sonobuoy(*args: str, timeout: float = 300) -> str:
    """The CLI; every command but `results` (which reads a tarball) talks to the kind cluster."""
    command = [os.environ["KUBIA_SONOBUOY"], *args]
    if args[0] != "results":
        command += ["--kubeconfig", os.environ["KUBECONFIG"], "--context", os.environ["KUBIA_CONTEXT"]]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"sonobuoy {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture
def plugin(kind_cluster, tmp_path) -> Path:
    """The shipped plugin with the images built here, never pulled."""
    if not os.environ.get("KUBIA_SONOBUOY") or not os.environ.get("KUBIA_SONOBUOY_IMAGE"):
        pytest.skip("needs Sonobuoy built here: KUBIA_SONOBUOY and KUBIA_SONOBUOY_IMAGE")
    definition = yaml.safe_load(PLUGIN.read_text())
    definition["spec"]["image"] = os.environ["KUBIA_SUITE_IMAGE"]
    definition["spec"]["imagePullPolicy"] = "Never"
    path = tmp_path / "kubia-conformance.yaml"
    path.write_text(yaml.safe_dump(definition))
    return path


def test_sonobuoy_reports_each_check_it_ran_passed_and_node_loss_skipped(plugin, tmp_path):
    markers = os.environ.get("KUBIA_SONOBUOY_MARKERS", "")
    expected = selected_checks(markers)
    disruptive = selected_checks("disruptive")
    sonobuoy("delete", "--wait", timeout=600)  # what an interrupted earlier run left; nothing, usually
    try:
        sonobuoy(
            "run",
            "--plugin",
            str(plugin),
            "--plugin-env",
            f"kubia-conformance.KUBIA_IMAGE={os.environ['KUBIA_IMAGE']}",
            "--plugin-env",
            f"kubia-conformance.KUBIA_MARKERS={markers}",
            "--sonobuoy-image",
            os.environ["KUBIA_SONOBUOY_IMAGE"],
            "--image-pull-policy",
            "Never",
            "--wait",
            timeout=RUN_TIMEOUT,
        )
        tarball = sonobuoy("retrieve", str(tmp_path)).strip().splitlines()[-1]
        detailed = sonobuoy("results", tarball, "--mode", "detailed")
        print(sonobuoy("results", tarball))
    finally:
        sonobuoy("delete", "--wait", timeout=600)

    # One JSON object a line, one per test case; lines without a name are not test cases.
    results = [json.loads(line) for line in detailed.splitlines() if line.strip()]
    statuses = {r["name"]: r["status"] for r in results if "name" in r}
    print("\n".join(f"{status:8} {name}" for name, status in sorted(statuses.items())))
    assert set(statuses) == expected, (
        f"Sonobuoy's results name other checks than -m {markers!r} selects: missing {sorted(expected - set(statuses))},"
        f" unexpected {sorted(set(statuses) - expected)}"
    )
    node_loss = {name: status for name, status in statuses.items() if name in disruptive}
    others = {name: status for name, status in statuses.items() if name not in disruptive}
    assert set(node_loss.values()) <= {"skipped"}, f"disruptive checks: {node_loss}"
    assert others, "no non-disruptive check in Sonobuoy's results"
    assert set(others.values()) == {"passed"}, {n: s for n, s in others.items() if s != "passed"}
