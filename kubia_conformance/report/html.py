"""The acceptance report as one self-contained HTML page: no script, no network, no external file, so it reads the
same when mailed. Rendered from the document document.py builds (the same one report.json holds)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from kubia_conformance.report import lifecycle

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1040px; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; margin-top: 1.6em; }
h3 { font-size: 1em; margin: 0; font-family: ui-monospace, monospace; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
th { background: #f5f5f5; }
#cluster th { width: 16em; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 9px; color: #fff; font-weight: 600;
         font-size: 0.85em; min-width: 3.5em; text-align: center; }
.badge.pass, .badge.passed { background: #2e8b57; } .badge.fail, .badge.failed { background: #c0392b; }
.badge.error { background: #e67e22; } .badge.skip, .badge.skipped { background: #888; }
.check { border: 1px solid #ddd; border-radius: 6px; padding: 0.6em 0.8em; margin: 0.8em 0; }
.check.failed { border-color: #c0392b; } .check.error { border-color: #e67e22; }
.check header { display: flex; gap: 0.8em; align-items: baseline; flex-wrap: wrap; }
.meta { color: #666; font-size: 0.85em; }
pre { background: #f8f8f8; padding: 0.5em; overflow-x: auto; font-size: 0.8em; white-space: pre-wrap; }
pre.message { background: #fdf0ef; border-left: 3px solid #c0392b; }
.check.error pre.message { background: #fdf5ec; border-left-color: #e67e22; }
.check.skipped pre.message { background: #f3f3f3; border-left-color: #888; }
ol.marks { font-size: 0.8em; margin: 0.2em 0; columns: 2; }
svg.lifecycle { max-width: 100%; height: auto; }
.summary span { margin-right: 1em; }
"""
VERDICT_WORDS = {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "skip": "SKIP"}


def render(report: dict[str, Any]) -> str:
    summary = report["summary"]
    cluster = report["cluster"]
    title = f"kubia-conformance: {cluster['context'] if cluster else 'no cluster'}, {report['started']}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        "<h1>StatefulSet guarantees: acceptance report</h1>",
        f'<p class="summary" id="summary">{_summary(summary)} <span class="meta">started {escape(report["started"])}'
        f", {report['duration']:.0f} s, kubia-conformance {escape(report['suite']['version'])}</span></p>",
        *_header(report),
        *_verdicts(report["guarantees"]),
        "<h2>Checks</h2>",
        '<p class="meta">Each picture: one lane per pod incarnation (name and uid), coloured by its state as the pod '
        "watch saw it; numbered marks for what the test did and what happened to a node it stopped; shaded windows "
        "are holds, in which nothing may happen. Hover for times.</p>",
    ]
    for index, check in enumerate(report["checks"]):
        parts += _check(index, check)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _summary(summary: dict[str, int]) -> str:
    return " ".join(
        f'<span><span class="badge {outcome}">{count}</span> {outcome}</span>' for outcome, count in summary.items()
    )


def _header(report: dict[str, Any]) -> list[str]:
    cluster, suite = report["cluster"], report["suite"]
    parts = ['<h2>Cluster</h2><table id="cluster">']
    if cluster is None:
        parts.append("<tr><td>No cluster was reached: no conformance check ran.</td></tr></table>")
    else:
        rows = [
            ("context", cluster["context"]),
            ("server", cluster["server"]),
            ("Kubernetes", cluster["version"]),
            ("storage", cluster["storage"]),
            ("DNS, as the suite reached it", cluster["dns"] or "not reachable from the runner"),
        ]
        parts += [f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows]
        capabilities = "<br>".join(escape(line) for line in cluster["capabilities"])
        parts.append(f"<tr><th>capabilities detected</th><td>{capabilities}</td></tr></table>")
        parts.append(
            '<table id="nodes"><tr><th>node</th><th>roles</th><th>Ready</th><th>kubelet</th>'
            "<th>container runtime</th><th>OS</th></tr>"
        )
        for node in cluster["nodes"]:
            cells = (
                node["name"],
                ", ".join(node["roles"]) or "-",
                node["ready"],
                node["kubelet"],
                node["runtime"],
                node["os"],
            )
            parts.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>")
        parts.append("</table>")
    options = json.dumps(suite["options"], indent=1)
    parts.append(
        f'<details><summary class="meta">suite options ({suite["workers"] or "no"} xdist workers): '
        f"{escape(' '.join(suite['arguments']))}</summary><pre>{escape(options)}</pre></details>"
    )
    return parts


def _verdicts(guarantees: list[dict[str, Any]]) -> list[str]:
    parts = [
        '<h2>Verdicts, one per guarantee</h2><table id="verdicts">',
        "<tr><th>verdict</th><th>guarantee</th><th>what it promises</th><th>checks</th></tr>",
    ]
    for guarantee in guarantees:
        verdict = guarantee["verdict"]
        parts.append(
            f'<tr class="verdict" data-verdict="{verdict}"><td><span class="badge {verdict}">'
            f"{VERDICT_WORDS[verdict]}</span></td><td>{escape(guarantee['name'])}</td>"
            f"<td>{escape(guarantee['promise'])}</td><td>{escape(guarantee['reason'])}</td></tr>"
        )
    parts.append("</table>")
    return parts


def _check(index: int, check: dict[str, Any]) -> list[str]:
    outcome = check["outcome"]
    parts = [
        f'<article class="check {outcome}" id="check-{index}" data-outcome="{outcome}" '
        f'data-nodeid="{escape(check["nodeid"])}">',
        f'<header><span class="badge {outcome}">{outcome}</span><h3>{escape(check["name"])}</h3>'
        f'<span class="meta">{escape(check["guarantee"])} · {check["duration"]:.1f} s · '
        f"{escape(check['module'])}</span></header>",
    ]
    if check["message"]:
        parts.append(f'<pre class="message">{escape(check["message"])}</pre>')
    recorded = check["lifecycle"]
    if recorded is None:
        parts.append('<p class="meta">No lifecycle: the check did not get as far as deploying.</p>')
    else:
        parts.append(
            lifecycle.svg(
                recorded["pods"],
                recorded["marks"],
                recorded["holds"],
                start=recorded["start"],
                end=recorded["end"],
                title=f"lifecycle of {check['name']}",
            )
        )
        marks = [
            f"<li>{lifecycle.clock(mark['at'])} {escape(mark['what'])}</li>"
            for _, mark in lifecycle.numbered(recorded["marks"])
        ]
        if marks:
            parts.append('<ol class="marks">' + "".join(marks) + "</ol>")
    figures = check.get("figures") or []
    if figures:
        rows = "".join(
            f"<tr><td>{escape(f['what'])}</td><td>{f['seconds']:.1f} s</td>"
            f"<td>{lifecycle.clock(f['started'])} to {lifecycle.clock(f['ended'])}</td></tr>"
            for f in figures
        )
        parts.append(f'<table class="figures"><tr><th>failover</th><th>took</th><th>from, to</th></tr>{rows}</table>')
    if check["evidence"]:
        opened = " open" if outcome in ("failed", "error") else ""
        parts.append(
            f'<details class="evidence"{opened}><summary>evidence</summary><pre>{escape(check["evidence"])}</pre>'
            "</details>"
        )
    parts.append("</article>")
    return parts
