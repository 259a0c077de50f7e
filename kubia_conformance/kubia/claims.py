"""Keeping the kubia StatefulSet's claims: a snapshot of them that the claim watch holds to staying kept for the rest
of the test (an invariant), and how they stopped being kept since, read off the claim timeline (evidence/claims.py)
and, for a claim whose losses the watch did not see, off the volume it is on now."""

from __future__ import annotations

from kubernetes import client

from kubia_conformance.cluster.connect import Cluster
from kubia_conformance.cluster.objects import describe_claim, is_usable, uid_of, volume_name, volume_source
from kubia_conformance.cluster.retry import api
from kubia_conformance.cluster.watch import Objects
from kubia_conformance.evidence.claims import ClaimSnapshot, claim_losses, losses_by_claim
from kubia_conformance.evidence.timeline import ClaimTimeline


class ClaimKeeping:
    """The claims of the kubia StatefulSet in one namespace, held to being kept (a part of Kubia)."""

    cluster: Cluster
    claim_timeline: ClaimTimeline

    def claim_snapshot(self, names: set[str] | None = None, guarantee: str | None = None) -> ClaimSnapshot:
        """The claims now (or those of names), which the test expects to keep for the rest of it: from here on, the
        claim watch holds each of them to staying Bound, unmarked, on its volume (an invariant, of guarantee when the
        test names one, audited at the end of the test)."""
        seq = self.claim_timeline.sync()
        claims = {n: c for n, c in self.claim_timeline.current().items() if names is None or n in names}
        snapshot = ClaimSnapshot(
            seq,
            {name: (uid_of(claim), volume_name(claim)) for name, claim in claims.items()},
            self._describe_kept(claims),
        )
        seen = f"since {', '.join(sorted(claims))} were seen"
        self.claim_timeline.invariants.append(
            (
                f"{guarantee} (claims kept {seen})" if guarantee else f"claims kept ({seen})",
                lambda states: claim_losses(states, snapshot),
            )
        )
        return snapshot

    def lost_claims(self, snapshot: ClaimSnapshot) -> list[str]:
        """How the claims of a snapshot stopped being kept since it, up to now: every loss the claim watch saw
        (with its time), then, for claims it saw none for, a volume that is not the same one (another uid or
        source under the same name)."""
        self.claim_timeline.sync()
        losses = losses_by_claim(self.claim_timeline.states, snapshot)
        seen_lost = {name for name, _ in losses}
        lost = list(losses.values())
        claims = self.claim_timeline.current()
        for name, was in sorted(snapshot.described.items()):
            claim = claims.get(name)
            if name in seen_lost:
                continue
            if claim is None:
                lost.append(f"{name} is gone (it was {was})")
            elif not is_usable(claim):
                lost.append(f"{describe_claim(claim)}: no longer usable")
            elif (now := self._describe_kept({name: claim})[name]) != was:
                lost.append(f"{name} is now {now}, was {was}")
        return lost

    def _describe_kept(self, claims: Objects) -> dict[str, str]:
        return {name: f"uid {uid_of(claim)[:8]} on {self._volume(claim)}" for name, claim in claims.items()}

    def _volume(self, claim: client.V1PersistentVolumeClaim) -> str:
        """The claim's volume as "name (uid ...) source": the same name with another uid or source is not it."""
        name = volume_name(claim)
        if not name:
            return "no volume"
        volume = api(self.cluster.core.read_persistent_volume, name)
        return f"{name} (uid {uid_of(volume)[:8]}) {volume_source(volume)}"
