"""How kubia's claims get volumes: dynamic provisioning through a StorageClass, or the book's hand-made volumes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from kubernetes.client.exceptions import ApiException

from kubia_conformance.cluster.connect import Cluster, PreflightError
from kubia_conformance.cluster.manifests import load_manifest
from kubia_conformance.cluster.namespaces import OWNER_LABEL, SUITE, SUITE_LABEL
from kubia_conformance.cluster.objects import annotations_of, name_of
from kubia_conformance.cluster.retry import api

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"


class Storage(Protocol):
    """Gives the claims a StatefulSet makes in a namespace (data-kubia-<ordinal>) their volumes."""

    @property
    def description(self) -> str: ...

    def adjust_claim_template(self, claim_spec: dict[str, Any]) -> None: ...

    def provide(self, cluster: Cluster, namespace: str, claims: list[str]) -> None:
        """Makes sure each of the named claims will get a volume."""

    def release(self, cluster: Cluster, namespace: str) -> None: ...


@dataclass
class DynamicStorage:
    """Claims are provisioned by a StorageClass: the named one, or the cluster's default when none is named."""

    storage_class: str | None

    @property
    def description(self) -> str:
        return f"dynamic ({self.storage_class or 'default StorageClass'})"

    def adjust_claim_template(self, claim_spec: dict[str, Any]) -> None:
        if self.storage_class:
            claim_spec["storageClassName"] = self.storage_class

    def provide(self, cluster: Cluster, namespace: str, claims: list[str]) -> None:
        """Nothing to do: the provisioner makes a volume for each claim."""

    def release(self, cluster: Cluster, namespace: str) -> None:
        """Nothing to do: the class's reclaim policy removes the volumes with their claims."""


@dataclass
class StaticStorage:
    """The book's way: one hand-made volume per claim, bound to that claim in advance and deleted with the test."""

    description: str = "static (one PersistentVolume per claim, made by the suite)"

    def adjust_claim_template(self, claim_spec: dict[str, Any]) -> None:
        claim_spec["storageClassName"] = ""

    def provide(self, cluster: Cluster, namespace: str, claims: list[str]) -> None:
        for claim in claims:
            volume = load_manifest("kubia-persistentvolume.yaml")
            name = f"{namespace}-{claim}"
            volume["metadata"] = {"name": name, "labels": {SUITE_LABEL: SUITE, OWNER_LABEL: namespace}}
            volume["spec"]["hostPath"]["path"] = f"/tmp/{name}"
            volume["spec"]["claimRef"] = {"namespace": namespace, "name": claim}
            try:
                api(cluster.core.create_persistent_volume, volume)
            except ApiException as error:
                if error.status != 409:
                    raise

    def release(self, cluster: Cluster, namespace: str) -> None:
        api(
            cluster.core.delete_collection_persistent_volume,
            label_selector=f"{SUITE_LABEL}={SUITE},{OWNER_LABEL}={namespace}",
        )


def choose_storage(cluster: Cluster, mode: str, storage_class: str | None) -> Storage:
    """The storage for this session, checked against the cluster. Raises PreflightError when claims could not bind."""
    if mode == "static":
        return StaticStorage()
    classes = {name_of(sc): sc for sc in api(cluster.storage.list_storage_class).items}
    if storage_class:
        if storage_class not in classes:
            raise PreflightError(
                f"StorageClass {storage_class!r} does not exist "
                f"(the cluster has: {', '.join(sorted(classes)) or 'none'})"
            )
        return DynamicStorage(storage_class)
    defaults = [n for n, sc in classes.items() if annotations_of(sc).get(DEFAULT_CLASS_ANNOTATION) == "true"]
    if not defaults:
        raise PreflightError(
            "the cluster has no default StorageClass: pass --storage-class NAME, or --storage-mode static "
            "to let the suite make one PersistentVolume per claim"
        )
    return DynamicStorage(None)
