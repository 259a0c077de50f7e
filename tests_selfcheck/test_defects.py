"""Broken clusters must fail the right checks. Each defect breaks one guarantee of the embedded local cluster, by
a small program against the apiserver or a component change. For each, the checks that guard the guarantee run
twice: on the healthy cluster they pass, with the defect they FAIL with a message naming the guarantee. (With
$KUBIA_HEALTHY_JUNIT, the healthy outcomes come from the whole suite's run on the same cluster build instead.)

These change the whole cluster, so they run alone (marker `whole_cluster`, no xdist), after the other self-checks.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dns.message
import dns.query
import pytest
import tenacity
from kubernetes import watch

from conftest import REPO, run_suite_to_end
from kubia_conformance.report.results import Outcome, read_outcomes
from kubia_conformance.verdicts import GuaranteeBroken

pytestmark = [pytest.mark.whole_cluster, pytest.mark.usefixtures("left_clean")]

DEFECTS_DIR = Path(__file__).resolve().parent / "defects"
STATE = Path(os.environ.get("KUBECONFIG", "/nonexistent")).parent
"""The local cluster's state folder (scripts/local-cluster): its kubeconfig lives there."""
KWOK_CLUSTER = next((STATE / "kwok" / "clusters").glob("*"), STATE / "kwok" / "clusters" / "kubia-local")
"""kwokctl's folder of this cluster: the one cluster of its state folder (kubia-local, or kubia-local-N)."""
LOGS = STATE / "logs" if (STATE / "logs").is_dir() else REPO / "reports" / "defect-logs"
"""Where a defect program's output goes: beside the local cluster's logs, or under reports/ (kind)."""
COMPONENT_TIMEOUT = 60


@contextlib.contextmanager
def program(name: str, *args: str, watches: int = 1) -> Iterator[None]:
    """Runs defects/<name>.py for the duration, and makes sure it is gone afterwards. The check starts only once the
    program has its watches in place (it prints "watching ..." for each, defects/_common.py): a program slow to
    start under load must not miss what the check does first (one did: an orphaning it never saw)."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / f"defect-{name}-{os.getpid()}.log"
    command = [sys.executable, str(DEFECTS_DIR / f"{name}.py"), *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ready = threading.Event()

    def copy_output() -> None:
        seen = 0
        with open(log_path, "w") as log:
            for line in process.stdout or ():
                log.write(line)
                log.flush()
                seen += line.startswith("watching ")
                if seen >= watches:
                    ready.set()
        ready.set()  # the program ended: no need to wait longer

    copier = threading.Thread(target=copy_output, daemon=True)
    copier.start()
    try:
        if (watches and not ready.wait(COMPONENT_TIMEOUT)) or process.poll() is not None:
            state = f"exited with {process.returncode}" if process.poll() is not None else "was silent"
            said = "\n".join(log_path.read_text().splitlines()[-15:])
            raise RuntimeError(f"defect program {name} {state} before its watches were in place; it said:\n{said}")
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=COMPONENT_TIMEOUT)
        copier.join(COMPONENT_TIMEOUT)


def replace_process(pid_file: Path, command: list[str], log_name: str) -> None:
    """Stops the process in pid_file and starts command in its place, pid_file updated (so `down` still stops it)."""
    with contextlib.suppress(ProcessLookupError, ValueError, FileNotFoundError):
        pid = int(pid_file.read_text())
        exited = os.pidfd_open(pid)  # readable once the process has exited: a wait with no polling
        try:
            os.kill(pid, signal.SIGTERM)
            if not select.select([exited], [], [], COMPONENT_TIMEOUT)[0]:
                raise RuntimeError(f"{command[0]} (pid {pid}) did not exit within {COMPONENT_TIMEOUT} s of SIGTERM")
        finally:
            os.close(exited)
    with open(STATE / "logs" / log_name, "a") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
    pid_file.write_text(str(process.pid))


def command_line(pid_file: Path) -> list[str]:
    return Path(f"/proc/{int(pid_file.read_text())}/cmdline").read_text().split("\0")[:-1]


def lease_holder(cluster) -> str:
    lease = cluster.coordination.read_namespaced_lease("kube-controller-manager", "kube-system")
    return lease.spec.holder_identity


@contextlib.contextmanager
def without_statefulset_controller(cluster) -> Iterator[None]:
    """kube-controller-manager restarted with --controllers=*,-statefulset-controller, then restored."""
    with controller_manager_with(cluster, "--controllers=*,-statefulset-controller"):
        yield


@contextlib.contextmanager
def controller_manager_with(cluster, *flags: str) -> Iterator[None]:
    """kube-controller-manager restarted with flags added (a later flag wins over the same one before it), then
    restored."""
    pid_file = KWOK_CLUSTER / "pids" / "kube-controller-manager.pid"
    original = command_line(pid_file)
    holder = lease_holder(cluster)
    replace_process(pid_file, [*original, *flags, "--leader-elect=false"], "kube-controller-manager-defect.log")
    try:
        yield
    finally:
        replace_process(pid_file, original, "kube-controller-manager.log")
        stream = watch.Watch()
        for event in stream.stream(
            cluster.coordination.list_namespaced_lease,
            "kube-system",
            field_selector="metadata.name=kube-controller-manager",
            timeout_seconds=COMPONENT_TIMEOUT,
        ):
            if event["object"].spec.holder_identity != holder:
                stream.stop()


DNS_REPLICAS = ("coredns", "coredns-2")
"""The local cluster's CoreDNS processes (scripts/local-cluster), in the order of the endpoints in KUBIA_DNS_SERVER."""


