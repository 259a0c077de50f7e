"""What installing the suite puts into site-packages: the kubia_conformance package with its report schema, and no
top-level `fixtures` (PyPI has a well-known distribution of that name). The suite's fixtures come from the checkout's
fixtures/, also where PyPI's `fixtures` is installed."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def test_the_wheel_installs_kubia_conformance_and_nothing_called_fixtures(tmp_path):
    source = tmp_path / "source"  # a copy of the checkout: a build writes into the folder it builds
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".*", "reports", "build", "*.egg-info", "__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == {"kubia_conformance"}, f"the wheel installs {', '.join(sorted(top))}"
    assert "kubia_conformance/report/report.schema.json" in names, "the report's schema is not in the wheel"


@pytest.mark.parametrize("mode", ["prepend", "importlib"])
def test_the_checkouts_fixtures_win_over_pypis_fixtures(tmp_path, mode):
    """In either import mode: under importlib, pytest puts no test folder on sys.path, and only the pythonpath
    setting of pyproject.toml keeps PyPI's `fixtures` from shadowing the suite's."""
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), "fixtures"],
        check=True,
        capture_output=True,
    )
    assert (site / "fixtures" / "__init__.py").exists(), "PyPI's fixtures did not install"
    # The pytest command, not `python -m pytest`, which would put the working folder first on sys.path by itself.
    pytest_command = str(Path(sys.executable).parent / "pytest")
    listed = subprocess.run(
        [
            pytest_command,
            "tests_conformance",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--import-mode={mode}",
        ],
        cwd=REPO,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert listed.returncode == 0, listed.stdout[-2000:] + listed.stderr[-2000:]
    assert "test_kubia_deploys_with_one_bound_claim_per_pod" in listed.stdout
