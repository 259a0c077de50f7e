"""Removes everything the suite may have left on a cluster: its namespaces (with their pods and claims), the
volumes it made in static storage mode, the Leases of its cluster lock, and nodes it stopped (started again,
out-of-service taint and marker annotation removed). For runs that were killed before their own teardown.

Usage: kubia-conformance-cleanup [--kubeconfig PATH] [--context NAME] [--dry-run]
       (the same as python -m kubia_conformance.cluster.cleanup)
"""

from __future__ import annotations

import argparse
import sys

from kubia_conformance.backends.disruption import find_backend
from kubia_conformance.backends.outage import NodeOutage, stopped_nodes
from kubia_conformance.cluster.connect import PreflightError, connect
from kubia_conformance.cluster.lock import delete_suite_leases, suite_leases
from kubia_conformance.cluster.namespaces import (
    SUITE_SELECTOR,
    delete_namespace,
    suite_namespaces,
    wait_namespaces_gone,
)
from kubia_conformance.cluster.objects import name_of
from kubia_conformance.cluster.retry import api
from kubia_conformance.timeouts import Timeouts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kubia-conformance-cleanup", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--kubeconfig", help="as kubectl: default $KUBECONFIG, then ~/.kube/config")
    parser.add_argument("--context", help="default: the kubeconfig's current-context")
    parser.add_argument("--dry-run", action="store_true", help="only list what would be removed")
    args = parser.parse_args(argv)
    timeouts = Timeouts()
    try:
        cluster = connect(args.kubeconfig, args.context, timeouts.api_probe)
    except PreflightError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2

    nodes = stopped_nodes(cluster)
    for node, owner in sorted(nodes.items()):
        print(f"node {node} (stopped by the test in namespace {owner})")
        if not args.dry_run:
            backend = find_backend(None, None, node, timeouts.node_command)
            if backend is None:
                print(
                    f"ERROR: node {node} is no docker or podman container here: start it with your node start "
                    "command, then run this again",
                    file=sys.stderr,
                )
                return 1
            outage = NodeOutage(cluster, backend, node, owner, timeouts, stopped=True, tainted=True)
            outage.restore()
            print(f"node {node} started and Ready, out-of-service taint removed")

    namespaces = suite_namespaces(cluster)
    volumes = [name_of(pv) for pv in api(cluster.core.list_persistent_volume, label_selector=SUITE_SELECTOR).items]
    leases = suite_leases(cluster)
    for name in namespaces:
        print(f"namespace {name}")
    for name in volumes:
        print(f"persistentvolume {name}")
    for name in leases:
        print(f"lease default/{name}")
    if args.dry_run or not (namespaces or volumes or leases):
        print("dry run: nothing changed" if args.dry_run else "no namespaces, volumes or leases to remove")
        return 0
    if leases:
        delete_suite_leases(cluster)
    for name in namespaces:
        delete_namespace(cluster, name)
    if volumes:
        api(cluster.core.delete_collection_persistent_volume, label_selector=SUITE_SELECTOR)
    wait_namespaces_gone(cluster, set(namespaces), timeouts.namespace_gone)
    print(f"removed {len(namespaces)} namespaces, {len(volumes)} volumes and {len(leases)} leases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