def dns_endpoint(replica: int) -> tuple[str, str]:
    host, port = os.environ["KUBIA_DNS_SERVER"].split(",")[replica].rsplit(":", 1)
    return host, port


@contextlib.contextmanager
def coredns_answering_servfail(tmp_path: Path, replicas: tuple[int, ...]) -> Iterator[None]:
    """The CoreDNS replicas replaced, on the same addresses, by ones whose cluster zone answers SERVFAIL: up, but
    broken."""
    with contextlib.ExitStack() as stack:
        for replica in replicas:
            stack.enter_context(_servfail(tmp_path, replica))
        yield


@contextlib.contextmanager
def _servfail(tmp_path: Path, replica: int) -> Iterator[None]:
    name, (_, port) = DNS_REPLICAS[replica], dns_endpoint(replica)
    broken = tmp_path / f"Corefile.{name}.servfail"
    broken.write_text(
        f".:{port} {{\n  bind 127.0.0.1\n  template ANY ANY cluster.local {{\n    rcode SERVFAIL\n  }}\n}}\n"
    )
    pid_file = STATE / "pids" / name
    original = command_line(pid_file)
    replace_process(pid_file, [original[0], "-conf", str(broken)], f"{name}-defect.log")
    try:
        yield
    finally:
        replace_process(pid_file, original, f"{name}.log")


@contextlib.contextmanager
def flapping_dns(tmp_path: Path) -> Iterator[None]:
    """The first CoreDNS moved to another port, behind a proxy on its address that drops a record from every second
    answer."""
    host, port = dns_endpoint(0)
    upstream = str(int(port) + 100)
    pid_file = STATE / "pids" / DNS_REPLICAS[0]
    original = command_line(pid_file)
    corefile = Path(original[original.index("-conf") + 1])
    moved = tmp_path / "Corefile.moved"
    moved.write_text(corefile.read_text().replace(f".:{port} {{", f".:{upstream} {{"))
    replace_process(pid_file, [original[0], "-conf", str(moved)], f"{DNS_REPLICAS[0]}-defect.log")
    try:
        with program("flapping_dns", host, port, upstream, watches=0):
            answering(host, int(port))
            yield
    finally:
        replace_process(pid_file, original, f"{DNS_REPLICAS[0]}.log")
        answering(host, int(port))


