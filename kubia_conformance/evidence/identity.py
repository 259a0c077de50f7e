"""Reading "at most one pod per identity" off a continuous span of a pod timeline: no name, and no claim, ever held
by two pods that exist at once; and, when a node is lost, the pod on it left alone until the test lets it go. Each
rule returns the violations it saw, as sentences with times."""

from __future__ import annotations

from kubia_conformance.cluster.objects import claim_name, is_statefulset_pod
from kubia_conformance.evidence.states import PodState, Rule, S, creations
from kubia_conformance.evidence.timeline import newer

AT_MOST_ONE = "at most one pod per identity (name, claim and DNS name)"


def identity_violations(states: list[PodState]) -> list[str]:
    """At most one pod per identity:
    - a new incarnation of kubia-N seen while the previous one still existed;
    - any pod, whatever its name or labels, mounting a claim that another existing pod mounts (a terminating pod
      still exists: it may still be writing);
    - any pod, whatever its name or labels, carrying the DNS name (hostname.subdomain) another existing pod
      carries: a headless Service that selects both answers for that name with two addresses;
    - an incarnation of kubia-N mounting a claim other than data-kubia-N."""
    violations = []
    live: dict[str, PodState] = {}
    shared = Holders()
    for state in states:
        if not state.exists:
            if state.name in live and live[state.name].uid == state.uid:
                del live[state.name]
            shared.let_go(state)
            continue
        other = live.get(state.name)
        if other is not None and other.uid != state.uid:
            violations.append(
                f"{state.name} uid {state.uid[:8]} seen at {state.when} while uid {other.uid[:8]} still existed"
            )
        live[state.name] = state
        violations += shared.take(state)
        if not is_statefulset_pod(state.name):
            continue
        own = claim_name(state.name)
        if state.claims and state.claims != (own,):
            claims = ", ".join(state.claims)
            violations.append(f"{state.name} uid {state.uid[:8]} mounts {claims} at {state.when}, not {own}")
    return violations


class Holders:
    """Which existing pods hold each claim (mounting it) and each DNS name (carrying it), as the states go by: a
    second holder of one is a violation, said once per pair of pods."""

    def __init__(self) -> None:
        self._held: dict[tuple[str, str], dict[str, PodState]] = {}
        """(how, what: "mounts", a claim; "carries the DNS name", a name) -> uid -> the pod holding it."""
        self._reported: set[tuple[str, frozenset[str]]] = set()

    @staticmethod
    def _holdings(state: PodState) -> list[tuple[str, str]]:
        return [("mounts", claim) for claim in state.claims] + (
            [("carries the DNS name", state.dns_name)] if state.dns_name else []
        )

    def let_go(self, gone: PodState) -> None:
        for holding in self._holdings(gone):
            self._held.get(holding, {}).pop(gone.uid, None)

    def take(self, state: PodState) -> list[str]:
        violations = []
        for how, what in self._holdings(state):
            holding = self._held.setdefault((how, what), {})
            holding[state.uid] = state
            for holder in holding.values():
                pair = (what, frozenset((holder.uid, state.uid)))
                if holder.uid != state.uid and pair not in self._reported:
                    self._reported.add(pair)
                    gerund = "mounting" if how == "mounts" else "carrying"
                    violations.append(
                        f"{state.name} (uid {state.uid[:8]}) {how} {what} at {state.when} (#{state.seq}) while "
                        f"{holder.name} (uid {holder.uid[:8]}) {gerund} it still existed"
                    )
        return violations


def untouched_until_let_go(name: str, uid: str, node: str) -> Rule[PodState]:
    """The at-most-one rule while pod name (incarnation uid) is on the lost node, until the test lets it go (a force
    delete, the out-of-service taint): the pod stays, nothing replaces it. A normal delete does not let it go: the
    pod must stay Terminating."""

    def rule(states: list[PodState]) -> list[str]:
        violations = [
            f"{name} (uid {s.uid[:8]}) on the lost node {node} was removed at {s.when}, before the test "
            "force-deleted it"
            for s in states
            if s.uid == uid and not s.exists
        ]
        violations += [
            f"a replacement {name} (uid {s.uid[:8]}) was created at {s.when} while the old one was on the lost "
            f"node {node}, before the test force-deleted it"
            for s in creations(states)
            if s.name == name and s.uid != uid
        ]
        return violations

    return rule


