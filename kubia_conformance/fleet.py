"""Acceptance across a fleet: `kubia-conformance fleet OUT --context A --context B [-- PYTEST ARGUMENTS]`.

Each cluster gets a run of its own: pytest against its context, with its own namespaces and node locks, its report
in OUT/<context>/ (report.json, report.html) and its JUnit in OUT/<context>/junit.xml, its output in
OUT/<context>/pytest.log. Runs against different API servers go at once; two contexts of one server go one after the
other (the suite would run them safely side by side, but they would share its nodes and slow each other's holds).
Then OUT/fleet.json and OUT/fleet.html: a matrix of guarantees by cluster on top, each cluster's facts and problems
below, with a link to its own report.

A --context value may carry that cluster's own pytest options after its name, e.g.
  --context "kwok-kubia-local --dns-server 127.0.0.1:10053"
The PYTEST ARGUMENTS after -- go to every run (default: tests_conformance). The exit status is 0 when every run
passed, 1 when any failed or errored, 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import yaml

from kubia_conformance.report.document import SCHEMA, VERDICT_ORDER
from kubia_conformance.report.html import STYLE, VERDICT_WORDS

FLEET_SCHEMA = "kubia-conformance-fleet/1"
LOG_TAIL = 5
"""Lines of a run's output quoted when it left no report (it could not reach its cluster, or bad options)."""


@dataclass
class Target:
    context: str
    arguments: list[str]
    server: str = ""
    exit_status: int | None = None
    seconds: float = 0.0

    @property
    def folder(self) -> str:
        return "".join(c if c.isalnum() or c in "-._" else "_" for c in self.context)


def parse_target(value: str) -> Target:
    words = shlex.split(value)
    if not words:
        raise ValueError("an empty --context")
    return Target(words[0], words[1:])


def server_of(kubeconfig: str | None, context: str) -> str:
    """The API server a context points at, "" when the kubeconfig files do not say (the run will say why). The files
    as kubectl reads them: --kubeconfig, else each of $KUBECONFIG, else ~/.kube/config."""
    paths = [kubeconfig] if kubeconfig else os.environ.get("KUBECONFIG", "").split(os.pathsep)
    clusters: dict[str, str] = {}
    contexts: dict[str, str] = {}
    for path in [p for p in paths if p] or [str(Path.home() / ".kube" / "config")]:
        try:
            loaded = yaml.safe_load(Path(path).read_text()) or {}
        except (OSError, yaml.YAMLError):
            continue
        for entry in loaded.get("clusters") or []:
            clusters.setdefault(entry.get("name", ""), (entry.get("cluster") or {}).get("server", ""))
        for entry in loaded.get("contexts") or []:
            contexts.setdefault(entry.get("name", ""), (entry.get("context") or {}).get("cluster", ""))
    return clusters.get(contexts.get(context, ""), "")


def run_one(target: Target, out: Path, kubeconfig: str | None, shared: list[str]) -> None:
    folder = out / target.folder
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pytest", *shared, "--context", target.context]
    command += ["--kubeconfig", kubeconfig] if kubeconfig else []
    command += ["--report", str(folder), "--junitxml", str(folder / "junit.xml"), *target.arguments]
    started = time.monotonic()
    with open(folder / "pytest.log", "w") as log:
        log.write(shlex.join(command) + "\n")
        log.flush()
        target.exit_status = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False).returncode
    target.seconds = time.monotonic() - started
    print(f"{target.context}: exit status {target.exit_status} after {target.seconds:.0f} s", flush=True)


