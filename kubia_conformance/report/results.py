"""Reading the results of runs back from their JUnit files: each check's outcome (passed, failed, error, skipped)
with its message and evidence. Used by scripts/soak and the self-checks.

Usage: python -m kubia_conformance.report.results [--brief] JUNIT... : prints every failure and error with its evidence
(with --brief: one line each, the start of its message), then one summary line; exit status 1 if there was any.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

EVIDENCE_SHOWN = 3000
"""Characters of evidence printed per problem: the end of the report, where the timeline and events are."""
BRIEF_MESSAGE = 400
"""Characters of a problem's message printed with --brief (scripts/test's summary at the end of a CI log)."""


SEVERITY = ("passed", "skipped", "error", "failed")
"""Outcomes from the least to the most telling: of two testcase elements of one check, the more telling counts."""


@dataclass(frozen=True)
class Outcome:
    check: str
    """The test's name, with its parameters."""
    outcome: str
    """passed, failed (the cluster broke a guarantee), error (the suite could not tell), or skipped."""
    message: str = ""
    evidence: str = ""


def read_outcomes(junit: Path) -> dict[str, Outcome]:
    """Test name -> its outcome. A check with a failure in its call and an error in its teardown counts as failed
    (pytest writes two testcase elements of one name for it: the failure, then the error)."""
    results: dict[str, Outcome] = {}
    for case in ElementTree.parse(junit).iter("testcase"):
        name = case.get("name", "")
        evidence = case.findtext("system-out") or ""
        failure, error, skipped = case.find("failure"), case.find("error"), case.find("skipped")
        if failure is not None:
            outcome = Outcome(name, "failed", failure.get("message", ""), evidence)
        elif error is not None:
            outcome = Outcome(name, "error", error.get("message", ""), evidence)
        elif skipped is not None:
            outcome = Outcome(name, "skipped", skipped.get("message", ""))
        else:
            outcome = Outcome(name, "passed")
        earlier = results.get(name)
        if earlier is None or SEVERITY.index(outcome.outcome) > SEVERITY.index(earlier.outcome):
            results[name] = outcome
    return results


def main(arguments: list[str]) -> int:
    brief = "--brief" in arguments
    paths = [argument for argument in arguments if argument != "--brief"]
    problems = 0
    for path in paths:
        for outcome in read_outcomes(Path(path)).values():
            if outcome.outcome not in ("failed", "error"):
                continue
            problems += 1
            if brief:
                message = " ".join(outcome.message.split())[:BRIEF_MESSAGE]
                print(f"{path}: {outcome.check} {outcome.outcome}: {message}")
            else:
                print(
                    f"\n=== {path}: {outcome.check} ({outcome.outcome})\n{outcome.message}\n"
                    f"{outcome.evidence[-EVIDENCE_SHOWN:]}"
                )
    print(f"{'' if brief else chr(10)}{problems} failed or errored checks in {len(paths)} runs")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
