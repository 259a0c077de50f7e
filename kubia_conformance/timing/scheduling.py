"""Longest checks first, under xdist: each check's duration is remembered in pytest's cache, and the next run
starts the longest ones first, each paired with a short one; and before them, the checks that take a node
(node-takers.json, and those a cached run saw take one), while every node is still clear of other checks' pods.

The checks last from 5 to 35 s. xdist's default (`load`) hands each worker two consecutive checks at the start,
and a worker keeps its next check even while others idle. Two long checks then run one after the other on one
worker, and the run waits for them. With the durations of an earlier run, the first two checks of each worker are
the i-th longest and the i-th shortest of the first 2 x workers (longest first), and the rest go, longest first,
to whichever worker is free. A first run (or one with -p no:cacheprovider) plans from durations.json beside this
file: each check's time in a run of the whole suite on the local cluster at the default width, and each
self-check's in a run of scripts/test (refresh it with `python -m kubia_conformance.timing.scheduling
.pytest_cache` after such a run: it adds to what is there), so that it too starts the longest first: the
whole-cluster self-checks most of all, which last from 3 s to 4 min. The order of a run does not change what a
check proves: each has its own namespace.
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
TAKERS_KEY = "kubia_conformance/node_takers"
"""nodeids of the checks that took a node lock in their last run (those that stop, cordon or taint a node)."""
SHIPPED = Path(__file__).with_name("durations.json")
"""The durations a first run plans with: nodeid -> seconds, from a run of the whole suite on the local cluster and,
for the self-checks, of scripts/test."""


SHIPPED_TAKERS = Path(__file__).with_name("node-takers.json")
"""The checks that take a node, as a first run knows them."""


def shipped_durations() -> dict[str, float]:
    return {str(k): float(v) for k, v in json.loads(SHIPPED.read_text()).items()}


def node_takers(config: pytest.Config) -> set[str]:
    """The checks that take a node: the shipped list and those a cached run saw take one."""
    cache = getattr(config, "cache", None)
    cached = cache.get(TAKERS_KEY, []) if cache is not None else []
    return {str(n) for n in json.loads(SHIPPED_TAKERS.read_text())} | {str(n) for n in cached or []}


def cached_durations(config: pytest.Config) -> dict[str, float]:
    cache = getattr(config, "cache", None)
    value = cache.get(CACHE_KEY, {}) if cache is not None else {}
    return {str(k): float(v) for k, v in value.items()} if isinstance(value, dict) else {}


def known_durations(config: pytest.Config) -> dict[str, float]:
    """The durations of the last run of each check, over the shipped ones."""
    return {**shipped_durations(), **cached_durations(config)}


def remember_durations(config: pytest.Config, durations: dict[str, float], takers: set[str] | None = None) -> None:
    """Keeps the durations of the checks that ran in the cache, beside those of earlier runs, and which of them took
    a node (no cache: nothing)."""
    cache = getattr(config, "cache", None)
    if cache is not None and durations:
        cache.set(CACHE_KEY, {**cached_durations(config), **durations})
        earlier = {str(n) for n in cache.get(TAKERS_KEY, []) or []} - durations.keys()
        cache.set(TAKERS_KEY, sorted(earlier | (takers or set())))


def initial_plan(
    durations: Sequence[float], workers: int, first: Sequence[bool] = ()
) -> tuple[list[list[int]], list[int]]:
    """Which checks (indices into durations) each worker gets first, and the rest in the order they go out.

    The checks that take a node (first[i]) first, then the longest; of the first 2 x workers, worker i gets the
    i-th of that order and the i-th from the end, so that the long ones are paired with the short ones; the rest stay
    queued in that order. A check that takes a node waits until no other check has pods or volumes on it; at the
    start of a run every node is clear, and later, with every worker busy on a cluster as slow as kind on 2 cores, a
    node may not clear before the wait gives up (seen: a node-loss check errored after 300 s)."""
    takes = list(first) or [False] * len(durations)
    order = sorted(range(len(durations)), key=lambda i: (not takes[i], -durations[i], i))
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

    def __init__(self, config: pytest.Config, log: Any, durations: dict[str, float], takers: set[str]) -> None:
        super().__init__(config, log)
        self._durations = durations
        self._takers = takers

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
        plan, rest = initial_plan(expected, len(self.nodes), [nodeid in self._takers for nodeid in collection])
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
    return LongestFirst(config, log, durations, node_takers(config))


def main(cache_dir: str) -> None:
    """Adds the durations a run left in cache_dir (a .pytest_cache folder) to durations.json, over the ones there."""
    cached = json.loads((Path(cache_dir) / "v" / CACHE_KEY).read_text())
    durations = shipped_durations()
    checks = ("tests_conformance/", "tests_selfcheck/")
    durations.update({k: round(float(v), 1) for k, v in cached.items() if k.startswith(checks)})
    SHIPPED.write_text(json.dumps(dict(sorted(durations.items())), indent=1) + "\n")
    takers_file = Path(cache_dir) / "v" / TAKERS_KEY
    if takers_file.exists():
        takers = {str(n) for n in json.loads(SHIPPED_TAKERS.read_text())} | set(json.loads(takers_file.read_text()))
        SHIPPED_TAKERS.write_text(
            json.dumps(sorted(n for n in takers if n.startswith("tests_conformance/")), indent=1) + "\n"
        )
    print(f"{len(durations)} durations written to {SHIPPED}")


if __name__ == "__main__":
    main(sys.argv[1])
