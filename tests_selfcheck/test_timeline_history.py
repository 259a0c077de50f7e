"""The timeline's record (kubia_conformance/evidence/history.py) and the ordering rules, on hand-made histories
with gaps: a span that crosses a gap cannot be read, so no proof can pass or fail across one; states inferred from
a relist count as deletions; listed pods are not creations."""

import pytest
from histories import Recorder
from kubernetes.client import V1ObjectMeta, V1Pod

from kubia_conformance.cluster.watch import WaitTimeout
from kubia_conformance.evidence.history import TimelineGap
from kubia_conformance.evidence.identity import identity_violations
from kubia_conformance.evidence.ordering import creation_order_violations, scale_down_violations
from kubia_conformance.evidence.states import creations
from kubia_conformance.evidence.timeline import PodTimeline
from kubia_conformance.evidence.watcher import event_version
from kubia_conformance.timeouts import Timeouts
from kubia_conformance.verdicts import GuaranteeBroken


def test_a_span_that_crosses_a_gap_is_inconclusive():
    r = Recorder().created("kubia-0").gap().add("kubia-0", event="RELISTED", phase="Running", ready=True)
    with pytest.raises(TimelineGap) as raised:
        r.history.span(0)
    message = str(raised.value)
    assert "inconclusive" in message, message
    assert "#2" in message, f"the gap's place in the sequence is not named: {message}"
    assert "lost history" in message, message


def test_spans_on_either_side_of_a_gap_can_be_read():
    r = Recorder().created("kubia-0").gap().add("kubia-0", event="RELISTED", phase="Running", ready=True)
    assert [s.seq for s in r.history.span(0, 1)] == [1]
    assert [s.seq for s in r.history.span(2)] == [3]


def test_a_gap_with_no_pod_states_after_it_still_blocks_the_span():
    r = Recorder().created("kubia-0").gap()
    with pytest.raises(TimelineGap):
        r.history.span(1)


def test_the_rendered_history_shows_the_gap_in_place():
    r = Recorder().created("kubia-0").gap().add("kubia-0", event="RELISTED", phase="Running", ready=True)
    lines = r.history.render().splitlines()
    assert "lost history" in lines[1], lines


def test_an_inferred_deletion_ends_an_incarnation_for_the_identity_rule():
    r = (
        Recorder()
        .created("kubia-1")
        .gap()
        .deleted("kubia-1", inferred=True)
        .add("kubia-1", event="RELISTED", uid="uid-new")
    )
    after_gap = r.history.span(2)
    assert identity_violations(after_gap) == []
    assert after_gap[0].status() == "gone (inferred from a relist)"


def test_relisted_and_listed_pods_are_not_creations():
    r = Recorder().add("kubia-0", event="LISTED", phase="Running", ready=True).gap().add("kubia-1", event="RELISTED")
    assert creations(r.history.span(2)) == []
    assert creation_order_violations(r.history.span(2)) == []


def test_an_inferred_deletion_counts_as_gone_for_scale_down():
    r = Recorder().terminating("kubia-2").deleted("kubia-2", inferred=True).terminating("kubia-1")
    assert scale_down_violations(r.history.span(0)) == []


def test_a_timed_out_wait_names_the_broken_invariant_as_its_cause():
    r = Recorder().created("kubia-1").created("kubia-1", uid="uid-second")
    timeline = PodTimeline(None, "ns", Timeouts(), history=r.history)  # never started: only its record is read
    timeline.invariants.append(("at most one pod per identity", identity_violations))
    explained = timeline.explain(WaitTimeout("kubia-1 to be Ready", 60, "kubia-1 Pending"))
    assert isinstance(explained, GuaranteeBroken), explained
    assert str(explained).startswith("at most one pod per identity: kubia-1 uid uid-seco seen at 12:00:02.000"), (
        explained
    )
    assert "(and then timed out after 60 s waiting for kubia-1 to be Ready" in str(explained), explained


def test_a_broken_invariant_ends_a_wait_at_once():
    r = Recorder().created("kubia-1")
    timeline = PodTimeline(None, "ns", Timeouts(), history=r.history)  # never started: only its record is read
    timeline.invariants.append(("at most one pod per identity", identity_violations))
    judged = timeline.broken_now(0, "the wait for kubia-1 to be Ready")
    assert judged == r.history.last_seq
    r.created("kubia-1", uid="uid-second")
    with pytest.raises(GuaranteeBroken) as broken:
        timeline.broken_now(judged, "the wait for kubia-1 to be Ready")
    assert str(broken.value).startswith("at most one pod per identity: kubia-1 uid uid-seco"), broken.value
    assert str(broken.value).endswith("(seen during the wait for kubia-1 to be Ready, which stopped there)")


def test_nothing_new_is_not_judged_again():
    r = Recorder().created("kubia-1").created("kubia-1", uid="uid-second")
    timeline = PodTimeline(None, "ns", Timeouts(), history=r.history)
    timeline.invariants.append(("at most one pod per identity", identity_violations))
    assert timeline.broken_now(r.history.last_seq, "a quiet window of 10 s") == r.history.last_seq


def test_a_timed_out_wait_with_no_broken_invariant_stays_a_timeout():
    timeline = PodTimeline(None, "ns", Timeouts(), history=Recorder().created("kubia-0").history)
    timeline.invariants.append(("at most one pod per identity", identity_violations))
    timed_out = WaitTimeout("kubia-0 to be Ready", 60, "kubia-0 Pending")
    assert timeline.explain(timed_out) is timed_out


def test_a_pod_created_before_a_span_is_no_creation_in_it():
    # A real kubelet updates a pod's status while the test watches a later window (seen first on kind: a readiness
    # probe failing in a quiet window); that update is not the pod's creation.
    r = Recorder().created("kubia-0").add("kubia-0", phase="Running", ready=False).created("kubia-1")
    assert [s.name for s in creations(r.history.span(1))] == ["kubia-1"]
    assert [s.name for s in creations(r.history.span(0))] == ["kubia-0", "kubia-1"]


def test_a_bookmark_moves_the_resource_version_without_an_object():
    # What the Python client yields for a BOOKMARK: the object stays the raw dictionary, with metadata only.
    raw = {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": "4242"}}
    assert event_version({"type": "BOOKMARK", "object": raw, "raw_object": raw}) == "4242"
    pod = V1Pod(metadata=V1ObjectMeta(name="kubia-0", resource_version="17"))
    assert event_version({"type": "MODIFIED", "object": pod, "raw_object": {}}) == "17"
