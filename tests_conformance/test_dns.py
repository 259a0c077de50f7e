"""Peer discovery: the headless Service's SRV and per-pod A records, read with dnspython, follow the Ready pods.

Each expected answer must arrive within the DNS timeout and then hold, unchanged, over several more reads; where
several cluster DNS endpoints serve, each of them is asked."""

import pytest

pytestmark = pytest.mark.needs_dns


def test_srv_lists_exactly_the_ready_pods(kubia, records):
    """Span: each expected answer, from when the pods reach the state until it has held over 3 more reads, on each
    DNS endpoint."""
    kubia.deploy_ready(3)
    records.expect_srv(["kubia-0", "kubia-1", "kubia-2"], "all Ready")

    kubia.make_unready("kubia-1")
    records.expect_srv(["kubia-0", "kubia-2"], "kubia-1 not Ready")

    kubia.make_ready("kubia-1")
    kubia.wait_ready(3)
    records.expect_srv(["kubia-0", "kubia-1", "kubia-2"], "kubia-1 Ready again")


def test_each_pod_a_record_is_its_pod_ip(kubia, records):
    """Span: each pod's A record, until it has held over 3 more reads, on each DNS endpoint."""
    pods = kubia.deploy_ready(3)

    for name, pod in sorted(pods.items()):
        records.expect_a(name, {pod.status.pod_ip}, f"per-pod A record of {name}")


def test_records_follow_scale_up_scale_down_and_a_replaced_pod(kubia, records):
    """Span: each expected answer after each change, until it has held over 3 more reads, on each DNS endpoint."""
    kubia.deploy_ready(2)
    records.expect_srv(["kubia-0", "kubia-1"], "2 replicas")

    kubia.scale(3)
    pods = kubia.wait_ready(3)
    records.expect_srv(["kubia-0", "kubia-1", "kubia-2"], "after scale-up to 3")
    records.expect_a("kubia-2", {pods["kubia-2"].status.pod_ip}, "after scale-up")

    kubia.scale(1)
    kubia.wait_count(1)
    records.expect_srv(["kubia-0"], "after scale-down to 1")
    records.expect_a("kubia-1", set(), "after scale-down, the removed kubia-1 has no A record")

    old = pods["kubia-0"]
    kubia.delete_pod("kubia-0")
    new = kubia.wait_replaced("kubia-0", old.metadata.uid)
    if new.status.pod_ip == old.status.pod_ip:
        # The A record cannot show that it followed the pod: say so rather than claim the IP changed.
        print(f"the replaced kubia-0 kept its IP {old.status.pod_ip}: its A record is only checked to still be it")
        why = f"the replaced pod kept its IP {old.status.pod_ip}"
    else:
        why = f"the replaced pod's new IP (was {old.status.pod_ip})"
    records.expect_a("kubia-0", {new.status.pod_ip}, why)
    records.expect_srv(["kubia-0"], "after kubia-0 was replaced")
