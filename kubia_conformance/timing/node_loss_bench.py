"""The node-loss benchmark behind `scripts/bench node-loss`: the two node-loss checks run once per way of losing a
node, and their failover figures (evidence/failover.py) side by side, written into the README between its
node-loss-figures markers, with the date, the commit and the cluster.

    python -m kubia_conformance.timing.node_loss_bench [--ways container-stop,command,partition,kubelet-stop]
        [--fault-image IMAGE] [--out DIR] [--readme PATH] [-- pytest arguments]

The ways: container-stop (docker stop of the node's container), command (the user's commands; here `docker pause`
and `docker unpause` of the node's container: the node frozen, its kubelet and containers with it), partition and
kubelet-stop (from a privileged pod on the node). Not a test: nothing in it passes or fails on time; a check that did
not pass has no row, and the table says so.
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

WAYS = ("container-stop", "command", "partition", "kubelet-stop")
COMMANDS = ["--node-stop-command", "docker pause {node}", "--node-start-command", "docker unpause {node}"]
"""The command way, on kind: the node's container frozen (SIGSTOP to every process in it) and thawed."""
CHECKS = {
    "test_pod_on_a_lost_node_is_replaced_only_after_force_delete": "force delete",
    "test_out_of_service_taint_lets_the_cluster_replace_the_pod": "out-of-service taint",
}
COLUMNS = (
    ("fault to NotReady", "NotReady"),
    ("fault to the node's NoExecute taint", "NoExecute taint"),
    ("delete to Terminating", "delete to Terminating"),
    ("{let_go} to replacement Ready", "let-go to replacement Ready"),
    ("heal to node Ready", "heal to node Ready"),
    ("heal to old container gone", "heal to old container gone"),
)
"""The figures in the table's order, each with its column's heading ({let_go}: the check's force delete or taint)."""
BEGIN, END = "<!-- node-loss-figures -->", "<!-- /node-loss-figures -->"
REPO = Path(__file__).resolve().parents[2]


def run_way(way: str, out: Path, fault_image: str | None, extra: list[str]) -> dict[str, Any]:
    """Both node-loss checks with one way of losing a node; what --timings wrote."""
    timings = out / f"{way}.json"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "tests_conformance/test_node_loss.py",
        "-p",
        "no:cacheprovider",
        "-q",
        "-n",
        "2",
        "--node-fault",
        way,
        "--timings",
        str(timings),
        "--junitxml",
        str(out / f"{way}.xml"),
        *(COMMANDS if way == "command" else []),
        *(["--node-fault-image", fault_image] if fault_image and way in ("partition", "kubelet-stop") else []),
        *extra,
    ]
    started = time.monotonic()
    done = subprocess.run(command, cwd=REPO, check=False, capture_output=True, text=True)
    print(f"{way}: exit {done.returncode} in {time.monotonic() - started:.0f} s", file=sys.stderr)
    if not timings.exists():
        print(done.stdout[-3000:] + done.stderr[-3000:], file=sys.stderr)
        return {"checks": []}
    return dict(json.loads(timings.read_text()))


def rows(way: str, document: dict[str, Any]) -> list[str]:
    """One table row per node-loss check of the run: its figures in seconds, or why there are none."""
    found = []
    order = list(CHECKS)
    checks = [c for c in document["checks"] if c["nodeid"].split("::")[-1] in CHECKS]
    for check in sorted(checks, key=lambda c: order.index(c["nodeid"].split("::")[-1])):
        name = check["nodeid"].split("::")[-1]
        let_go = CHECKS[name]
        figures = {m["what"]: m["ended"] - m["started"] for m in check["measurements"] if m["kind"] == "figure"}
        cells = [
            f"{figures[what.format(let_go=let_go)]:.1f}" if what.format(let_go=let_go) in figures else "-"
            for what, _ in COLUMNS
        ]
        outcome = "" if check["outcome"] == "passed" else f" ({check['outcome']})"
        found.append(f"| {way} | {let_go}{outcome} | " + " | ".join(cells) + " |")
    return found or [f"| {way} | no check ran (see its JUnit file) |" + " |" * len(COLUMNS)]


def table(results: dict[str, dict[str, Any]], cluster: str) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
    ).stdout.strip()
    lines = [
        f"Measured {datetime.date.today().isoformat()} on {cluster} at commit {commit or 'unknown'} by "
        "`scripts/bench node-loss`; seconds, from one moment the check saw to another (`-` where the way does not "
        "have that step: a node whose containers went with it has no old container to see go).",
        "",
        "| way | check | " + " | ".join(heading for _, heading in COLUMNS) + " |",
        "| --- | --- |" + " --- |" * len(COLUMNS),
    ]
    for way, document in results.items():
        lines += rows(way, document)
    return "\n".join(lines)


def write_readme(readme: Path, text: str) -> None:
    content = readme.read_text()
    if BEGIN not in content or END not in content:
        raise SystemExit(f"{readme} has no {BEGIN} ... {END} markers")
    before, _, rest = content.partition(BEGIN)
    _, _, after = rest.partition(END)
    readme.write_text(f"{before}{BEGIN}\n{text}\n{END}{after}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--ways", default=",".join(WAYS), help=f"comma-separated, of {', '.join(WAYS)}")
    parser.add_argument("--fault-image", help="--node-fault-image for partition and kubelet-stop")
    parser.add_argument("--out", default="reports/bench-node-loss", help="where each run's timings and JUnit go")
    parser.add_argument("--readme", default=str(REPO / "README.md"), help="the README whose table is rewritten")
    parser.add_argument("--cluster", default="kind (three workers, node-monitor-grace-period 20 s)")
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to each pytest run")
    args = parser.parse_args(argv)
    ways = [w.strip() for w in args.ways.split(",") if w.strip()]
    unknown = sorted(set(ways) - set(WAYS))
    if unknown:
        parser.error(f"unknown ways: {', '.join(unknown)}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {way: run_way(way, out, args.fault_image, args.pytest_args) for way in ways}
    text = table(results, args.cluster)
    print(text)
    write_readme(Path(args.readme), text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
