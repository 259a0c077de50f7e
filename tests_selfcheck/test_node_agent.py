"""The node agent's pure logic (kubia_conformance/backends/node_agent.py): what a partition drops, read off the
kubelet's sockets and the API server's endpoints, the nft script that drops it until its deadline, and the reading of
/proc. The agent itself runs on kind's real nodes (tests_selfcheck/test_node_faults.py, scripts/test); and the
failover figures read off a node-loss check's moments (evidence/failover.py)."""

import re

import pytest

from kubia_conformance.backends.node_agent import (
    decode_address,
    established_peers,
    kubeconfig_flag,
    kubeconfig_servers,
    parse_endpoint,
    partition_script,
    partition_targets,
    pod_cgroup_marks,
    start_time,
)
from kubia_conformance.evidence.failover import figures, recovery

# /proc/net/tcp as a kind worker showed it: the kubelet's connection to the API server (172.18.0.2:6443, socket
# 4242), the same from another process (5151), a listening socket, and a loopback connection of the kubelet's.
TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:2802 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0 100 0 0 10 0
   1: 030012AC:B3C6 020012AC:192B 01 00000000:00000000 02:000005F5 00000000     0        0 4242 2 0 20 4 30 10 -1
   2: 030012AC:B3C8 020012AC:192B 01 00000000:00000000 02:000005F5 00000000     0        0 5151 2 0 20 4 30 10 -1
   3: 0100007F:D2F0 0100007F:0FC4 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0 20 4 30 10 -1
"""
TCP6 = """\
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when
   0: 0000000000000000FFFF0000030012AC:B3D0 0000000000000000FFFF0000020012AC:192B 01 0:0 0:0 0 0 0 4444 1
   1: 00000000000000000000000001000000:D2F2 00000000000000000000000001000000:0FC4 01 0:0 0:0 0 0 0 4545 1
   2: B80D0120000000000000000001000000:B3D2 B80D0120000000000000000002000000:01BB 01 0:0 0:0 0 0 0 4646 1
"""


def test_proc_net_tcp_addresses_are_decoded():
    assert decode_address("0100007F") == "127.0.0.1"
    assert decode_address("020012AC") == "172.18.0.2"
    assert decode_address("00000000000000000000000001000000") == "::1"
    assert decode_address("B80D0120000000000000000002000000") == "2001:db8::2"


def test_the_kubelets_established_peers_are_its_own_sockets_loopback_and_listeners_left_out():
    kubelet = {"4242", "4343", "1111", "4444", "4545", "4646"}
    assert established_peers(TCP, kubelet) == [("172.18.0.2", 6443)]
    assert established_peers(TCP6, kubelet) == [("172.18.0.2", 6443), ("2001:db8::2", 443)]
    assert established_peers(TCP, {"9999"}) == []


def test_the_partition_drops_the_named_endpoints_the_kubelets_servers_and_its_peers_on_their_ports():
    named = [("172.18.0.2", 6443)]
    servers = [("172.18.0.2", 6443), ("fc00:f853:ccd:e793::2", 6443)]
    peers = [("172.18.0.9", 6443), ("10.244.1.7", 8080)]
    assert partition_targets(named, servers, peers) == [
        ("172.18.0.2", 6443),
        ("172.18.0.9", 6443),
        ("fc00:f853:ccd:e793::2", 6443),
    ]
    assert partition_targets(named, [], []) == named


def test_the_kubelets_servers_are_read_off_its_command_line_and_kubeconfig():
    cmdline = (
        "/usr/bin/kubelet\0--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf\0"
        "--kubeconfig=/etc/kubernetes/kubelet.conf\0"
    )
    assert kubeconfig_flag(cmdline) == "/etc/kubernetes/kubelet.conf"
    assert kubeconfig_flag("kubelet\0--kubeconfig\0/var/lib/kubelet/kubeconfig\0") == "/var/lib/kubelet/kubeconfig"
    assert kubeconfig_flag("kubelet\0--config=/var/lib/kubelet/config.yaml\0") is None
    kubeconfig = """clusters:
- cluster:
    certificate-authority-data: LS0t
    server: https://kubia-control-plane:6443
  name: kind
- cluster: {server: "https://[fc00::2]:8443"}
- cluster:
    server: https://api.example.com
"""
    assert kubeconfig_servers(kubeconfig) == [
        ("kubia-control-plane", 6443),
        ("fc00::2", 8443),
        ("api.example.com", 443),
    ]


def test_the_partition_script_replaces_an_old_table_drops_both_ways_and_each_drop_expires_at_the_deadline():
    script = partition_script([("172.18.0.2", 6443), ("2001:db8::2", 443)], 359.6)
    lines = script.splitlines()
    assert lines[:3] == [
        "add table inet kubia_conformance_fault",
        "delete table inet kubia_conformance_fault",
        "table inet kubia_conformance_fault {",
    ]
    assert "add element inet kubia_conformance_fault api4 { 172.18.0.2 . 6443 timeout 360s }" in lines
    assert "add element inet kubia_conformance_fault api6 { 2001:db8::2 . 443 timeout 360s }" in lines
    for hook in ("output", "forward"):
        assert re.search(rf"chain {hook} {{ .* daddr . tcp dport @api4 drop; .*daddr . tcp dport @api6 drop;", script)
    for hook in ("input", "forward"):
        assert re.search(rf"chain {hook} {{ .* saddr . tcp sport @api4 drop; .*saddr . tcp sport @api6 drop;", script)
    assert "api6 {" not in partition_script([("172.18.0.2", 6443)], 60).split("}\n", 3)[-1]


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("172.18.0.2:6443", ("172.18.0.2", 6443)), ("[2001:db8::2]:443", ("2001:db8::2", 443))],
)
def test_endpoints_are_parsed(text, parsed):
    assert parse_endpoint(text) == parsed


@pytest.mark.parametrize("text", ["kind-control-plane:6443", "172.18.0.2", "172.18.0.2:0", "300.1.1.1:443"])
def test_anything_but_an_address_and_port_is_refused(text):
    with pytest.raises(ValueError):
        parse_endpoint(text)


def test_a_pods_processes_are_found_by_its_uid_in_either_cgroup_driver():
    cgroupfs, systemd = pod_cgroup_marks("5f1c-22ab")
    assert cgroupfs in "11:memory:/kubepods/besteffort/pod5f1c-22ab/0123abcd"
    assert systemd in "0::/kubelet.slice/kubelet-kubepods-besteffort-pod5f1c_22ab.slice/cri-containerd-01.scope"


def test_a_process_start_is_read_after_a_command_with_spaces_and_parentheses():
    fields = " ".join(["S", *["0"] * 18, "250"])
    assert start_time(f"4321 (a (b) c) {fields} 9 9", boot=1000.0, ticks=100) == 1002.5


def test_failover_figures_are_the_spans_whose_two_moments_were_seen():
    moments = {"fault": 100.0, "not_ready": 121.5, "lost_taint": 122.0, "let_go": 140.0, "replacement_ready": 147.25}
    assert [(f.what, f.seconds) for f in figures(moments, "force delete")] == [
        ("fault to NotReady", 21.5),
        ("fault to the node's NoExecute taint", 22.0),
        ("force delete to replacement Ready", 7.25),
    ]
    assert recovery(moments) == 7.25
    assert recovery({"let_go": 140.0}) is None
