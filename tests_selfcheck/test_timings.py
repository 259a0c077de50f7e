"""The time split behind scripts/bench (what counts as the cluster converging, as a hold, as overhead), the
longest-first plan, and deletes whose answer was lost."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kubernetes.client.exceptions import ApiException

from kubia_conformance.cluster.retry import api_delete
from kubia_conformance.timing import stopwatch
from kubia_conformance.timing.scheduling import SHIPPED_TAKERS, initial_plan
from kubia_conformance.timing.split import split


def measurement(kind, started, reached, ended):
    return {"kind": kind, "what": kind, "started": started, "reached": reached, "ended": ended}


def test_a_wait_is_convergence_up_to_the_state_and_latency_after_it():
    check = {
        "duration": 20.0,
        "measurements": [
            measurement("wait", 100.0, 104.0, 104.1),  # waited 4 s, noticed 0.1 s later
            measurement("wait", 105.0, 105.0, 105.0),  # the state was already there: no latency to count
            measurement("hold", 106.0, 116.0, 116.0),
            measurement("poll", 117.0, 118.5, 118.5),  # DNS: convergence, latency unknown
            measurement("lock", 90.0, 91.0, 91.0),
            measurement("sync", 119.0, 119.2, 119.2),
        ],
    }
    result = split(check)
    assert result.convergence == 5.5
    assert result.holds == 10.0
    assert result.lock == 1.0
    assert round(result.syncs, 3) == 0.2
    assert [round(x, 3) for x in result.latencies] == [0.1]
    assert round(result.overhead, 3) == 3.5


def test_only_the_outermost_measurement_is_recorded():
    stopwatch.start()
    with stopwatch.measure("hold", "a quiet window"), stopwatch.measure("sync", "inside it"):
        pass
    with stopwatch.measure("wait", "a state") as waited:
        waited.reach(time.time())
    records = stopwatch.stop()
    assert [(r["kind"], r["what"]) for r in records] == [("hold", "a quiet window"), ("wait", "a state")]
    assert all(r["started"] <= r["reached"] <= r["ended"] for r in records)


def test_outside_a_check_nothing_is_recorded():
    assert stopwatch.stop() == []
    with stopwatch.measure("wait", "nothing running"):
        pass
    assert stopwatch.stop() == []


def test_longest_first_pairs_each_long_check_with_a_short_one():
    durations = [5, 30, 10, 35, 8, 20, 12]
    plan, rest = initial_plan(durations, workers=3)
    # longest first: 3 (35), 1 (30), 5 (20), 6 (12), 2 (10), 4 (8), 0 (5); the first six are paired end to end
    assert plan == [[3, 4], [1, 2], [5, 6]]
    assert rest == [0]


def test_checks_that_take_a_node_go_out_first_whatever_their_length():
    durations = [5, 30, 10, 35, 8, 20, 12]
    takes = [False, False, True, False, False, False, True]
    plan, rest = initial_plan(durations, workers=3, first=takes)
    # 6 (12) and 2 (10) take a node: first, each to its own worker; then 3 (35), 1 (30), 5 (20), 4 (8), 0 (5)
    assert plan == [[6, 4], [2, 5], [3, 1]]
    assert rest == [0]


def test_the_shipped_node_takers_are_the_disruptive_checks():
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "tests_conformance", "--collect-only", "-q", "-m", "disruptive"],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    disruptive = {line for line in collected.stdout.splitlines() if "::" in line}
    assert disruptive == set(json.loads(SHIPPED_TAKERS.read_text())), (
        "refresh kubia_conformance/timing/node-takers.json"
    )


def test_longest_first_with_more_workers_than_checks():
    plan, rest = initial_plan([5, 30], workers=3)
    assert plan == [[1], [0], []]
    assert rest == []


def test_a_delete_whose_answer_was_lost_counts_as_done():
    answers = [ApiException(status=503), ApiException(status=404)]

    def delete():
        raise answers.pop(0)

    assert api_delete(delete) is None


def test_a_delete_of_something_that_was_never_there_is_an_answer():
    def delete():
        raise ApiException(status=404)

    with pytest.raises(ApiException):
        api_delete(delete)