def answering(host: str, port: int) -> None:
    """Waits until the DNS at host:port answers (a process just started there)."""
    query = dns.message.make_query("kubernetes.default.svc.cluster.local", "A")
    tenacity.Retrying(stop=tenacity.stop_after_delay(COMPONENT_TIMEOUT), wait=tenacity.wait_fixed(0.2), reraise=True)(
        dns.query.udp, query, host, port=port, timeout=1
    )


@dataclass
class Defect:
    name: str
    guarantee: str
    """What every expected failure message must say."""
    checks: list[str]
    """Conformance tests (node ids) that must pass when healthy and fail with the defect."""
    apply: Callable[[object, Path], contextlib.AbstractContextManager[None]] = field(repr=False)
    together: bool = True
    """The checks may run at once (one xdist worker each): the defect acts on each of them whatever the others do.
    Not so for a defect that alternates between answers, which two checks' questions would share."""

    def suite_arguments(self) -> list[str]:
        return ["-n", str(len(self.checks))] if self.together and len(self.checks) > 1 else []


DEFECTS = [
    Defect(
        "cluster DNS down (every CoreDNS endpoint's cluster zone answers SERVFAIL)",
        "peer discovery",
        [
            "tests_conformance/test_dns.py::test_srv_lists_exactly_the_ready_pods",
            "tests_conformance/test_dns.py::test_each_pod_a_record_is_its_pod_ip",
        ],
        lambda cluster, tmp: coredns_answering_servfail(tmp, (0, 1)),
    ),
    Defect(
        "one DNS replica broken (the second CoreDNS endpoint answers SERVFAIL, the first is healthy)",
        "peer discovery",
        [
            "tests_conformance/test_dns.py::test_srv_lists_exactly_the_ready_pods",
            "tests_conformance/test_dns.py::test_each_pod_a_record_is_its_pod_ip",
        ],
        lambda cluster, tmp: coredns_answering_servfail(tmp, (1,)),
    ),
    Defect(
        "naive StatefulSet controller (all pods at once, kube-controller-manager's own switched off)",
        "ordered creation",
        [
            "tests_conformance/test_ordered_creation.py::test_each_pod_is_created_after_its_predecessor_is_running_and_ready"
        ],
        lambda cluster, tmp: _both(without_statefulset_controller(cluster), program("naive_statefulset_controller")),
    ),
    Defect(
        "rogue claim cleaner (deletes claims of removed ordinals)",
        "claim retention",
        ["tests_conformance/test_claim_retention.py::test_claims_survive_scale_down_and_are_reattached_on_scale_up"],
        lambda cluster, tmp: program("claim_cleaner"),
    ),
    Defect(
        "rogue force-deleter (force-deletes pods on unready nodes at once)",
        "at most one",
        ["tests_conformance/test_node_loss.py::test_pod_on_a_lost_node_is_replaced_only_after_force_delete"],
        lambda cluster, tmp: program("force_deleter"),
    ),
    Defect(
        "hostname stripper (recreates pods without hostname and subdomain)",
        "stable identity|peer discovery",
        [
            "tests_conformance/test_stable_identity.py::test_deleted_pod_comes_back_with_the_same_name_and_hostname",
            "tests_conformance/test_dns.py::test_each_pod_a_record_is_its_pod_ip",
        ],
        lambda cluster, tmp: program("hostname_stripper"),
    ),
    Defect(
        "claim reaper (deletes every claim when a StatefulSet is deleted: a broken Retain)",
        "claims outlive the deletion|claims reattached",
        [
            "tests_conformance/test_deletion.py::test_cascading_delete_removes_the_pods[Background]",
            "tests_conformance/test_deletion.py::test_a_new_statefulset_of_the_same_name_reattaches_the_claims",
        ],
        lambda cluster, tmp: program("claim_reaper"),
    ),
    Defect(
        "finalizer stripper (a Foreground delete removes the StatefulSet before its pods)",
        "cascade Foreground",
        ["tests_conformance/test_deletion.py::test_cascading_delete_removes_the_pods[Foreground]"],
        lambda cluster, tmp: program("finalizer_stripper"),
    ),
    Defect(
        "rolling rusher (deletes the next lower pod as soon as an updated pod is created)",
        "rolling update keeps the set available|partition 2 (pods below it are left alone)|"
        "OnDelete (pods not deleted are left alone)",
        [
            "tests_conformance/test_updates.py::"
            "test_rolling_update_replaces_pods_in_reverse_ordinal_order_keeping_the_set_available",
            # Both act outside the quiet window: only the whole-test span catches them.
            "tests_conformance/test_updates.py::test_partition_updates_only_ordinals_at_or_above_it",
            "tests_conformance/test_updates.py::test_on_delete_updates_only_the_pods_that_were_deleted",
        ],
        lambda cluster, tmp: program("rolling_rusher"),
    ),
    Defect(
        "claim squatter (an unlabelled pod mounts a claim in use)",
        "at most one pod per identity",
        ["tests_conformance/test_stable_storage.py::test_recreated_pod_mounts_the_same_claim_and_volume"],
        lambda cluster, tmp: program("claim_squatter"),
    ),
    Defect(
        "DNS squatter (a pod of another name, selected by the headless Service, answers to a pod's DNS name)",
        "at most one pod per identity",
        ["tests_conformance/test_stable_identity.py::test_deleted_pod_comes_back_with_the_same_name_and_hostname"],
        lambda cluster, tmp: program("dns_squatter"),
    ),
    Defect(
        "flapping DNS (every second answer to a question loses a record)",
        "the answer did not hold",
        [
            "tests_conformance/test_dns.py::test_srv_lists_exactly_the_ready_pods",
            "tests_conformance/test_dns.py::test_each_pod_a_record_is_its_pod_ip",
        ],
        lambda cluster, tmp: flapping_dns(tmp),
        together=False,
    ),
    Defect(
        "claim flapper (a claim is Lost for a moment as its pod goes, then Bound again)",
        "claim retention",
        ["tests_conformance/test_claim_retention.py::test_claims_survive_scale_down_and_are_reattached_on_scale_up"],
        lambda cluster, tmp: program("claim_flapper"),
    ),
    Defect(
        "adoption blocker (an orphaned pod's controller is removed again each time the set adopts it)",
        "adoption",
        ["tests_conformance/test_adoption.py::test_an_orphaned_pod_is_adopted_again_and_stays_the_sets"],
        lambda cluster, tmp: program("adoption_blocker"),
    ),
    Defect(
        "orphan deleter (an orphaned pod is deleted, and the set makes it anew, instead of adopted)",
        "the orphan is adopted, not replaced",
        [
            "tests_conformance/test_adoption.py::test_an_orphaned_pod_is_adopted_again_and_stays_the_sets",
            "tests_conformance/test_claim_retention.py::test_the_claims_of_an_adopted_pod_follow_the_policy",
        ],
        lambda cluster, tmp: program("orphan_deleter"),
    ),
    Defect(
        "adopted claim keeper (the claims of a pod that was once orphaned are never garbage-collected)",
        "claim retention",
        ["tests_conformance/test_claim_retention.py::test_the_claims_of_an_adopted_pod_follow_the_policy"],
        lambda cluster, tmp: program("adopted_claim_keeper"),
    ),
    Defect(
        "release deleter (a pod whose labels stop matching is deleted instead of released)",
        "release",
        [
            "tests_conformance/test_adoption.py::"
            "test_a_pod_whose_labels_stop_matching_is_released_and_its_identity_recreated"
        ],
        lambda cluster, tmp: program("release_deleter"),
    ),
    Defect(
        "release referrer (a released pod keeps an ownerReference to the set, not as its controller)",
        "release",
        [
            "tests_conformance/test_adoption.py::"
            "test_a_pod_whose_labels_stop_matching_is_released_and_its_identity_recreated"
        ],
        lambda cluster, tmp: program("release_referrer"),
    ),
    Defect(
        "predecessor blocker (a new kubia-0 is deleted while kubia-1 is unready: the deadlock)",
        "no deadlock",
        ["tests_conformance/test_ordered_creation.py::test_a_deleted_pod_comes_back_while_its_successor_is_unready"],
        lambda cluster, tmp: program("predecessor_blocker"),
    ),
    Defect(
        "history reaper (revisions other than the current and update ones are deleted)",
        "rollback",
        ["tests_conformance/test_updates.py::test_a_rollback_restores_the_earlier_revision_in_reverse_order"],
        lambda cluster, tmp: program("history_reaper"),
    ),
    Defect(
        "stale rollback (the revision a rollback takes back keeps its old number)",
        "rollback (the revision taken back is the newest",
        ["tests_conformance/test_updates.py::test_a_rollback_restores_the_earlier_revision_in_reverse_order"],
        lambda cluster, tmp: program("stale_rollback"),
    ),
    Defect(
        "partition overshoot (lowering the partition to p also replaces the pod at p - 1)",
        "canary and phased updates",
        ["tests_conformance/test_updates.py::test_canary_and_phased_updates_move_one_ordinal_at_a_time"],
        lambda cluster, tmp: program("partition_overshoot"),
    ),
    Defect(
        "late overshoot (lowering the partition to p also replaces the pod at p - 1, once the pod at p is Ready)",
        "canary and phased updates",
        ["tests_conformance/test_updates.py::test_canary_and_phased_updates_move_one_ordinal_at_a_time"],
        lambda cluster, tmp: program("late_overshoot"),
    ),
    Defect(
        "maxUnavailable ignored (kube-controller-manager with the MaxUnavailableStatefulSet gate off)",
        "maxUnavailable",
        ["tests_conformance/test_updates.py::test_max_unavailable_bounds_the_pods_down_during_a_rolling_update"],
        lambda cluster, tmp: controller_manager_with(cluster, "--feature-gates=MaxUnavailableStatefulSet=false"),
    ),
    Defect(
        "eviction claim reaper (an evicted pod's claims are deleted with it)",
        "stable identity",
        [
            "tests_conformance/test_stable_identity.py::"
            "test_an_evicted_pod_comes_back_with_the_same_name_hostname_and_claim"
        ],
        lambda cluster, tmp: program("eviction_claim_reaper"),
    ),
    Defect(
        "Failed-pod keeper (a pod its node failed is never deleted, so never made again)",
        "a Failed pod is deleted and made again",
        ["tests_conformance/test_failed_pods.py::test_a_failed_pod_is_deleted_and_made_again_with_its_identity"],
        lambda cluster, tmp: program("failed_pod_keeper"),
    ),
    Defect(
        "rogue autoscaler (puts the replicas back a second after anyone changes them)",
        "scale subresource",
        ["tests_conformance/test_api.py::test_the_scale_subresource_reads_updates_and_patches_the_replicas"],
        lambda cluster, tmp: program("rogue_autoscaler"),
    ),
    Defect(
        "status stomper (removes every condition from a StatefulSet's status)",
        "status subresource",
        ["tests_conformance/test_api.py::test_the_status_subresource_reads_and_patches_the_status"],
        lambda cluster, tmp: program("status_stomper"),
    ),
    Defect(
        "collection sweeper (deleting a StatefulSet deletes every other one of its namespace)",
        "a collection of StatefulSets by label",
        ["tests_conformance/test_api.py::test_statefulsets_are_listed_patched_and_deleted_by_label"],
        lambda cluster, tmp: program("collection_sweeper"),
    ),
    Defect(
        "minReadySeconds rusher (the next pod is deleted as soon as an updated one is Ready)",
        "minReadySeconds",
        ["tests_conformance/test_availability.py::test_a_rolling_update_waits_min_ready_seconds_between_pods"],
        lambda cluster, tmp: program("min_ready_rusher"),
    ),
    Defect(
        "available rusher (status.availableReplicas counts a pod as soon as it is Ready, minReadySeconds ignored)",
        "availability (minReadySeconds",
        ["tests_conformance/test_availability.py::test_available_replicas_count_a_pod_only_after_min_ready_seconds"],
        lambda cluster, tmp: program("available_rusher"),
    ),
    Defect(
        "all-at-once replacer (a rolling update deletes every old pod at once)",
        "a rolling update waits minReadySeconds",
        ["tests_conformance/test_availability.py::test_a_rolling_update_waits_min_ready_seconds_between_pods"],
        lambda cluster, tmp: program("all_at_once_replacer"),
    ),
    Defect(
        "start ordinals ignored (the naive controller numbers pods from 0, kube-controller-manager's own off)",
        "start ordinals",
        [
            "tests_conformance/test_start_ordinals.py::test_setting_then_raising_the_start_ordinal_moves_the_pods",
            "tests_conformance/test_start_ordinals.py::test_lowering_then_removing_the_start_ordinal_moves_the_pods",
        ],
        lambda cluster, tmp: _both(without_statefulset_controller(cluster), program("naive_statefulset_controller")),
    ),
    Defect(
        "rogue claim cleaner on a foreign claim (deletes the claims of removed ordinals, whoever owns them)",
        "claim retention",
        [
            "tests_conformance/test_claim_retention.py::"
            "test_a_claim_another_controller_owns_is_never_deleted_by_a_delete_policy[whenScaled]"
        ],
        lambda cluster, tmp: program("claim_cleaner"),
    ),
    Defect(
        "foreign claim reaper (whenDeleted=Delete removes the set's claims, whoever owns them)",
        "claim retention (a claim another controller owns)",
        [
            "tests_conformance/test_claim_retention.py::"
            "test_a_claim_another_controller_owns_is_never_deleted_by_a_delete_policy[whenDeleted]"
        ],
        lambda cluster, tmp: program("foreign_claim_reaper"),
    ),
    Defect(
        "release racer (takes the next step when an unready pod is let be Ready, before it is)",
        "ordered creation|halts while kubia-0 is not Running and Ready|ordered scale-down",
        [
            "tests_conformance/test_ordered_creation.py::"
            "test_an_unready_pod_holds_back_its_successor_until_it_is_ready",
            "tests_conformance/test_scaling_halts_when_unhealthy.py::"
            "test_ordered_ready_scaling_halts_while_a_pod_is_unready[up]",
            "tests_conformance/test_scaling_halts_when_unhealthy.py::"
            "test_ordered_ready_scaling_halts_while_a_pod_is_unready[down]",
        ],
        lambda cluster, tmp: program("release_racer"),
    ),
    Defect(
        "surplus releaser (a scale-down lets its surplus pods go, running, instead of deleting them)",
        "ordered scale-down",
        [
            "tests_conformance/test_ordered_scaling.py::test_scale_down_removes_the_highest_ordinal_first_one_at_a_time",
            "tests_conformance/test_deletion.py::test_scaling_to_zero_terminates_pods_in_reverse_order",
            "tests_conformance/test_scaling_halts_when_unhealthy.py::"
            "test_ordered_ready_scaling_halts_while_a_pod_is_unready[down]",
        ],
        lambda cluster, tmp: program("surplus_releaser"),
    ),
    Defect(
        "claim keeper (a deleted claim made again is deleted at once)",
        "claim recreation",
        ["tests_conformance/test_claim_recreation.py::test_a_claim_deleted_while_its_pod_is_pending_is_recreated"],
        lambda cluster, tmp: program("claim_keeper"),
    ),
]


