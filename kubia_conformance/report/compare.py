"""What changed between two runs: `kubia-conformance compare BEFORE/report.json AFTER/report.json`.

It says, in words: the guarantees whose verdict changed, the checks that newly fail or error (with their message),
the checks that passed before and now skip (coverage lost: the cluster lost a capability, or the run an option),
the checks fixed, added or gone, and the checks markedly slower (both times and the ratio). A regression is a new
failure or error, a verdict that became fail or error, or a pass that became a skip: the exit status is then 1
(0 otherwise; 2 for input that is not two acceptance reports). Slower checks are said, not counted as a regression:
one slow night is not a broken cluster, and the times go in the nightly history.

--html PATH also writes the comparison as one small self-contained page.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from kubia_conformance.report.document import SCHEMA

SLOWER_RATIO = 1.5
"""A check is markedly slower when it took at least this many times as long as before..."""
SLOWER_SECONDS = 5.0
"""... and at least this many seconds more (a 2 s check taking 3.5 s is noise, not news)."""
BAD = ("failed", "error")
MESSAGE_SHOWN = 300
"""Characters of a check's message the comparison quotes."""


class NotAReport(Exception):
    """A file that is not an acceptance report this version can read."""


@dataclass
class Comparison:
    before: str
    after: str
    verdicts: list[tuple[str, str, str]] = field(default_factory=list)
    """(guarantee, verdict before or "absent", verdict after or "absent"), for those that changed."""
    new_problems: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(check, outcome before or "absent", outcome after, message after)."""
    lost_coverage: list[tuple[str, str]] = field(default_factory=list)
    """(check, why it skips now)."""
    fixed: list[tuple[str, str]] = field(default_factory=list)
    """(check, outcome before): failed or errored before, passed now."""
    added: list[tuple[str, str]] = field(default_factory=list)
    gone: list[tuple[str, str]] = field(default_factory=list)
    slower: list[tuple[str, float, float]] = field(default_factory=list)
    """(check, seconds before, seconds after)."""
    duration: tuple[float, float] = (0.0, 0.0)

    @property
    def regressed(self) -> bool:
        worse = any(after in ("fail", "error") and before != after for _, before, after in self.verdicts)
        return bool(self.new_problems or self.lost_coverage or worse)


def load(path: str) -> dict[str, Any]:
    try:
        report = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise NotAReport(f"{path}: {error}") from None
    if not isinstance(report, dict) or report.get("schema") != SCHEMA:
        found = report.get("schema") if isinstance(report, dict) else type(report).__name__
        raise NotAReport(f"{path}: not a {SCHEMA} report (schema {found!r})")
    return report


def short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MESSAGE_SHOWN else flat[: MESSAGE_SHOWN - 3] + "..."


def compare(before: dict[str, Any], after: dict[str, Any], before_name: str, after_name: str) -> Comparison:
    result = Comparison(before_name, after_name, duration=(before["duration"], after["duration"]))
    old_verdicts = {g["name"]: g["verdict"] for g in before["guarantees"]}
    new_verdicts = {g["name"]: g["verdict"] for g in after["guarantees"]}
    for name in sorted(old_verdicts.keys() | new_verdicts.keys()):
        was, now = old_verdicts.get(name, "absent"), new_verdicts.get(name, "absent")
        if was != now:
            result.verdicts.append((name, was, now))
    old = {c["nodeid"]: c for c in before["checks"]}
    new = {c["nodeid"]: c for c in after["checks"]}
    for nodeid in sorted(old.keys() | new.keys()):
        was, now = old.get(nodeid), new.get(nodeid)
        if was is None and now is not None:
            result.added.append((nodeid, now["outcome"]))
        if now is None and was is not None:
            result.gone.append((nodeid, was["outcome"]))
        if now is None:
            continue
        was_outcome = was["outcome"] if was is not None else "absent"
        if now["outcome"] in BAD and was_outcome != now["outcome"]:
            result.new_problems.append((nodeid, was_outcome, now["outcome"], short(now["message"])))
        elif was_outcome == "passed" and now["outcome"] == "skipped":
            result.lost_coverage.append((nodeid, short(now["message"])))
        elif was_outcome in BAD and now["outcome"] == "passed":
            result.fixed.append((nodeid, was_outcome))
        if (
            was is not None
            and was["outcome"] == now["outcome"] == "passed"
            and now["duration"] >= was["duration"] * SLOWER_RATIO
            and now["duration"] - was["duration"] >= SLOWER_SECONDS
        ):
            result.slower.append((nodeid, was["duration"], now["duration"]))
    return result


def text(result: Comparison) -> str:
    lines = [
        f"comparing {result.before} ({result.duration[0]:.0f} s) with {result.after} ({result.duration[1]:.0f} s)",
        "REGRESSION" if result.regressed else "no regression",
    ]

    def section(title: str, rows: list[str]) -> None:
        if rows:
            lines.append(f"\n{title} ({len(rows)}):")
            lines.extend(f"  {row}" for row in rows)

    section("guarantees whose verdict changed", [f"{g}: {b} -> {a}" for g, b, a in result.verdicts])
    section(
        "checks that newly fail or error",
        [f"{c}: {b} -> {a}: {m}" if b != "absent" else f"{c} (new): {a}: {m}" for c, b, a, m in result.new_problems],
    )
    section("checks that passed and now skip", [f"{c}: {m}" for c, m in result.lost_coverage])
    section("checks fixed", [f"{c}: {b} -> passed" for c, b in result.fixed])
    section(
        f"checks markedly slower (at least {SLOWER_RATIO}x and {SLOWER_SECONDS:.0f} s more)",
        [f"{c}: {b:.1f} s -> {a:.1f} s ({a / b:.1f}x)" for c, b, a in result.slower],
    )
    section("checks added", [f"{c}: {o}" for c, o in result.added])
    section("checks gone", [f"{c}: was {o}" for c, o in result.gone])
    if len(lines) == 2:
        lines.append("nothing changed: every check has the outcome it had, none markedly slower")
    return "\n".join(lines) + "\n"


STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1040px; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; border-bottom: 1px solid #ccc; margin-top: 1.4em; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
th { background: #f5f5f5; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 9px; color: #fff; font-weight: 600; }
.regression { background: #c0392b; } .clean { background: #2e8b57; }
td.mono { font-family: ui-monospace, monospace; font-size: 0.85em; }
"""


