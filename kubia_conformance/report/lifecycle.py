"""A check's lifecycle picture: one lane per pod incarnation (name and uid) coloured by its state, the test's
actions and node events as numbered marks on the time axis, hold windows shaded. Drawn as a self-contained SVG from
records the check already keeps: its pod timeline (evidence/timeline.py) and its stopwatch
(timing/stopwatch.py).

The records are plain dictionaries, as the report carries them (document.py and its schema):
- pods: {"seq", "at", "event", "name", "uid", "phase", "ready", "terminating", "node", "inferred"}, "at" in seconds
  since the epoch, in the order the watch saw them;
- marks: {"kind": "action" | "node" | "gap", "what", "at"}: what the test did, what happened to a node it stopped,
  and where the watch lost history;
- holds: {"what", "started", "ended"}.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from typing import Any

from kubia_conformance.evidence.history import Gap
from kubia_conformance.evidence.states import PodState
from kubia_conformance.timing.clock import clock as time_of_day

STATES = {
    "pending": ("Pending", "#f2c14e"),
    "running": ("Running, not Ready", "#7fb3d5"),
    "ready": ("Running and Ready", "#2e8b57"),
    "terminating": ("Terminating", "#d9534f"),
    "finished": ("Succeeded or Failed", "#999999"),
}
"""Lane colour per state: (legend, fill)."""
MARK_COLOURS = {"action": "#1f3a93", "node": "#c0392b", "gap": "#e67e22"}
HOLD_FILL = "#8e44ad"

WIDTH = 980
LABELS = 190
"""Width of the lane names on the left."""
RIGHT = 14
MARK_ROW = 22
AXIS_ROW = 18
LANE = 14
LANE_GAP = 5
LEGEND_ROW = 26
MIN_SPAN_SECONDS = 1.0


def pod_record(state: PodState) -> dict[str, Any]:
    """One pod state as the report carries it."""
    return {
        "seq": state.seq,
        "at": round(state.at.timestamp(), 3),
        "event": state.event,
        "name": state.name,
        "uid": state.uid,
        "phase": state.phase,
        "ready": state.ready,
        "terminating": state.terminating,
        "node": state.node,
        "inferred": state.inferred,
    }


def gap_mark(gap: Gap) -> dict[str, Any]:
    """Where the pod watch lost history, as a mark: what happened just before it is not known."""
    return {"kind": "gap", "what": gap.describe(), "at": round(gap.at.timestamp(), 3)}


def state_of(pod: dict[str, Any]) -> str | None:
    """The lane colour of a pod record: a key of STATES, or None once the pod is deleted (its lane ends)."""
    if pod["event"] == "DELETED":
        return None
    if pod["terminating"]:
        return "terminating"
    if pod["phase"] == "Running":
        return "ready" if pod["ready"] else "running"
    if pod["phase"] in ("Succeeded", "Failed"):
        return "finished"
    return "pending"


@dataclass(frozen=True)
class Segment:
    state: str
    started: float
    ended: float
    node: str


@dataclass(frozen=True)
class Lane:
    """One pod incarnation: what it was from its first record to its deletion (or the end of the check)."""

    name: str
    uid: str
    segments: tuple[Segment, ...]
    deleted: float | None
    inferred: bool
    """Its deletion was concluded from a relist, not seen."""


def lanes(pods: list[dict[str, Any]], end: float) -> list[Lane]:
    """The incarnations in the order they were first seen; each state lasts until the next one of the same uid."""
    by_uid: dict[str, list[dict[str, Any]]] = {}
    for pod in pods:
        by_uid.setdefault(pod["uid"], []).append(pod)
    result = []
    for uid, records in by_uid.items():
        segments = []
        deleted = None
        for record, following in zip(records, [*records[1:], None], strict=True):
            state = state_of(record)
            if state is None:
                deleted = record["at"]
                break
            until = following["at"] if following is not None else end
            segments.append(Segment(state, record["at"], max(until, record["at"]), record["node"]))
        result.append(Lane(records[0]["name"], uid, tuple(segments), deleted, records[-1]["inferred"]))
    return result


def clock(epoch: float) -> str:
    """12:00:01.304 (UTC), as the evidence shows times."""
    return time_of_day(datetime.fromtimestamp(epoch, timezone.utc))


def tick_step(span: float) -> float:
    """A round step that gives about 5 to 12 ticks over span seconds."""
    for step in (0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 300):
        if span / step <= 12:
            return step
    return 600.0


def svg(
    pods: list[dict[str, Any]],
    marks: list[dict[str, Any]],
    holds: list[dict[str, Any]],
    *,
    start: float,
    end: float,
    title: str,
) -> str:
    """The picture of one check from start to end (epoch seconds). Marks are numbered in time order, 1 first."""
    end = max(end, start + MIN_SPAN_SECONDS, *(p["at"] for p in pods), *(m["at"] for m in marks))
    scale = (WIDTH - LABELS - RIGHT) / (end - start)

    def x(moment: float) -> float:
        return round(LABELS + (min(max(moment, start), end) - start) * scale, 1)

    drawn = lanes(pods, end)
    top = MARK_ROW + AXIS_ROW
    height = top + max(len(drawn), 1) * (LANE + LANE_GAP) + LEGEND_ROW
    bottom = top + max(len(drawn), 1) * (LANE + LANE_GAP)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lifecycle" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11" role="img">',
        f"<title>{escape(title)}</title>",
    ]
    parts += _axis(start, end, x, top, bottom)
    parts += _holds(holds, x, top, bottom)
    for index, lane in enumerate(drawn):
        parts += _lane(lane, index, x, top)
    if not drawn:
        parts.append(f'<text x="{LABELS}" y="{top + LANE}" fill="#666">no pods in this check</text>')
    parts += _marks(marks, x, bottom)
    parts += _legend(bottom + 8)
    parts.append("</svg>")
    return "\n".join(parts)


def _axis(start: float, end: float, x: Any, top: int, bottom: int) -> list[str]:
    step = tick_step(end - start)
    parts = [f'<g class="axis"><line x1="{LABELS}" y1="{top - 4}" x2="{WIDTH - RIGHT}" y2="{top - 4}" stroke="#444"/>']
    tick = 0.0
    while start + tick <= end:
        at = x(start + tick)
        parts.append(
            f'<line x1="{at}" y1="{top - 7}" x2="{at}" y2="{bottom}" stroke="#ddd"/>'
            f'<text x="{at}" y="{top - 9}" text-anchor="middle" fill="#444">+{tick:g} s</text>'
        )
        tick += step
    parts.append(f'<text x="4" y="{top - 9}" fill="#444">{clock(start)} UTC</text></g>')
    return parts


def _holds(holds: list[dict[str, Any]], x: Any, top: int, bottom: int) -> list[str]:
    parts = []
    for hold in holds:
        left, right = x(hold["started"]), x(hold["ended"])
        parts.append(
            f'<rect class="hold" x="{left}" y="{top - 4}" width="{max(right - left, 1)}" height="{bottom - top + 4}" '
            f'fill="{HOLD_FILL}" fill-opacity="0.12" stroke="{HOLD_FILL}" stroke-opacity="0.5" stroke-dasharray="3 2">'
            f"<title>{escape(hold['what'])}: {clock(hold['started'])} to {clock(hold['ended'])}</title></rect>"
        )
    return parts


def _lane(lane: Lane, index: int, x: Any, top: int) -> list[str]:
    y = top + index * (LANE + LANE_GAP)
    who = f"{lane.name} (uid {lane.uid[:8]})"
    parts = [
        f'<g class="lane" data-pod="{escape(lane.name)}" data-uid="{escape(lane.uid)}">',
        f'<text x="4" y="{y + LANE - 3}" fill="#222">{escape(lane.name)} '
        f'<tspan fill="#777">{escape(lane.uid[:8])}</tspan></text>',
    ]
    for segment in lane.segments:
        label, fill = STATES[segment.state]
        left, right = x(segment.started), x(segment.ended)
        parts.append(
            f'<rect class="state" data-state="{segment.state}" x="{left}" y="{y}" width="{max(right - left, 1.5)}" '
            f'height="{LANE}" fill="{fill}"><title>{escape(who)} {label} on {escape(segment.node or "no node")}, '
            f"{clock(segment.started)} to {clock(segment.ended)}</title></rect>"
        )
    if lane.deleted is not None:
        at = x(lane.deleted)
        how = "gone (inferred from a relist)" if lane.inferred else "deleted"
        parts.append(
            f'<path class="deleted" d="M{at - 4},{y + 2} L{at + 4},{y + LANE - 2} M{at + 4},{y + 2} '
            f'L{at - 4},{y + LANE - 2}" stroke="#222" stroke-width="2"><title>{escape(who)} {how} at '
            f"{clock(lane.deleted)}</title></path>"
        )
    parts.append("</g>")
    return parts


def _marks(marks: list[dict[str, Any]], x: Any, bottom: int) -> list[str]:
    parts = []
    for number, mark in numbered(marks):
        at, colour = x(mark["at"]), MARK_COLOURS.get(mark["kind"], "#333")
        dash = ' stroke-dasharray="4 3"' if mark["kind"] == "action" else ""
        parts.append(
            f'<g class="mark" data-kind="{escape(mark["kind"])}"><title>{number}. {clock(mark["at"])} '
            f"{escape(mark['what'])}</title>"
            f'<line x1="{at}" y1="{MARK_ROW - 2}" x2="{at}" y2="{bottom}" stroke="{colour}"{dash}/>'
            f'<circle cx="{at}" cy="{MARK_ROW / 2}" r="8" fill="{colour}"/>'
            f'<text x="{at}" y="{MARK_ROW / 2 + 4}" text-anchor="middle" fill="#fff" font-size="10">{number}</text>'
            "</g>"
        )
    return parts


def numbered(marks: Iterable[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """The marks in time order, numbered from 1: the picture's circles and the report's list say the same."""
    return list(enumerate(sorted(marks, key=lambda m: m["at"]), start=1))


def _legend(y: int) -> list[str]:
    entries = [(label, fill, "rect") for label, fill in STATES.values()]
    entries += [("deleted", "#222", "cross"), ("hold", HOLD_FILL, "hold")]
    entries += [("test action", MARK_COLOURS["action"], "line"), ("node event", MARK_COLOURS["node"], "line")]
    parts, left = ['<g class="legend">'], 4
    for label, fill, shape in entries:
        if shape == "rect":
            parts.append(f'<rect x="{left}" y="{y}" width="12" height="10" fill="{fill}"/>')
        elif shape == "hold":
            parts.append(f'<rect x="{left}" y="{y}" width="12" height="10" fill="{fill}" fill-opacity="0.2"/>')
        elif shape == "cross":
            parts.append(
                f'<path d="M{left + 2},{y} L{left + 10},{y + 10} M{left + 10},{y} L{left + 2},{y + 10}" '
                f'stroke="{fill}" stroke-width="2"/>'
            )
        else:
            parts.append(
                f'<line x1="{left + 6}" y1="{y - 1}" x2="{left + 6}" y2="{y + 11}" stroke="{fill}" stroke-width="2"/>'
            )
        parts.append(f'<text x="{left + 16}" y="{y + 9}" fill="#333">{escape(label)}</text>')
        left += 22 + 6 * len(label)
    parts.append("</g>")
    return parts
