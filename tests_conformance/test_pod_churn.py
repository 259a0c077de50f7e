"""Pod-kill churn: while random kubia pods are deleted over and over, no identity ever exists twice at once and
every incarnation of kubia-N mounts data-kubia-N."""

import random
import time

from kubia_conformance.cluster.objects import is_terminating
from kubia_conformance.evidence.identity import identity_violations
from kubia_conformance.kubia.build import own_pods
from kubia_conformance.timing import stopwatch
from kubia_conformance.verdicts import expect, require

REPLICAS = 3


def test_pod_kill_churn_never_runs_an_identity_twice(kubia, timeouts):
    """Span: the whole test."""
    kubia.deploy_ready(REPLICAS)
    seed = time.time_ns()
    chooser = random.Random(seed)
    kills = []

    deadline = time.monotonic() + timeouts.churn
    with stopwatch.measure("hold", f"churn for {timeouts.churn:.0f} s"):
        while time.monotonic() < deadline:
            live = {n: p for n, p in own_pods(kubia.pods()).items() if not is_terminating(p)}
            victim = chooser.choice(sorted(live))
            kubia.delete_pod(victim)
            kills.append(victim)
            old_uid = live[victim].metadata.uid
            kubia.wait_pods(
                lambda pods, victim=victim, old_uid=old_uid: victim in pods and pods[victim].metadata.uid != old_uid,
                f"churn: {victim} to be recreated after kill #{len(kills)} (seed {seed})",
            )
    kubia.wait_ready(REPLICAS)

    require(
        f"at most one pod per identity broken under churn (seed {seed}, kills {', '.join(kills)})",
        identity_violations(kubia.timeline.states),
    )
    expect(
        len(kills) >= REPLICAS, "churn", f"only {len(kills)} kills in {timeouts.churn:.0f} s, too few to mean anything"
    )