@contextlib.contextmanager
def _both(
    first: contextlib.AbstractContextManager[None], second: contextlib.AbstractContextManager[None]
) -> Iterator[None]:
    with first, second:
        yield


HEALTHY_JUNIT = "KUBIA_HEALTHY_JUNIT"
"""A JUnit file of the whole suite's run on a healthy cluster of the same build (scripts/test: the run on the local
cluster just before): the healthy outcomes are read from it instead of running the checks once more."""


def healthy_outcomes(names: list[str]) -> dict[str, Outcome] | None:
    """The outcomes of names in the healthy run of $KUBIA_HEALTHY_JUNIT, if it ran them all; else None."""
    path = os.environ.get(HEALTHY_JUNIT)
    if not path or not Path(path).is_file():
        return None
    outcomes = read_outcomes(Path(path))
    if not all(name in outcomes for name in names):
        return None
    return {name: outcomes[name] for name in names}


@pytest.mark.parametrize("defect", DEFECTS, ids=[d.name.split(" (")[0] for d in DEFECTS])
def test_defect_fails_the_checks_that_guard_it(defect, local_cluster, tmp_path):
    names = [check.split("::")[1] for check in defect.checks]

    healthy = healthy_outcomes(names)
    if healthy is None:
        run_suite_to_end(*defect.checks, *defect.suite_arguments(), "--junitxml", str(tmp_path / "healthy.xml"))
        healthy = read_outcomes(tmp_path / "healthy.xml")
    not_passed = [f"{o.check} {o.outcome}: {o.message}" for o in healthy.values() if o.outcome != "passed"]
    assert sorted(healthy) == sorted(names), f"on the healthy cluster, these ran: {', '.join(sorted(healthy))}"
    assert not not_passed, f"on the healthy cluster: {'; '.join(not_passed)}"

    with defect.apply(local_cluster, tmp_path):
        run_suite_to_end(*defect.checks, *defect.suite_arguments(), "--junitxml", str(tmp_path / "broken.xml"))
    broken = read_outcomes(tmp_path / "broken.xml")

    said_and_failed(f"defect: {defect.name}", defect, broken, healthy_said="healthy passed; with the defect: ")


