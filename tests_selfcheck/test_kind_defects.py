"""Broken clusters where containers run: on kind, each defect must fail the checks that guard it there too. Two
defects exist only there, below the API: a volume wiped when its pod goes (claim and volume unchanged), and a pod
whose hostname inside its container is not its name (a mutating admission policy). The defect programs of the local
cluster that work through the API alone run here as well (the component ones, such as kube-controller-manager's
flags, stay local).

Only the run under the defect is made here: that the same checks pass on the healthy cluster is what the suite's own
run on this kind cluster shows (scripts/test runs them there, before these). Each defect acts only on the namespaces
of its own run (label kubia.test/run), and each checks afterwards that its run left nothing behind, sparing what the
others' running checks hold (kind_run), so they run side by side (scripts/kind-defects); node loss takes a node lock
as in any run. Marker nightly: left to the nightly workflow, for the CI budget.
"""

from __future__ import annotations

import pytest
from test_defects import DEFECTS, Defect, program, said_and_failed

from conftest import run_suite_to_end
from kubia_conformance.cluster.namespaces import RUN_LABEL
from kubia_conformance.report.results import read_outcomes

pytestmark = [pytest.mark.kind_defects]

CONTAINER_DEFECTS = [
    Defect(
        "volume wiper (a pod's volume is emptied on its node when the pod goes; claim and volume unchanged)",
        "stable storage",
        ["tests_conformance/test_stable_storage.py::test_posted_data_survives_pod_recreation_and_scaling_to_zero"],
        lambda cluster, tmp: program("volume_wiper"),
    ),
    Defect(
        "FQDN hostname (an admission policy sets setHostnameAsFQDN: `hostname` inside is not the pod's name)",
        "stable identity",
        ["tests_conformance/test_stable_identity.py::test_hostname_inside_the_container_is_the_pod_name"],
        lambda cluster, tmp: program("fqdn_hostname"),
    ),
]
LOCAL_ONLY = (
    "cluster DNS down",
    "one DNS replica broken",
    "naive StatefulSet controller",
    "flapping DNS",
    "maxUnavailable ignored",
    "start ordinals ignored",
    "release racer",
)
"""Defects of the local cluster's components (CoreDNS processes, kube-controller-manager's flags) or of its simulated
readiness (the label kwok reads): not portable to kind."""
IN_CI = ("rogue force-deleter", "hostname stripper", "rogue claim cleaner", "rolling rusher")
"""The API defects also run on kind in CI; the others there, nightly. Node loss and the updates take the longest
against real kubelets, and are what the local cluster simulates least."""


def short(defect: Defect) -> str:
    return defect.name.split(" (")[0]


KIND_DEFECTS = CONTAINER_DEFECTS + [d for d in DEFECTS if short(d) not in LOCAL_ONLY]


@pytest.mark.parametrize(
    "defect",
    [
        pytest.param(d, marks=[] if d in CONTAINER_DEFECTS or short(d) in IN_CI else [pytest.mark.nightly])
        for d in KIND_DEFECTS
    ],
    ids=[short(d) for d in KIND_DEFECTS],
)
def test_defect_on_kind_fails_the_checks_that_guard_it(defect, kind_nodes, kind_run, tmp_path, monkeypatch):
    monkeypatch.setenv("KUBIA_DEFECT_NAMESPACES", f"{RUN_LABEL}={kind_run}")
    with defect.apply(kind_nodes, tmp_path):
        run_suite_to_end(*defect.checks, *defect.suite_arguments(), "--junitxml", str(tmp_path / "broken.xml"))
    said_and_failed(f"defect on kind: {defect.name}", defect, read_outcomes(tmp_path / "broken.xml"))
