"""Reaching into a pod through the API server: exec, a port-forward, and an HTTP request through the pod proxy.

Exec and port-forward go over a websocket, each on an API client of its own: kubernetes.stream swaps its client's
call_api for a websocket call while it runs, so on the shared client every other thread's request meanwhile
(watches, Lease renewals) would go out over a websocket and fail (seen on kind: a Lease renewal failed with
"Missing required parameter `ports`" during a DNS port-forward).
"""

from __future__ import annotations

from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from kubernetes.stream import portforward, stream

from kubia_conformance.cluster.connect import Cluster
from kubia_conformance.cluster.retry import api


def streaming_core(cluster: Cluster) -> client.CoreV1Api:
    """A CoreV1Api on a client of its own, for exec and port-forward."""
    return client.CoreV1Api(client.ApiClient(cluster.api_client.configuration))


def exec_in(cluster: Cluster, namespace: str, pod: str, command: list[str]) -> str:
    """Runs command in the pod's (first) container and returns its output; needs running containers."""
    return str(
        api(
            stream,
            streaming_core(cluster).connect_get_namespaced_pod_exec,
            pod,
            namespace,
            command=command,
            stderr=True,
            stdin=False,
            stdout=True,
            tty=False,
        )
    )


def port_forward(cluster: Cluster, namespace: str, pod: str, port: int) -> Any:
    """A port-forward to the pod's port (the client's PortForward: .socket(port), .close())."""
    return portforward(streaming_core(cluster).connect_get_namespaced_pod_portforward, pod, namespace, ports=str(port))


def http(
    cluster: Cluster,
    namespace: str,
    pod: str,
    port: int,
    method: str,
    *,
    body: str | None = None,
    path: str = "",
    query: dict[str, str] | None = None,
    timeout: float | None = None,
) -> str:
    """An HTTP request to the pod's port (at path, with query) through the API server's pod proxy, retried like every
    API call; the answer's body. The proxy connects to the pod's address itself, so it reaches a pod whose kubelet
    is stopped or cut off. An answer other than 2xx is raised as an ApiException; timeout bounds one try."""
    return api(_proxy, cluster, namespace, pod, port, method, body=body, path=path, query=query, timeout=timeout)


def _proxy(
    cluster: Cluster,
    namespace: str,
    pod: str,
    port: int,
    method: str,
    *,
    body: str | None,
    path: str,
    query: dict[str, str] | None,
    timeout: float | None,
) -> str:
    api_client = cluster.api_client
    method_, url, headers, payload, post = api_client.param_serialize(
        method=method,
        resource_path="/api/v1/namespaces/{namespace}/pods/{name}/proxy/" + path,
        path_params={"namespace": namespace, "name": f"{pod}:{port}"},
        query_params=list((query or {}).items()),
        header_params={"Content-Type": "text/plain", "Accept": "*/*"},
        body=body,
        auth_settings=["BearerToken"],
    )
    response = api_client.call_api(
        method_, url, header_params=headers, body=payload, post_params=post, _request_timeout=timeout
    )
    data = response.read() or b""
    if not 200 <= response.status < 300:
        error = ApiException(status=response.status, reason=f"{response.reason}: {bytes(data).decode()[:200]}")
        error.body = bytes(data).decode()
        raise error
    return bytes(data).decode()