def said_and_failed(title: str, defect: Defect, broken: dict[str, Outcome], healthy_said: str = "") -> None:
    """Prints what each guarding check did under the defect, then asserts that each failed (not errored: the cluster
    broke the guarantee and the suite could tell) through a rule of the guarantee (GuaranteeBroken, with the facts),
    not by a wait that ran out, and that the rule's verdict names the guarantee."""
    names = [check.split("::")[1] for check in defect.checks]
    print(f"\n{title}")
    for name in names:
        seen = broken.get(name)
        found = f"{seen.outcome}: {seen.message[:300]}" if seen else "did not run"
        print(f"  {name}: {healthy_said}{found}")
    for name in names:
        seen = broken.get(name)
        assert seen is not None, f"{defect.name}: {name} did not run with the defect"
        assert seen.outcome == "failed", f"{defect.name}: {name} {seen.outcome} with the defect: {seen.message}"
        verdict = rule_verdict(seen.message)
        assert verdict is not None, (
            f"{defect.name}: {name} failed, but not by a rule of the guarantee (a wait that ran out is no catch): "
            f"{seen.message}"
        )
        assert any(phrase in verdict for phrase in defect.guarantee.split("|")), (
            f"{defect.name}: {name} failed by a rule that does not name the guarantee ({defect.guarantee}): {verdict}"
        )


AFTERWORDS = (" (seen during ", " (and then ")
"""What Timeline adds to a rule's verdict: the wait it ended, or the wait that ran out after it (timeline.py)."""


def rule_verdict(message: str) -> str | None:
    """The verdict of a rule in a failed check's message ("module.Class: verdict", as JUnit has it), without what the
    timeline added after it (the wait's description names the guarantee too); None when no rule failed the check:
    its exception is not a GuaranteeBroken (verdicts.py) but a WaitTimeout or a plain assertion."""
    raised, _, verdict = message.partition(": ")
    module, _, name = raised.rpartition(".")
    try:
        kind = getattr(importlib.import_module(module), name) if module else None
    except ImportError:
        kind = None
    if not (isinstance(kind, type) and issubclass(kind, GuaranteeBroken)):
        return None
    for words in AFTERWORDS:
        verdict = verdict.split(words)[0]
    return verdict
