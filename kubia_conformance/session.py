"""What a run knows once it has started: its options, and, after the preflight, the cluster and its capabilities.
The plugin's hooks keep them in pytest's stash; the fixtures read them from there."""

from __future__ import annotations

import pytest

from kubia_conformance.backends.capabilities import Capabilities
from kubia_conformance.backends.outage import NodeOutage
from kubia_conformance.cluster.connect import Cluster
from kubia_conformance.options import Options
from kubia_conformance.timeouts import Timeouts

OPTIONS = pytest.StashKey[Options]()
CLUSTER = pytest.StashKey[Cluster]()
CAPABILITIES = pytest.StashKey[Capabilities]()
OUTAGES = pytest.StashKey[list[NodeOutage]]()
"""On a check's item: the nodes it took down (fixtures/outage.py); a failure while one is down and Ready again is the
fault's, not the cluster's (plugin.py)."""
DELETED_NAMESPACES = pytest.StashKey[set[str]]()
"""The test namespaces this process deleted: the session waits until they are gone."""


def options(config: pytest.Config) -> Options:
    return config.stash[OPTIONS]


def timeouts(config: pytest.Config) -> Timeouts:
    """Every timeout and quiet window, scaled by --timeout-scale."""
    return Timeouts().scaled(options(config).timeout_scale)


def cluster(config: pytest.Config) -> Cluster:
    """The cluster, connected and checked by the preflight (KeyError before it, or in a run that needs none)."""
    return config.stash[CLUSTER]


def capabilities(config: pytest.Config) -> Capabilities:
    return config.stash[CAPABILITIES]
