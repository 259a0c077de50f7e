"""The measured table of defects (scripts/defect-table): on the kind cluster, each defect that works there is applied
to both suites at once, this one (the checks that guard the defect) and the Kubernetes e2e StatefulSet specs (all of
them, scripts/upstream-e2e), one suite after the other; which checks and which specs fail is recorded in
tests_selfcheck/defect-table.json (runs of some defects add to the runs of others), and the README's table is
written from it, between its defect-table markers. JUnit and logs of each go to reports/defect-table/.

Usage (scripts/defect-table sets up the environment): python tests_selfcheck/defect_table.py [NAME...]
NAME: the start of a defect's name, as test_kind_defects.py lists them; none: every one.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from typing import Any

from test_kind_defects import KIND_DEFECTS, short

from conftest import REPO, run_suite_to_end
from kubia_conformance.cluster.connect import connect
from kubia_conformance.cluster.namespaces import RUN_LABEL
from kubia_conformance.report.results import read_outcomes

RESULTS = REPO / "tests_selfcheck" / "defect-table.json"
"""What was measured, kept in the repository: a run of some defects adds to the others' rows, and the README's table
is written from all of them."""
README = REPO / "README.md"
BEGIN, END = "<!-- defect-table -->", "<!-- /defect-table -->"
UPSTREAM_NAMESPACES = "e2e-framework=statefulset"
"""The label of the namespaces the e2e framework makes for the StatefulSet specs."""
SUITE_TIMEOUT = 1800


def measure(defect: Any) -> dict[str, Any]:
    run = f"defect-{uuid.uuid4().hex[:12]}"
    os.environ["KUBIA_RUN_ID"] = run
    os.environ["KUBIA_DEFECT_NAMESPACES"] = f"{RUN_LABEL}={run};{UPSTREAM_NAMESPACES}"
    folder = REPO / "reports" / "defect-table"
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", short(defect).lower()).strip("-")
    ours_xml = folder / f"{slug}-ours.xml"
    with defect.apply(connect(None, None, 10.0), folder):
        started = time.monotonic()
        run_suite_to_end(*defect.checks, *defect.suite_arguments(), "--junitxml", str(ours_xml), timeout=SUITE_TIMEOUT)
        ours_time = time.monotonic() - started
        started = time.monotonic()
        environment = {**os.environ, "KUBIA_UPSTREAM_REPORT": f"defect-table/{slug}-upstream"}
        subprocess.run([REPO / "scripts" / "upstream-e2e"], env=environ_without_run(environment), check=False)
        upstream_time = time.monotonic() - started
    ours = read_outcomes(ours_xml)
    upstream = read_outcomes(folder / f"{slug}-upstream.xml")
    specs = {name: o for name, o in upstream.items() if "[sig-apps] StatefulSet" in name and o.outcome != "skipped"}
    return {
        "defect": defect.name,
        "measured": datetime.now(timezone.utc).isoformat(timespec="minutes"),
        "ours": {name: ours[name].outcome if name in ours else "did not run" for name in checks_of(defect)},
        "ours_seconds": round(ours_time),
        "upstream_failed": sorted(spec_name(n) for n, o in specs.items() if o.outcome in ("failed", "error")),
        "upstream_ran": len(specs),
        "upstream_seconds": round(upstream_time),
    }


def environ_without_run(environment: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in environment.items() if k != "KUBIA_RUN_ID"}


def checks_of(defect: Any) -> list[str]:
    return [check.split("::")[1] for check in defect.checks]


def spec_name(name: str) -> str:
    """An e2e spec's name without its suite's prefix and labels: what it checks, in its words."""
    name = name.removeprefix("[It] ").replace("[sig-apps] StatefulSet ", "")
    return re.sub(r"\s*\[[^\]]*\]", "", name).strip()


def table(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| defect | our checks that guard it | failed | upstream specs that failed (of those run) "
        "| times (ours, upstream) |",
        "|---|---|---|---|---|",
    ]
    for defect in KIND_DEFECTS:
        result = results.get(short(defect))
        if result is None:
            lines.append(f"| {defect.name} | {', '.join(f'`{c}`' for c in checks_of(defect))} | not measured yet | | |")
            continue
        failed = sum(outcome == "failed" for outcome in result["ours"].values())
        upstream = "; ".join(result["upstream_failed"]) or "none"
        lines.append(
            f"| {defect.name} | {', '.join(f'`{c}`' for c in result['ours'])} | {failed} of {len(result['ours'])} "
            f"| {upstream} ({len(result['upstream_failed'])} of {result['upstream_ran']}) "
            f"| {result['ours_seconds']} s, {result['upstream_seconds']} s ({result['measured'][:10]}) |"
        )
    return "\n".join(lines)


def write_readme(results: dict[str, dict[str, Any]]) -> None:
    text = README.read_text()
    before, _, rest = text.partition(BEGIN)
    _, _, after = rest.partition(END)
    if not rest:
        raise SystemExit(f"README.md has no {BEGIN} ... {END} markers")
    README.write_text(f"{before}{BEGIN}\n{table(results)}\n{END}{after}")


def main(names: list[str]) -> int:
    chosen = [d for d in KIND_DEFECTS if not names or any(short(d).startswith(n) for n in names)]
    if not chosen:
        print(f"no defect starts with {', '.join(names)}; they are: {', '.join(short(d) for d in KIND_DEFECTS)}")
        return 2
    for defect in chosen:
        print(f"== {defect.name}", flush=True)
        result = measure(defect)
        print(json.dumps(result, indent=1), flush=True)
        # Read again just before writing: another run (on another kind cluster, KUBIA_KIND_NAME) may have added rows.
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        results[short(defect)] = result
        RESULTS.write_text(json.dumps(results, indent=1) + "\n")
        write_readme(results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
