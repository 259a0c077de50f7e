"""Failover figures of a node-loss check: how long each step of losing a node and recovering from it took, read off
the moments the check saw (seconds since the epoch, on the suite's clock: watch events as they arrived, actions as
they returned).

The moments: fault (the node taken down), not_ready and lost_taint (the node's Ready condition, then the node
lifecycle controller's NoExecute taint), deleted and terminating (a normal delete of the pod on the lost node), let_go
(the force delete or the out-of-service taint), replacement_ready (its replacement Running and Ready), healed and
node_ready (the node brought back, then Ready), old_gone (the old pod's containers gone from the node, where the
fault left them running); from the volume's write trace (evidence/trace.py), second_writer and first_writer_stopped
(two incarnations writing at once, after the let-go) and old_last_write (the old pod's last write, after the heal):
on the nodes' clocks.
"""

from __future__ import annotations

from dataclasses import dataclass

SPANS = (
    ("fault to NotReady", "fault", "not_ready"),
    ("fault to the node's NoExecute taint", "fault", "lost_taint"),
    ("delete to Terminating", "deleted", "terminating"),
    ("{let_go} to replacement Ready", "let_go", "replacement_ready"),
    ("heal to node Ready", "healed", "node_ready"),
    ("heal to old container gone", "healed", "old_gone"),
    ("two writers of the volume at once, after the {let_go}", "second_writer", "first_writer_stopped"),
    ("heal to the old writer's last write", "healed", "old_last_write"),
)
"""Each figure: its name, and the moments it runs from and to."""


@dataclass(frozen=True)
class Figure:
    what: str
    started: float
    ended: float

    @property
    def seconds(self) -> float:
        return self.ended - self.started


def figures(moments: dict[str, float], let_go: str) -> list[Figure]:
    """Every figure whose two moments were seen, in SPANS' order; let_go names the act that freed the identity
    ("force delete", "out-of-service taint")."""
    return [
        Figure(what.format(let_go=let_go), moments[start], moments[end])
        for what, start, end in SPANS
        if start in moments and end in moments
    ]


def recovery(moments: dict[str, float]) -> float | None:
    """From the force delete or the taint to the replacement Running and Ready: what --max-recovery bounds."""
    if "let_go" in moments and "replacement_ready" in moments:
        return moments["replacement_ready"] - moments["let_go"]
    return None