def html(result: Comparison) -> str:
    verdict = (
        '<span class="badge regression" id="verdict">REGRESSION</span>'
        if result.regressed
        else '<span class="badge clean" id="verdict">no regression</span>'
    )
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>kubia-conformance: comparison</title>',
        f"<style>{STYLE}</style></head><body><h1>What changed since the last run</h1>",
        f"<p>{verdict} {escape(result.before)} ({result.duration[0]:.0f} s) → {escape(result.after)} "
        f"({result.duration[1]:.0f} s)</p>",
    ]

    def table(section_id: str, title: str, header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
        if not rows:
            return
        parts.append(f'<h2>{escape(title)} ({len(rows)})</h2><table id="{section_id}"><tr>')
        parts.append("".join(f"<th>{escape(h)}</th>" for h in header) + "</tr>")
        for row in rows:
            cells = "".join(f'<td class="{"mono" if i == 0 else ""}">{escape(c)}</td>' for i, c in enumerate(row))
            parts.append(f'<tr class="row">{cells}</tr>')
        parts.append("</table>")

    table("verdicts", "Guarantees whose verdict changed", ("guarantee", "before", "after"), result.verdicts)
    table(
        "new-problems", "Checks that newly fail or error", ("check", "before", "after", "message"), result.new_problems
    )
    table("lost-coverage", "Checks that passed and now skip", ("check", "why it skips"), result.lost_coverage)
    table("fixed", "Checks fixed", ("check", "before"), result.fixed)
    table(
        "slower",
        f"Checks markedly slower (at least {SLOWER_RATIO}x and {SLOWER_SECONDS:.0f} s more)",
        ("check", "before", "after", "ratio"),
        [(c, f"{b:.1f} s", f"{a:.1f} s", f"{a / b:.1f}x") for c, b, a in result.slower],
    )
    table("added", "Checks added", ("check", "outcome"), result.added)
    table("gone", "Checks gone", ("check", "outcome before"), result.gone)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kubia-conformance compare", description=(__doc__ or "").split("\n\n")[0].split(": ", 1)[0]
    )
    parser.add_argument("before", metavar="BEFORE/report.json")
    parser.add_argument("after", metavar="AFTER/report.json")
    parser.add_argument("--html", metavar="PATH", help="also write the comparison as one HTML page")
    args = parser.parse_args(argv)
    try:
        result = compare(load(args.before), load(args.after), args.before, args.after)
    except NotAReport as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    print(text(result), end="")
    if args.html:
        Path(args.html).write_text(html(result))
    return 1 if result.regressed else 0