def run_all(targets: list[Target], out: Path, kubeconfig: str | None, shared: list[str]) -> None:
    """One thread per API server; the contexts of one server one after the other within it."""
    by_server: dict[str, list[Target]] = {}
    for target in targets:
        by_server.setdefault(target.server or target.context, []).append(target)

    def serve(group: list[Target]) -> None:
        for target in group:
            run_one(target, out, kubeconfig, shared)

    threads = [threading.Thread(target=serve, args=(group,)) for group in by_server.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def read_report(target: Target, out: Path) -> dict[str, Any] | None:
    path = out / target.folder / "report.json"
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return report if report.get("schema") == SCHEMA else None


def fleet_document(targets: list[Target], out: Path) -> dict[str, Any]:
    clusters = []
    guarantees: dict[str, dict[str, str]] = {}
    for target in targets:
        report = read_report(target, out)
        entry: dict[str, Any] = {
            "context": target.context,
            "folder": target.folder,
            "server": target.server,
            "arguments": target.arguments,
            "exit_status": target.exit_status,
            "seconds": round(target.seconds, 1),
            "report": f"{target.folder}/report.html" if report else None,
        }
        if report is None:
            log = (out / target.folder / "pytest.log").read_text().splitlines()
            entry["problem"] = "no report: " + " | ".join(line for line in log[-LOG_TAIL:] if line.strip())
        else:
            cluster = report["cluster"] or {}
            entry.update(
                version=cluster.get("version", ""),
                nodes=len(cluster.get("nodes", [])),
                summary=report["summary"],
                problems=[
                    {"check": c["nodeid"], "outcome": c["outcome"], "message": c["message"]}
                    for c in report["checks"]
                    if c["outcome"] in ("failed", "error")
                ],
            )
            for guarantee in report["guarantees"]:
                guarantees.setdefault(guarantee["name"], {})[target.context] = guarantee["verdict"]
        clusters.append(entry)
    return {"schema": FLEET_SCHEMA, "clusters": clusters, "matrix": guarantees}


def worst(verdicts: dict[str, str]) -> int:
    return min(VERDICT_ORDER.index(v) for v in verdicts.values())


def fleet_html(document: dict[str, Any]) -> str:
    contexts = [c["context"] for c in document["clusters"]]
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>kubia-conformance: fleet</title>',
        f"<style>{STYLE}</style></head><body><h1>StatefulSet guarantees across {len(contexts)} clusters</h1>",
        '<h2>Guarantees by cluster</h2><table id="matrix"><tr><th>guarantee</th>',
        "".join(f"<th>{escape(c)}</th>" for c in contexts) + "</tr>",
    ]
    for name, verdicts in sorted(document["matrix"].items(), key=lambda item: (worst(item[1]), item[0])):
        cells = []
        for context in contexts:
            verdict = verdicts.get(context)
            cells.append(
                f'<td data-cluster="{escape(context)}" data-verdict="{verdict or "none"}">'
                + (f'<span class="badge {verdict}">{VERDICT_WORDS[verdict]}</span>' if verdict else "-")
                + "</td>"
            )
        parts.append(f'<tr class="guarantee"><td>{escape(name)}</td>{"".join(cells)}</tr>')
    parts.append("</table>")
    for cluster in document["clusters"]:
        parts.append(f'<section class="cluster" id="cluster-{escape(cluster["folder"])}">')
        parts.append(f"<h2>{escape(cluster['context'])}</h2>")
        if cluster.get("problem"):
            parts.append(f'<pre class="message">{escape(cluster["problem"])}</pre></section>')
            continue
        summary = " ".join(f"{count} {outcome}" for outcome, count in cluster["summary"].items())
        parts.append(
            f'<p class="meta">{escape(cluster["server"])} · Kubernetes {escape(cluster["version"])} · '
            f"{cluster['nodes']} nodes · {escape(summary)} · {cluster['seconds']:.0f} s · exit status "
            f'{cluster["exit_status"]} · <a href="{escape(cluster["report"])}">its report</a></p>'
        )
        for problem in cluster["problems"]:
            parts.append(
                f'<article class="check {problem["outcome"]}"><header><span class="badge {problem["outcome"]}">'
                f"{problem['outcome']}</span><h3>{escape(problem['check'])}</h3></header>"
                f'<pre class="message">{escape(problem["message"])}</pre></article>'
            )
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    shared = arguments[arguments.index("--") + 1 :] if "--" in arguments else []
    own = arguments[: arguments.index("--")] if "--" in arguments else arguments
    parser = argparse.ArgumentParser(prog="kubia-conformance fleet", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("out", metavar="OUT", help="folder for every cluster's report and the fleet's")
    parser.add_argument(
        "--context", action="append", required=True, metavar='"NAME [OPTIONS]"', help="a cluster; repeat for each"
    )
    parser.add_argument("--kubeconfig", metavar="PATH", help="as kubectl: default $KUBECONFIG, then ~/.kube/config")
    args = parser.parse_args(own)
    try:
        targets = [parse_target(value) for value in args.context]
    except ValueError as error:
        parser.error(str(error))
    names = [t.context for t in targets]
    if len(set(names)) != len(names):
        parser.error(f"a context is named twice: {', '.join(names)}")
    for target in targets:
        given = (
            target.arguments[target.arguments.index("--kubeconfig") + 1]
            if "--kubeconfig" in target.arguments[:-1]
            else None
        )
        target.server = server_of(given or args.kubeconfig, target.context)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    run_all(targets, out, args.kubeconfig, shared or ["tests_conformance"])
    document = fleet_document(targets, out)
    (out / "fleet.json").write_text(json.dumps(document, indent=1) + "\n")
    (out / "fleet.html").write_text(fleet_html(document))
    failed = [t.context for t in targets if t.exit_status != 0]
    print(f"fleet: {len(targets) - len(failed)} of {len(targets)} clusters passed; {out / 'fleet.html'}")
    return 1 if failed else 0
