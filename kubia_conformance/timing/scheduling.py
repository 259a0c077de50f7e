"""Longest checks first, under xdist: each check's duration is remembered in pytest's cache, and the next run
starts the longest ones first, each paired with a short one.

The checks last from 5 to 35 s. xdist's default (`load`) hands each worker two consecutive checks at the start,
and a worker keeps its next check even while others idle. Two long checks then run one after the other on one
worker, and the run waits for them. With the durations of an earlier run, the first two checks of each worker are
the i-th longest and the i-th shortest of the first 2 x workers (longest first), and the rest go, longest first,
to whichever worker is free. A first run (or one with -p no:cacheprovider) plans from durations.json beside this
file: each check's time in a run of the whole suite on the local cluster at the default width, and each
self-check's in a run of scripts/test (refresh it with `python -m kubia_conformance.timing.scheduling
.pytest_cache` after such a run: it adds to what is there), so that it too starts the longest first: the
whole-cluster self-checks most of all, which last from 3 s to 4 min. The order
of a run does not change what a check proves: each has its own namespace.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScheduling

CACHE_KEY = "kubia_conformance/durations"
"""nodeid -> seconds (setup + call + teardown, less the wait for a node lock) of the check's last run."""
SHIPPED = Path(__file__).with_name("durations.json")
"""The durations a first run plans with: nodeid -> seconds, from a run of the whole suite on the local cluster and,
for the self-checks, of scripts/test."""


def shipped_durations() -> dict[str, float]:
    return {str(k): float(v) for k, v in json.loads(SHIPPED.read_text()).items()}


def cached_durations(config: pytest.Config) -> dict[str, float]:
    cache = getattr(config, "cache", None)
    value = cache.get(CACHE_KEY, {}) if cache is not None else {}
    return {str(k): float(v) for k, v in value.items()} if isinstance(value, dict) else {}


def known_durations(config: pytest.Config) -> dict[str, float]:
    """The durations of the last run of each check, over the shipped ones."""
    return {**shipped_durations(), **cached_durations(config)}


def remember_durations(config: pytest.Config, durations: dict[str, float]) -> None:
    """Keeps the durations of the checks that ran in the cache, beside those of earlier runs (no cache: nothing)."""
    cache = getattr(config, "cache", None)
    if cache is not None and durations:
        cache.set(CACHE_KEY, {**cached_durations(config), **durations})


def initial_plan(durations: Sequence[float], workers: int) -> tuple[list[list[int]], list[int]]:
    """Which checks (indices into durations) each worker gets first, and the rest in the order they go out.

    Longest first; of the first 2 x workers, worker i gets the i-th longest and the i-th from the end, so that the
    long ones are paired with the short ones; the rest stay queued, longest first."""
    order = sorted(range(len(durations)), key=lambda i: (-durations[i], i))
    head, rest = order[: 2 * workers], order[2 * workers :]
    plan: list[list[int]] = [[] for _ in range(workers)]
    for i in range(min(workers, len(head))):
        plan[i].append(head[i])
        partner = len(head) - 1 - i
        if partner >= workers:
            plan[i].append(head[partner])
    return plan, rest


class LongestFirst(LoadScheduling):  # type: ignore[misc]  # xdist is untyped
    """xdist's `load` scheduling with a first distribution by initial_plan; after it, `load` sends the queued
    checks to the workers as they free up."""

    collection: list[str] | None
    maxschedchunk: int | None

    def __init__(self, config: pytest.Config, log: Any, durations: dict[str, float]) -> None:
        super().__init__(config, log)
        self._durations = durations

    def schedule(self) -> None:
        assert self.collection_is_completed
        if self.collection is not None:
            super().schedule()
            return
        if not self._check_nodes_have_same_collection():
            self.log("**Different tests collected, aborting run**")
            return
        collection: list[str] = next(iter(self.node2collection.values()))
        self.collection = collection
        if not collection:
            return
        if self.maxschedchunk is None:
            self.maxschedchunk = len(collection)
        known = list(self._durations.values())
        unknown = sum(known) / len(known) if known else 0.0
        expected = [self._durations.get(nodeid, unknown) for nodeid in collection]
        plan, rest = initial_plan(expected, len(self.nodes))
        self.pending[:] = rest
        for node, indices in zip(self.nodes, plan, strict=True):
            if indices:
                self.node2pending[node].extend(indices)
                node.send_runtest_some(indices)
        if not self.pending:
            for node in self.nodes:
                node.shutdown()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> LoadScheduling | None:
    """Longest first when the run uses xdist's default `load`; else xdist's."""
    durations = known_durations(config)
    if config.getvalue("dist") != "load" or not durations:
        return None
    return LongestFirst(config, log, durations)


def main(cache_dir: str) -> None:
    """Adds the durations a run left in cache_dir (a .pytest_cache folder) to durations.json, over the ones there."""
    cached = json.loads((Path(cache_dir) / "v" / CACHE_KEY).read_text())
    durations = shipped_durations()
    checks = ("tests_conformance/", "tests_selfcheck/")
    durations.update({k: round(float(v), 1) for k, v in cached.items() if k.startswith(checks)})
    SHIPPED.write_text(json.dumps(dict(sorted(durations.items())), indent=1) + "\n")
    print(f"{len(durations)} durations written to {SHIPPED}")


if __name__ == "__main__":
    main(sys.argv[1])
