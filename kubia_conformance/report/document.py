"""The acceptance report (--report DIR): DIR/report.json, for dashboards (its schema: report.schema.json beside
this file), and DIR/report.html, one self-contained page to read and hand on (report_html.py).

It says, in this order: the cluster's facts and how the suite saw them (header), one verdict per guarantee, then
each check with its outcome, duration, message, evidence and lifecycle picture (lifecycle.py). Under xdist the
controller writes it from every worker's reports (records.CheckRecorder collects them).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from kubia_conformance.backends.capabilities import Capabilities
from kubia_conformance.cluster.connect import Cluster
from kubia_conformance.cluster.objects import labels_of, name_of, node_ready
from kubia_conformance.cluster.retry import api
from kubia_conformance.options import Options
from kubia_conformance.report.html import render

SCHEMA = "kubia-conformance-report/1"
SCHEMA_FILE = Path(__file__).with_name("report.schema.json")
GUARANTEE_PROPERTY = "kubia.guarantee"
"""A report (and JUnit) property: the guarantee a check belongs to, as its module's docstring names it."""
PROMISE_PROPERTY = "kubia.promise"
"""A report property: what the guarantee promises, in the module docstring's words."""
ROLE_LABEL = "node-role.kubernetes.io/"
VERDICT_ORDER = ("fail", "error", "pass", "skip")


def guarantee_of(docstring: str | None) -> tuple[str, str]:
    """(name, promise) from a test module's docstring, "Name: what it promises. More ..."."""
    first = " ".join((docstring or "").split("\n\n")[0].split())
    name, _, promise = first.partition(":")
    return name.strip() or "unnamed", promise.strip()


def short_message(text: str) -> str:
    """An exception's message as the report shows it: "GuaranteeBroken: ..." instead of its module path."""
    return re.sub(r"^(?:\w+\.)+(\w+): ", r"\1: ", text.strip())


def cluster_facts(cluster: Cluster, capabilities: Capabilities) -> dict[str, Any]:
    """What the header says of the cluster: read once, when the run starts."""
    nodes = []
    for node in api(cluster.core.list_node).items:
        info = node.status.node_info if node.status else None
        nodes.append(
            {
                "name": name_of(node),
                "ready": node_ready(node),
                "roles": sorted(k.removeprefix(ROLE_LABEL) for k in labels_of(node) if k.startswith(ROLE_LABEL)),
                "kubelet": info.kubelet_version if info else "",
                "runtime": info.container_runtime_version if info else "",
                "os": info.os_image if info else "",
            }
        )
    return {
        "context": cluster.context,
        "server": cluster.server,
        "version": cluster.version,
        "nodes": nodes,
        "storage": capabilities.storage.description,
        "dns": capabilities.dns.description if capabilities.dns else None,
        "capabilities": capabilities.lines(),
    }


def suite_facts(options: Options, arguments: Iterable[str], workers: int) -> dict[str, Any]:
    return {
        "version": metadata.version("kubia-conformance"),
        "arguments": list(arguments),
        "workers": workers,
        "options": {key: _plain(value) for key, value in dataclasses.asdict(options).items()},
    }


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def verdicts(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One verdict per guarantee, from its checks: fail if any failed (the cluster broke it), else error if any
    errored (the suite could not tell), else pass if any passed, else skip. The reason names the checks behind the
    verdict, and skipped checks with why."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for check in checks:
        grouped.setdefault(check["guarantee"], []).append(check)
    result = []
    for name, members in grouped.items():
        by_outcome: dict[str, list[dict[str, Any]]] = {}
        for check in members:
            by_outcome.setdefault(check["outcome"], []).append(check)
        verdict = next(
            v
            for v, outcome in zip(VERDICT_ORDER, ("failed", "error", "passed", "skipped"), strict=True)
            if outcome in by_outcome
        )
        reasons = [f"{len(by_outcome['failed'])} failed"] if "failed" in by_outcome else []
        reasons += [f"{len(by_outcome['error'])} errored"] if "error" in by_outcome else []
        reasons += [f"{len(by_outcome['passed'])} passed"] if "passed" in by_outcome else []
        reasons += [f"{check['name']} skipped: {check['message']}" for check in by_outcome.get("skipped", [])]
        result.append(
            {
                "name": name,
                "promise": members[0]["promise"],
                "verdict": verdict,
                "reason": "; ".join(reasons),
                "checks": [check["nodeid"] for check in members],
            }
        )
    return sorted(result, key=lambda g: (VERDICT_ORDER.index(g["verdict"]), g["name"]))


def document(
    *,
    started: float,
    ended: float,
    suite: dict[str, Any],
    cluster: dict[str, Any] | None,
    checks: list[dict[str, Any]],
) -> dict[str, Any]:
    """The whole report as report.json holds it."""
    summary = dict.fromkeys(("passed", "failed", "error", "skipped"), 0)
    for check in checks:
        summary[check["outcome"]] += 1
    return {
        "schema": SCHEMA,
        "started": datetime.fromtimestamp(started, timezone.utc).isoformat(timespec="seconds"),
        "duration": round(ended - started, 1),
        "suite": suite,
        "cluster": cluster,
        "summary": summary,
        "guarantees": verdicts(checks),
        "checks": checks,
    }


def write(directory: Path, report: dict[str, Any]) -> None:
    """DIR/report.json and DIR/report.html."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    (directory / "report.html").write_text(render(report))
