"""The kubia StatefulSet of the book in one test namespace: what the kubia fixture hands a test. It starts the two
watches of the test (pods and claims) before the test acts, and puts together what the test does with it: acting
(act.py), waiting (wait.py) and keeping its claims (claims.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kubia_conformance.backends.readiness import ReadinessControl
from kubia_conformance.backends.storage import Storage
from kubia_conformance.cluster.connect import Cluster
from kubia_conformance.evidence.identity import AT_MOST_ONE, identity_violations
from kubia_conformance.evidence.timeline import ClaimTimeline, PodTimeline
from kubia_conformance.kubia.act import Actions
from kubia_conformance.kubia.claims import ClaimKeeping
from kubia_conformance.timeouts import Timeouts


@dataclass
class Kubia(Actions, ClaimKeeping):
    """The kubia Service and StatefulSet in one namespace, and the timelines of its pods and claims."""

    cluster: Cluster
    namespace: str
    image: str
    storage: Storage
    readiness: ReadinessControl
    timeouts: Timeouts
    timeline: PodTimeline = field(init=False)
    claim_timeline: ClaimTimeline = field(init=False)

    def __post_init__(self) -> None:
        self.timeline = PodTimeline(self.cluster, self.namespace, self.timeouts)
        self.timeline.invariants.append((AT_MOST_ONE, identity_violations))
        self.claim_timeline = ClaimTimeline(self.cluster, self.namespace, self.timeouts)
        self.timeline.judge_beside(self.claim_timeline)
        self.timeline.start()
        try:
            self.claim_timeline.start()
        except BaseException:
            self.timeline.stop()
            raise

    def stop(self) -> None:
        """Stops both watches."""
        self.timeline.stop()
        self.claim_timeline.stop()

    def audit(self) -> list[str]:
        """The invariants of both timelines over the whole test (see Timeline.audit)."""
        return self.timeline.audit() + self.claim_timeline.audit()
