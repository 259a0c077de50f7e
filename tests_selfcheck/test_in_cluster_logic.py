"""The pieces of in-cluster mode that are pure logic: when the suite takes the pod's service account, and which
permissions the preflight asks for (the shipped RBAC's rules). test_in_cluster.py runs the real thing on kind."""

from __future__ import annotations

import pytest

from kubia_conformance.cluster.connect import runs_in_a_pod
from kubia_conformance.cluster.permissions import needed_permissions


@pytest.fixture
def in_a_pod(monkeypatch, tmp_path):
    """The environment of a pod: the kubelet's variables, no kubeconfig anywhere."""
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))


@pytest.mark.usefixtures("in_a_pod")
def test_a_pod_without_a_kubeconfig_uses_its_service_account():
    assert runs_in_a_pod(None)


@pytest.mark.usefixtures("in_a_pod")
def test_a_kubeconfig_wins_inside_a_pod_too(monkeypatch, tmp_path):
    assert not runs_in_a_pod(str(tmp_path / "config"))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "config"))
    assert not runs_in_a_pod(None)


def test_outside_a_pod_there_is_no_service_account(monkeypatch, tmp_path):
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert not runs_in_a_pod(None)


def test_the_preflight_asks_for_every_rule_of_the_shipped_rbac():
    needed = needed_permissions()
    assert needed[0] == ("", "namespaces", "create", None), "the first refusal a user without rights sees"
    assert ("", "pods/exec", "create", None) in needed
    assert ("coordination.k8s.io", "leases", "create", "default") in needed
    assert ("", "nodes", "patch", None) not in needed, "node loss needs more, and cannot run from a pod"
