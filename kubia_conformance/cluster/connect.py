"""The cluster under test: connecting from a kubeconfig (or, inside a pod, with its service account), checking that
its server answers, and the API clients tests share."""

from __future__ import annotations

import os
from dataclasses import dataclass

import tenacity
import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from yaml import YAMLError

from kubia_conformance.cluster.retry import TRANSIENT_STATUSES

IN_CLUSTER_CONTEXT = "in-cluster"
"""The context name of a run inside a pod, with its service account and no kubeconfig."""
PROBE_ATTEMPTS = 5
PROBE_RETRY = tenacity.Retrying(
    retry=tenacity.retry_if_exception(
        lambda e: (
            (isinstance(e, ApiException) and e.status in TRANSIENT_STATUSES)
            or isinstance(e, urllib3.exceptions.ProtocolError)
        )
    ),
    wait=tenacity.wait_random_exponential(multiplier=0.2, max=2.0),
    stop=tenacity.stop_after_attempt(PROBE_ATTEMPTS),
    reraise=True,
)
"""The first call: a busy server or a dropped connection is tried again; a refused connection is not."""


class PreflightError(Exception):
    """The cluster cannot be tested as asked. The message is the one line the user sees."""


@dataclass(frozen=True)
class Cluster:
    """API clients for one kubeconfig context."""

    api_client: client.ApiClient
    context: str
    server: str
    version: str
    in_cluster: bool = False
    """Reached with a pod's service account: the runner is inside the cluster (no node backend; DNS as pods see
    it, through /etc/resolv.conf)."""

    @property
    def core(self) -> client.CoreV1Api:
        return client.CoreV1Api(self.api_client)

    @property
    def apps(self) -> client.AppsV1Api:
        return client.AppsV1Api(self.api_client)

    @property
    def storage(self) -> client.StorageV1Api:
        return client.StorageV1Api(self.api_client)

    @property
    def coordination(self) -> client.CoordinationV1Api:
        return client.CoordinationV1Api(self.api_client)

    @property
    def authorization(self) -> client.AuthorizationV1Api:
        return client.AuthorizationV1Api(self.api_client)


def kubeconfig_path(path: str | None) -> str:
    """The kubeconfig kubectl would read: path, else $KUBECONFIG (read now: the client library reads it once, when it
    is imported), else ~/.kube/config."""
    return path or os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")


def runs_in_a_pod(kubeconfig: str | None) -> bool:
    """No kubeconfig anywhere kubectl would look, and the variables the kubelet sets in every pod: use the pod's
    service account, as kubectl does in a pod."""
    no_kubeconfig = not (
        kubeconfig or os.environ.get("KUBECONFIG") or os.path.exists(os.path.expanduser("~/.kube/config"))
    )
    return no_kubeconfig and bool(os.environ.get("KUBERNETES_SERVICE_HOST"))


def connect(kubeconfig: str | None, context: str | None, probe_timeout: float) -> Cluster:
    """Loads the kubeconfig the way kubectl does (inside a pod without one: its service account) and checks that
    its server answers.

    Raises PreflightError with one line naming what is wrong: the file, the context, or the server.
    """
    if runs_in_a_pod(kubeconfig):
        configuration = client.Configuration()
        try:
            config.load_incluster_config(client_configuration=configuration)
        except ConfigException as error:
            raise PreflightError(f"inside a pod, but its service account is unusable: {error}") from None
        return probe(client.ApiClient(configuration), IN_CLUSTER_CONTEXT, probe_timeout, in_cluster=True)
    where = kubeconfig_path(kubeconfig)
    try:
        contexts, current = config.list_kube_config_contexts(config_file=where)
    except (ConfigException, OSError, YAMLError) as error:
        detail = " ".join(str(error).split())
        raise PreflightError(f"cannot load kubeconfig {where}: {detail}") from None
    names = [c["name"] for c in contexts]
    chosen = context or (current or {}).get("name")
    if not chosen:
        raise PreflightError(f"kubeconfig {where} has no current-context; pass --context (one of: {', '.join(names)})")
    if chosen not in names:
        raise PreflightError(f"context {chosen!r} is not in kubeconfig {where} (it has: {', '.join(names) or 'none'})")
    try:
        api_client = config.new_client_from_config(config_file=where, context=chosen, persist_config=False)
    except (ConfigException, OSError, ValueError) as error:
        raise PreflightError(f"context {chosen!r} of kubeconfig {where} is unusable: {error}") from None
    return probe(api_client, chosen, probe_timeout)


def probe(api_client: client.ApiClient, chosen: str, probe_timeout: float, *, in_cluster: bool = False) -> Cluster:
    """The cluster behind api_client, once its server has told its version."""
    server = api_client.configuration.host
    api_client.configuration.retries = 0
    try:
        info = PROBE_RETRY.copy()(client.VersionApi(api_client).get_code, _request_timeout=probe_timeout)
    except ApiException as error:
        raise PreflightError(f"server {server} (context {chosen!r}) answered {error.status} {error.reason}") from None
    except (urllib3.exceptions.HTTPError, OSError) as error:
        reason = getattr(error, "reason", None) or error
        raise PreflightError(f"cannot reach server {server} (context {chosen!r}): {reason}") from None
    finally:
        api_client.configuration.retries = None
    return Cluster(
        api_client=api_client, context=chosen, server=server, version=info.git_version, in_cluster=in_cluster
    )
