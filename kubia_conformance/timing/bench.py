"""The benchmark behind scripts/bench: runs the suite at several xdist widths and shows where the time went.

    python -m kubia_conformance.timing.bench [--widths 2,4,8] [--whole-at W] [--out DIR] [-- pytest arguments]

Per width it runs `pytest tests_conformance -m "not disruptive" -n W --timings ...` (with --dns-server
$KUBIA_DNS_SERVER when that is set) and prints one row:
- wall: the pytest process, from its start to its exit (preflight, starting the workers and the final
  namespace cleanup included);
- start: from the process's start to the first check's start (imports, preflight, starting the workers);
- tail: from the last check's end to the process's exit (the wait for the last namespaces to go);
- sum: the checks' own times added up (setup + call + teardown, as JUnit counts them);
- converge: the part of sum the cluster spent reaching the states the checks waited for (each wait, from its start
  to the arrival of the state);
- holds: deliberate windows in which nothing may happen, and the churn's fixed run: part of the proof;
- lock: waiting for the cluster lock;
- overhead: the rest: namespaces, watches, API calls, syncs, detection latency, teardown;
- latency median and p95: per watched wait that waited, from the state's arrival on the watch to the check going
  on (DNS polls are left out: their latency is inside the poll interval);
- ratio: sum / converge, how much longer the checks took than the cluster's own work in them;
- sched: every run starts the longest checks first (scheduling.py): cached, by the durations an earlier run of
  this bench left in its own pytest cache (in --out); shipped, by timing/durations.json alone (the first run, as a
  user's first run).
With --whole-at W it also runs the whole suite, disruptive checks included, at width W. Then a table per check of
the last run. Each run's timings and JUnit file stay in --out.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubia_conformance.timing.scheduling import CACHE_KEY
from kubia_conformance.timing.split import Split, split


@dataclass(frozen=True)
class Run:
    label: str
    document: dict[str, Any]
    exit_status: int
    wall: float
    """The pytest process, from its start to its exit (the final namespace cleanup included)."""
    began: float
    """time.time() when the pytest process was started."""
    scheduling: str
    """cached: longest checks first by the durations an earlier run of this bench left in its cache; shipped: by
    timing/durations.json (the first run)."""

    @property
    def startup(self) -> float:
        """From the process's start to the first check's start: imports, preflight, starting the workers."""
        return min((c["started"] for c in self.checks), default=self.began) - self.began

    @property
    def tail(self) -> float:
        """From the last check's end to the process's exit: the wait for the last namespaces to go."""
        return self.began + self.wall - max((c["started"] + c["duration"] for c in self.checks), default=self.began)

    @property
    def checks(self) -> list[dict[str, Any]]:
        return [c for c in self.document["checks"] if c["outcome"] != "skipped"]

    @property
    def splits(self) -> list[Split]:
        return [split(c) for c in self.checks]

    def outcomes(self) -> str:
        counts: dict[str, int] = {}
        for check in self.document["checks"]:
            counts[check["outcome"]] = counts.get(check["outcome"], 0) + 1
        return ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run(label: str, width: int, marker: str | None, out: Path, pytest_args: list[str]) -> Run:
    timings, junit = out / f"{label}.json", out / f"{label}.xml"
    cache = out / "cache"
    scheduling = "cached" if (cache / "v" / CACHE_KEY).exists() else "shipped"
    command = [sys.executable, "-m", "pytest", "tests_conformance", "-q", "-o", f"cache_dir={cache}"]
    command += ["-n", str(width), "--timings", str(timings), "--junitxml", str(junit)]
    command += ["-m", marker] if marker else []
    dns = os.environ.get("KUBIA_DNS_SERVER")
    command += ["--dns-server", dns] if dns else []
    command += pytest_args
    print(f"[bench] {label}: {' '.join(command[1:])}", file=sys.stderr, flush=True)
    began, started = time.time(), time.monotonic()
    with (out / f"{label}.log").open("w") as log:
        status = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False).returncode
    wall = time.monotonic() - started
    if not timings.exists():
        raise SystemExit(f"[bench] {label}: pytest wrote no timings (exit {status}); see {out / (label + '.log')}")
    return Run(label, json.loads(timings.read_text()), status, wall, began, scheduling)


HEADER = (
    f"{'run':<14} {'sched':<7} {'checks':>6} {'wall s':>7} {'start':>5} {'tail':>5} {'sum s':>7} {'converge':>8} "
    f"{'holds':>6} {'lock':>5} "
    f"{'overhead':>8} {'latency med/p95 s':>17} {'ratio':>5}  outcomes"
)


def row(result: Run) -> str:
    splits = result.splits
    duration = sum(s.duration for s in splits)
    convergence = sum(s.convergence for s in splits)
    latencies = [latency for s in splits for latency in s.latencies]
    latency = f"{statistics.median(latencies) if latencies else 0:.3f}/{percentile(latencies, 0.95):.3f}"
    ratio = duration / convergence if convergence else 0.0
    return (
        f"{result.label:<14} {result.scheduling:<7} {len(splits):>6} {result.wall:>7.1f} "
        f"{result.startup:>5.1f} {result.tail:>5.1f} "
        f"{duration:>7.1f} {convergence:>8.1f} "
        f"{sum(s.holds for s in splits):>6.1f} {sum(s.lock for s in splits):>5.1f} "
        f"{sum(s.overhead for s in splits):>8.1f} {latency:>17} {ratio:>5.2f}  {result.outcomes()}"
    )


def per_check(result: Run) -> str:
    lines = [
        f"per check, {result.label} (seconds): duration = converge + holds + lock + overhead (syncs are overhead)",
        f"  {'duration':>8} {'converge':>8} {'holds':>6} {'lock':>5} {'syncs':>5} {'overhead':>8}  check",
    ]
    for check in sorted(result.checks, key=lambda c: -float(c["duration"])):
        s = split(check)
        name = check["nodeid"].removeprefix("tests_conformance/")
        lines.append(
            f"  {s.duration:>8.1f} {s.convergence:>8.1f} {s.holds:>6.1f} {s.lock:>5.1f} {s.syncs:>5.1f} "
            f"{s.overhead:>8.1f}  {name}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--widths", default="2,4,8", help="xdist widths for the non-disruptive checks (2,4,8)")
    parser.add_argument("--whole-at", type=int, metavar="W", help="also run the whole suite at width W")
    parser.add_argument(
        "--out", default="reports/bench", help="where the runs' timings, JUnit files and logs go, and the bench's cache"
    )
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to every pytest run")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = [
        run(f"n{width}", width, "not disruptive", out, args.pytest_args)
        for width in (int(w) for w in args.widths.split(","))
    ]
    if args.whole_at:
        results.append(run(f"whole-n{args.whole_at}", args.whole_at, None, out, args.pytest_args))
    print(HEADER)
    for result in results:
        print(row(result))
    first = results[0].splits
    base = sum(s.duration for s in first)
    for result in results[1:]:
        if result.label.startswith("n") and base:
            growth = sum(s.duration for s in result.splits) / base
            print(f"sum growth from {results[0].label} to {result.label}: {growth:.2f}x")
    print()
    print(per_check(results[-1]))
    return max(r.exit_status for r in results)


if __name__ == "__main__":
    raise SystemExit(main())
