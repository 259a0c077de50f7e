"""Retries of API calls that failed for a transient reason: throttling, server errors, dropped connections."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import tenacity
import urllib3
from kubernetes.client.exceptions import ApiException

from kubia_conformance.timeouts import Timeouts

T = TypeVar("T")

TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_BUDGET = Timeouts().api_retry
"""Fixed, not scaled: timeouts.py says why."""


def is_transient(error: BaseException) -> bool:
    """True for failures worth another try; a 4xx other than 429 is an answer, not a fault."""
    if isinstance(error, ApiException):
        return error.status in TRANSIENT_STATUSES or error.status == 0
    return isinstance(error, (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError))


_retrying = tenacity.Retrying(
    retry=tenacity.retry_if_exception(is_transient),
    wait=tenacity.wait_random_exponential(multiplier=0.2, max=5.0),
    stop=tenacity.stop_after_delay(RETRY_BUDGET),
    reraise=True,
)


def api(call: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Calls the Kubernetes API, retrying transient failures with backoff for up to RETRY_BUDGET seconds."""
    return _retrying.copy()(call, *args, **kwargs)


def api_delete(call: Callable[..., T], *args: object, **kwargs: object) -> T | None:
    """A delete, retried like api(). A 404 after a failed attempt means that attempt went through (the server
    deleted the object and its answer was lost), so it counts as done and None is returned. A 404 on the first
    attempt is an answer, and is raised. (A churn kill once got a 404 for a pod its watch still showed, with 16
    workers on 2 cores: the likely cause.)"""
    attempts = 0

    def attempt() -> T | None:
        nonlocal attempts
        attempts += 1
        try:
            return call(*args, **kwargs)
        except ApiException as error:
            if error.status == 404 and attempts > 1:
                return None
            raise

    return api(attempt)
