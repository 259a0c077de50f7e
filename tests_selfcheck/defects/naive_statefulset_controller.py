"""Defect: a naive StatefulSet controller, run while kube-controller-manager's own is switched off. It creates
every pod of a set at once, ignoring OrderedReady. Ordered creation must catch it."""

from kubernetes import client

from _common import api_client, log, suite_events
from kubia_conformance.cluster.objects import claim_name, pod_name

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"


def pod_for(sts: client.V1StatefulSet, ordinal: int) -> client.V1Pod:
    name = pod_name(sts.metadata.name, ordinal)
    template = sts.spec.template
    spec = template.spec
    spec.hostname, spec.subdomain = name, sts.spec.service_name
    spec.volumes = (spec.volumes or []) + [
        client.V1Volume(
            name=t.metadata.name,
            persistent_volume_claim=client.V1PersistentVolumeClaimVolumeSource(
                claim_name=claim_name(name, t.metadata.name)
            ),
        )
        for t in sts.spec.volume_claim_templates or []
    ]
    owner = client.V1OwnerReference(
        api_version="apps/v1",
        kind="StatefulSet",
        name=sts.metadata.name,
        uid=sts.metadata.uid,
        controller=True,
        block_owner_deletion=True,
    )
    return client.V1Pod(
        metadata=client.V1ObjectMeta(
            name=name, labels={**(template.metadata.labels or {}), POD_NAME_LABEL: name}, owner_references=[owner]
        ),
        spec=spec,
    )


def claim_for(sts: client.V1StatefulSet, template: client.V1PersistentVolumeClaim, ordinal: int):
    return client.V1PersistentVolumeClaim(
        metadata=client.V1ObjectMeta(
            name=claim_name(pod_name(sts.metadata.name, ordinal), template.metadata.name),
            labels=sts.spec.selector.match_labels,
        ),
        spec=template.spec,
    )


def create(call, namespace, body) -> None:
    try:
        call(namespace, body)
    except client.ApiException as error:
        if error.status != 409:
            raise


def main() -> None:
    api = api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    for _, sts in suite_events(core, apps.list_stateful_set_for_all_namespaces):
        namespace = sts.metadata.namespace
        for ordinal in range(sts.spec.replicas):
            for template in sts.spec.volume_claim_templates or []:
                create(core.create_namespaced_persistent_volume_claim, namespace, claim_for(sts, template, ordinal))
            create(
                core.create_namespaced_pod,
                namespace,
                pod_for(apps.read_namespaced_stateful_set(sts.metadata.name, namespace), ordinal),
            )
        log(f"created all {sts.spec.replicas} pods of {namespace}/{sts.metadata.name} at once")


if __name__ == "__main__":
    main()
