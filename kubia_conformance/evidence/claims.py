"""Reading claim retention off a claim timeline: from a snapshot on, each claim must stay the same claim, Bound,
unmarked and on the same volume. The rule returns every way a claim stopped being kept, as sentences with times;
the tests decide what to assert."""

from __future__ import annotations

from dataclasses import dataclass

from kubia_conformance.evidence.states import ClaimState, PodState


@dataclass(frozen=True)
class ClaimSnapshot:
    """The claims at one point of the claim timeline, which the test expects to keep from then on."""

    seq: int
    """The claim timeline's sequence number when the snapshot was taken."""
    kept: dict[str, tuple[str, str]]
    """claim name -> (uid, volume name)."""
    described: dict[str, str]
    """claim name -> "uid ..., on <volume name (uid) source>": what must not change for it to count as kept."""


def claim_losses(states: list[ClaimState], snapshot: ClaimSnapshot) -> list[str]:
    """Each way a claim of the snapshot stopped being kept after it, as the claim watch saw it, with times: deleted,
    marked for deletion, not Bound, bound to another volume, or replaced by another claim of the same name. A
    state that lasted only between two reads counts: the watch sees every one. Each loss is told once."""
    return list(losses_by_claim(states, snapshot).values())


def losses_by_claim(states: list[ClaimState], snapshot: ClaimSnapshot) -> dict[tuple[str, str], str]:
    """(claim name, kind of loss) -> the loss in words."""
    losses: dict[tuple[str, str], str] = {}
    for state in states:
        if state.seq <= snapshot.seq or state.name not in snapshot.kept:
            continue
        uid, volume = snapshot.kept[state.name]
        at = f"at {state.when} (#{state.seq})"
        if state.uid != uid:
            key, text = (
                "replaced",
                f"{state.name} reappeared {at} as another claim (uid {state.uid[:8]}, was {uid[:8]})",
            )
        elif not state.exists:
            key, text = "deleted", f"{state.name} (uid {uid[:8]}) was deleted {at}"
        elif state.terminating:
            key, text = "terminating", f"{state.name} (uid {uid[:8]}) was marked for deletion {at}"
        elif state.phase != "Bound":
            key, text = "phase", f"{state.name} (uid {uid[:8]}) was {state.phase or 'without phase'} {at}"
        elif state.volume != volume:
            key, text = "volume", f"{state.name} (uid {uid[:8]}) was on volume {state.volume} {at}, not {volume}"
        else:
            continue
        losses.setdefault((state.name, key), text)
    return losses


def passed_over(claims: list[ClaimState], pods: list[PodState]) -> list[str]:
    """The claims the garbage collector passed over, read off the claim watch beside the pod watch: a claim that
    still stood, unmarked, with an ownerReference to a pod that was deleted, at the moment the collector marked
    another claim for deletion whose owner pod went later. The collector deletes the dependents of each owner as it
    sees the owner go, so a claim left standing while a later one goes is one it will not delete (a retention policy
    of Delete broken), seen as it happens rather than by a wait for it that runs out."""
    gone = {s.uid: s for s in reversed(pods) if not s.exists}
    latest: dict[str, ClaimState] = {}
    violations: list[str] = []
    told: set[str] = set()
    for state in claims:
        before = latest.get(state.uid)
        latest[state.uid] = state
        marked = state.terminating or not state.exists
        if not marked or (before is not None and (before.terminating or not before.exists)):
            continue
        went = sorted((gone[uid] for uid in state.owners if uid in gone), key=lambda pod: pod.seq)
        if not went:
            continue
        for kept in latest.values():
            if kept.uid in told or kept.terminating or not kept.exists:
                continue
            earlier = [gone[uid] for uid in kept.owners if uid in gone and gone[uid].seq < went[0].seq]
            if earlier:
                told.add(kept.uid)
                violations.append(
                    f"{kept.name} (uid {kept.uid[:8]}) still stood at {state.when} (#{state.seq}), its owner "
                    f"{earlier[0].name} (uid {earlier[0].uid[:8]}) deleted at {earlier[0].when} "
                    f"(pod #{earlier[0].seq}), when the garbage collector marked {state.name} for deletion, whose "
                    f"owner {went[0].name} (uid {went[0].uid[:8]}) went later, at {went[0].when} (pod #{went[0].seq})"
                )
    return violations
