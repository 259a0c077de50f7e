"""The session preflight: connect once, check what every test needs, and choose each backend, so that a bad setup
is one error line before any test runs, not a failure per test."""

from __future__ import annotations

from kubernetes.client.exceptions import ApiException

from kubia_conformance.backends.capabilities import Capabilities, detect
from kubia_conformance.backends.dns import choose_dns
from kubia_conformance.backends.node_choice import choose_disruption, from_facts
from kubia_conformance.backends.storage import choose_storage
from kubia_conformance.cluster.connect import Cluster, PreflightError, connect
from kubia_conformance.cluster.permissions import check_permissions
from kubia_conformance.options import Options
from kubia_conformance.timeouts import Timeouts


def preflight(
    options: Options, timeouts: Timeouts, *, controller: dict[str, str] | None = None
) -> tuple[Cluster, Capabilities]:
    """The cluster, connected and checked, and what it can do. Raises PreflightError with the one line to show.

    controller: in an xdist worker, the node backend its controller chose (node_choice.backend_facts). The
    controller ran the whole preflight before it started any worker, so the worker leaves out what cannot differ
    between them: the RBAC questions (49 access reviews), the search for a container engine and the node-fault
    probe."""
    cluster = connect(options.kubeconfig, options.context, timeouts.api_probe)
    try:
        if controller is None:
            check_permissions(cluster)
        storage = choose_storage(cluster, options.storage_mode, options.storage_class)
        dns = choose_dns(cluster, options.dns_servers, options.cluster_domain, timeouts)
        if controller is None:
            disruption = choose_disruption(cluster, options, timeouts)
        else:
            disruption = from_facts(controller, cluster, timeouts)
        return cluster, detect(cluster, storage, dns, disruption, probe_namespace="default")
    except ApiException as error:
        raise PreflightError(f"server {cluster.server} refused a check: {error.status} {error.reason}") from None
