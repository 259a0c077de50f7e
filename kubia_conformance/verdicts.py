"""What the end of a check means. A failure: the cluster broke a guarantee, or did not reach a state in time. An
error: the suite could not tell (a watch died or lost history, a node could not be stopped, the API server stopped
answering). The plugin reports every exception that is not an AssertionError as an error of the check."""

from __future__ import annotations

import pytest

OUTCOME_PROPERTY = "kubia.outcome"
"""A report property: "error" when a check ended in an infrastructure error rather than a verdict."""


class GuaranteeBroken(AssertionError):
    """The cluster broke a guarantee. The message names it and the facts, with times."""


class InfrastructureError(Exception):
    """The suite could not observe or act on the cluster as the check needs: no verdict either way."""


def require(guarantee: str, violations: list[str]) -> None:
    """Raises GuaranteeBroken naming the guarantee and every violation, if there are any."""
    if violations:
        raise GuaranteeBroken(f"{guarantee}: " + "; ".join(violations))


def expect(holds: bool, guarantee: str, broken: str) -> None:
    """Raises GuaranteeBroken("<guarantee>: <broken>") unless holds."""
    if not holds:
        raise GuaranteeBroken(f"{guarantee}: {broken}")


def mark_error(report: pytest.TestReport) -> None:
    """Marks a check's failed call as an infrastructure error: its exception was not the cluster's verdict."""
    report.user_properties = [*report.user_properties, (OUTCOME_PROPERTY, "error")]


def is_infrastructure_error(report: pytest.TestReport) -> bool:
    """A check's call failed with an infrastructure error (mark_error), not with a verdict."""
    return report.when == "call" and report.failed and (OUTCOME_PROPERTY, "error") in report.user_properties
