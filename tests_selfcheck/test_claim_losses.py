"""The claim rule read off a claim timeline (kubia_conformance/evidence/claims.py), on hand-made timelines: a
claim of a snapshot that stopped being kept, even between two reads, must show, once, with its time."""

from histories import T0, Recorder

from kubia_conformance.evidence.claims import ClaimSnapshot, claim_losses, passed_over
from kubia_conformance.evidence.states import ClaimState

SNAPSHOT = ClaimSnapshot(1, {"data-kubia-0": ("uid-0", "pv-0")}, {"data-kubia-0": "uid uid-0 on pv-0"})


def states(*changes: dict) -> list[ClaimState]:
    """The claim Bound at #1 (the snapshot), then each change applied in turn, one state each."""
    base = {
        "event": "MODIFIED",
        "name": "data-kubia-0",
        "uid": "uid-0",
        "phase": "Bound",
        "terminating": False,
        "volume": "pv-0",
    }
    out = [ClaimState(seq=1, at=T0, version="1", **{**base, "event": "LISTED"})]
    for seq, change in enumerate(changes, start=2):
        out.append(ClaimState(seq=seq, at=T0.replace(second=seq), version=str(seq), **{**base, **change}))
    return out


def test_a_claim_kept_bound_is_no_loss():
    assert claim_losses(states({}, {}), SNAPSHOT) == []


def test_a_claim_lost_for_a_moment_shows_even_if_bound_again():
    (loss,) = claim_losses(states({"phase": "Lost"}, {}), SNAPSHOT)
    assert loss == "data-kubia-0 (uid uid-0) was Lost at 12:00:02.000 (#2)"


def test_deletion_and_recreation_under_the_same_name_both_show():
    losses = claim_losses(
        states({"terminating": True}, {"event": "DELETED", "terminating": True}, {"event": "ADDED", "uid": "uid-9"}),
        SNAPSHOT,
    )
    assert losses == [
        "data-kubia-0 (uid uid-0) was marked for deletion at 12:00:02.000 (#2)",
        "data-kubia-0 (uid uid-0) was deleted at 12:00:03.000 (#3)",
        "data-kubia-0 reappeared at 12:00:04.000 (#4) as another claim (uid uid-9, was uid-0)",
    ]


def test_states_before_the_snapshot_and_other_claims_do_not_count():
    earlier = states({"name": "data-kubia-5", "phase": "Lost"})
    assert claim_losses(earlier, SNAPSHOT) == []
    assert claim_losses(states({"phase": "Pending"}), ClaimSnapshot(2, SNAPSHOT.kept, SNAPSHOT.described)) == []


def claim(seq: int, name: str, *, owners: tuple[str, ...] = (), **change: object) -> ClaimState:
    base = {"event": "MODIFIED", "uid": f"uid-{name}", "phase": "Bound", "terminating": False, "volume": f"pv-{name}"}
    return ClaimState(
        seq=seq, at=T0.replace(second=seq), version=str(seq), name=name, owners=owners, **{**base, **change}
    )


def test_a_claim_the_collector_passes_over_is_flagged_when_a_later_one_goes():
    pods = Recorder().created("kubia-2").created("kubia-1").deleted("kubia-2").deleted("kubia-1").states
    kept = claim(1, "data-kubia-2", owners=("uid-kubia-2",))
    in_order = [kept, claim(2, "data-kubia-1", owners=("uid-kubia-1",)), claim(3, "data-kubia-2", terminating=True)]
    in_order.append(claim(4, "data-kubia-1", owners=("uid-kubia-1",), terminating=True))
    assert passed_over(in_order, pods) == []
    skipped = [kept, claim(2, "data-kubia-1", owners=("uid-kubia-1",), terminating=True)]
    (violation,) = passed_over(skipped, pods)
    assert violation == (
        "data-kubia-2 (uid uid-data) still stood at 12:00:02.000 (#2), its owner kubia-2 (uid uid-kubi) deleted at "
        "12:00:03.000 (pod #3), when the garbage collector marked data-kubia-1 for deletion, whose owner kubia-1 (uid "
        "uid-kubi) went later, at 12:00:04.000 (pod #4)"
    )
