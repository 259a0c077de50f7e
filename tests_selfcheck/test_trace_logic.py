"""The volume's write trace read back (kubia_conformance/evidence/trace.py), on hand-made traces: each incarnation
of a pod is one writer, and two writers whose lines interleave overlap, from the later one's first line."""

from kubia_conformance.evidence.trace import overlaps, writers

T = 1_800_000_000_000
"""A moment in unix ms."""


def lines(*entries: tuple[int, str, str]) -> str:
    return "".join(f"{T + ms} {uid} {node} {n}\n" for n, (ms, uid, node) in enumerate(entries, start=1))


def test_a_handoff_is_no_overlap():
    text = lines((0, "old", "w1"), (250, "old", "w1"), (900, "new", "w2"), (1150, "new", "w2"))
    found = writers(text)
    assert [(w.uid, w.node, w.lines) for w in found] == [("old", "w1", 2), ("new", "w2", 2)]
    assert overlaps(found) == []


def test_interleaved_lines_are_two_writers_at_once():
    text = lines((0, "old", "w1"), (250, "new", "w2"), (260, "old", "w1"), (500, "new", "w2"), (510, "old", "w1"))
    (overlap,) = overlaps(writers(text))
    assert (overlap.earlier.uid, overlap.later.uid) == ("old", "new")
    assert round(overlap.seconds, 3) == 0.25
    assert "both wrote from" in overlap.describe()


def test_a_torn_line_is_left_out():
    text = lines((0, "old", "w1")) + "18000000002"
    assert [w.lines for w in writers(text)] == [1]