def controller_losses(states: list[PodState], uid: str, controller: str) -> list[str]:
    """Each state in which pod incarnation uid was not controlled by controller (a uid), or was gone: a pod the
    StatefulSet adopted must stay its own."""
    violations = []
    for s in states:
        if s.uid != uid:
            continue
        if not s.exists:
            violations.append(f"{s.name} (uid {uid[:8]}) was deleted at {s.when} (#{s.seq})")
        elif s.owner != controller:
            held = f"controlled by uid {s.owner[:8]}" if s.owner else "without a controller"
            violations.append(f"{s.name} (uid {uid[:8]}) was {held} at {s.when} (#{s.seq})")
    return violations


def left_alone(name: str, uid: str) -> Rule[S]:
    """Pod or claim name (incarnation uid) must be neither deleted nor marked for deletion: a released pod is no
    longer the StatefulSet's to remove."""

    def rule(states: list[S]) -> list[str]:
        return [
            f"{name} (uid {uid[:8]}) {'was deleted' if not s.exists else 'was marked for deletion'} at {s.when} "
            f"(#{s.seq})"
            for s in states
            if s.uid == uid and (s.terminating or not s.exists)
        ][:1]

    return rule


def replacements_left_alone(name: str, replaced: str) -> Rule[S]:
    """Every incarnation of pod or claim name but replaced (the one the test deleted) must be neither deleted nor
    marked for deletion: what the cluster makes in its place is not for anyone to remove again."""

    def rule(states: list[S]) -> list[str]:
        for state in states:
            if state.name == name and state.uid != replaced and (state.terminating or not state.exists):
                made = next(s for s in states if s.uid == state.uid)
                done = "was deleted" if not state.exists else "was marked for deletion"
                return [
                    f"the new {name} (uid {state.uid[:8]}, seen at {made.when} (#{made.seq})) {done} at {state.when} "
                    f"(#{state.seq}); the test deleted only uid {replaced[:8]}"
                ]
        return []

    return rule


def released_for_good(name: str, uid: str, owner: str) -> Rule[PodState]:
    """Once pod name (incarnation uid) is seen without a controller (released), it refers to owner (the StatefulSet's
    uid) no more, by any ownerReference, controller or not: a released pod is no longer the set's in any way (the
    garbage collector would delete it with the set)."""

    def rule(states: list[PodState]) -> list[str]:
        released = next((s for s in states if s.uid == uid and s.exists and not s.owner), None)
        if released is None:
            return []
        again = next((s for s in states if s.seq >= released.seq and s.uid == uid and owner in s.owners), None)
        if again is None:
            return []
        how = "as its controller" if again.owner == owner else "by an ownerReference that is not its controller"
        return [
            f"{name} (uid {uid[:8]}), released at {released.when} (#{released.seq}), referred to the StatefulSet "
            f"(uid {owner[:8]}) {how} at {again.when} (#{again.seq})"
        ]

    return rule


def failed_pod_kept(states: list[PodState], uid: str, counted_version: str, counted_at: str) -> list[str]:
    """A StatefulSet deletes a Failed pod in the very sync in which it counts it out, and makes it again after: pod
    incarnation uid, seen Failed, must have been deleted (or marked for deletion) before the controller's status write
    of resourceVersion counted_version (seen at counted_at) that counted it out. A set that counts a Failed pod as
    present writes that status all the same, and never deletes the pod: this sees it at the write, not by a wait
    for a replacement that runs out. resourceVersions of one etcd are compared as numbers (timeline.newer); they
    are, on every cluster that keeps pods and StatefulSets in one etcd."""
    failed = next((s for s in states if s.uid == uid and s.exists and s.phase == "Failed"), None)
    if failed is None:
        return []
    marked = next((s for s in states if s.uid == uid and (s.terminating or not s.exists)), None)
    if marked is not None and not newer(marked.version, counted_version):
        return []
    after = f"it was deleted only at {marked.when} (#{marked.seq})" if marked else "it was not deleted since"
    return [
        f"{failed.name} (uid {uid[:8]}) was Failed at {failed.when} (#{failed.seq}); the StatefulSet's status counted "
        f"it out at {counted_at} (resourceVersion {counted_version}) while the set still kept it: {after}"
    ]
