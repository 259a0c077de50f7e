"""The StatefulSet API: the scale subresource reads, updates and patches the replicas and the set keeps them; the
status subresource reads and patches the status; StatefulSets are listed, patched and deleted as a collection by
label, and the ones the label does not select are left alone."""

from kubia_conformance.cluster.objects import describe_status, is_serving, name_of, uid_of
from kubia_conformance.cluster.retry import api
from kubia_conformance.cluster.watch import watch_until
from kubia_conformance.evidence.ordering import replacements
from kubia_conformance.kubia.build import pod_names
from kubia_conformance.verdicts import expect, require

SCALE = "scale subresource"
STATUS = "status subresource"
COLLECTION = "a collection of StatefulSets by label"
MEMBERS = "kubia.test/collection=members"
PATCHED = "kubia.test/patched=yes"
CONDITION = {"type": "KubiaConformance", "status": "True", "reason": "Checked", "message": "patched by the suite"}


def test_the_scale_subresource_reads_updates_and_patches_the_replicas(kubia, timeouts):
    """Span: the whole test, in which the set only grows: no pod is ever removed (the set keeps the replicas it was
    given); each read of the scale subresource; a quiet window after the last change."""
    names = pod_names(3)
    kubia.timeline.invariants.append(
        (f"{SCALE} (the set keeps the replicas it was given)", lambda s: replacements(s, set(names)))
    )
    kubia.deploy_ready(1)
    read = kubia.read_scale()
    expect(
        (read.spec.replicas, read.status.replicas) == (1, 1),
        f"{SCALE} (read)",
        f"a set of 1 Ready replica reads as spec.replicas {read.spec.replicas}, status.replicas {read.status.replicas}",
    )

    updated = kubia.replace_scale(2)
    expect(
        updated.spec.replicas == 2 and kubia.statefulset().spec.replicas == 2,
        f"{SCALE} (update)",
        f"after an update of the scale to 2 the answer says {updated.spec.replicas} and the StatefulSet "
        f"{kubia.statefulset().spec.replicas}",
    )
    kubia.wait_names(pod_names(2), f"{SCALE}: exactly kubia-0, kubia-1 Ready after an update of the scale to 2")

    kubia.scale(3)
    kubia.wait_names(names, f"{SCALE}: exactly kubia-0..2 Ready after a patch of the scale to 3")
    window = kubia.timeline.quiet_window(timeouts.quiet_window)
    require(f"{SCALE} (the replicas stay as set)", replacements(kubia.timeline.window(window), set(names)))
    read = kubia.read_scale()
    expect(
        read.spec.replicas == 3,
        f"{SCALE} (read after a patch)",
        f"after a patch of the scale to 3 it reads spec.replicas {read.spec.replicas}",
    )


def test_the_status_subresource_reads_and_patches_the_status(kubia, timeouts):
    """Span: the status read and patched once the set is steady; the patched condition must be what a read and the
    StatefulSet watch show, and must stay while nothing changes the set (a quiet window)."""
    kubia.deploy_ready(1)
    steady = kubia.wait_status(lambda s: (s.ready_replicas or 0) == 1, f"{STATUS}: status to count the Ready pod")
    read = kubia.read_status()
    expect(
        read.status.replicas == 1 and read.status.ready_replicas == 1,
        f"{STATUS} (read)",
        f"the status subresource reads {describe_status(read.status)}; the StatefulSet's status is "
        f"{describe_status(steady)}",
    )

    patched = kubia.patch_status({"conditions": [CONDITION]}, f"condition {CONDITION['type']} added")
    expect(
        has_condition(patched.status),
        f"{STATUS} (patch)",
        f"the answer to the patch has no condition {CONDITION['type']}: {conditions(patched.status)}",
    )
    kubia.wait_status(has_condition, f"{STATUS}: the patched condition {CONDITION['type']} to reach the watch")
    window = kubia.timeline.quiet_window(timeouts.quiet_window)
    require(f"{STATUS} (a steady set)", replacements(kubia.timeline.window(window), {"kubia-0"}))
    read = kubia.read_status()
    expect(
        has_condition(read.status),
        f"{STATUS} (the patch holds)",
        f"{timeouts.quiet_window:.0f} s after the patch, the status subresource reads {conditions(read.status)}",
    )


def has_condition(status):
    return any((c.type, c.status, c.reason, c.message) == tuple(CONDITION.values()) for c in (status.conditions or []))


def conditions(status):
    return ", ".join(f"{c.type}={c.status}" for c in status.conditions or []) or "no conditions"


def test_statefulsets_are_listed_patched_and_deleted_by_label(kubia, timeouts):
    """Span: the whole test for kubia-c-0, the pod of the set the label does not select: it is never removed. The
    lists and the deletion as the server answers them; the deleted sets and their pods until they are gone."""
    member = dict([MEMBERS.split("=")])
    kubia.create_statefulset(1, name="kubia-a", labels=member)
    kubia.create_statefulset(1, name="kubia-b", labels=member)
    kubia.create_statefulset(1, name="kubia-c")
    kubia.timeline.invariants.append(
        (f"{COLLECTION} (the others left alone)", lambda s: replacements(s, {"kubia-c-0"}))
    )
    kubia.wait_pods(
        lambda pods: all(name in pods and is_serving(pods[name]) for name in ("kubia-a-0", "kubia-b-0", "kubia-c-0")),
        f"{COLLECTION}: kubia-a-0, kubia-b-0 and kubia-c-0 Ready",
    )

    expect(
        listed(kubia, MEMBERS) == ["kubia-a", "kubia-b"],
        f"{COLLECTION} (list)",
        f"listing by {MEMBERS} gave {', '.join(listed(kubia, MEMBERS)) or 'nothing'}, expected kubia-a, kubia-b",
    )
    for name in ("kubia-a", "kubia-b"):
        api(
            kubia.cluster.apps.patch_namespaced_stateful_set,
            name,
            kubia.namespace,
            {"metadata": {"labels": dict([PATCHED.split("=")])}, "spec": {"replicas": 2}},
        )
    kubia.wait_pods(
        lambda pods: all(name in pods and is_serving(pods[name]) for name in ("kubia-a-1", "kubia-b-1")),
        f"{COLLECTION}: kubia-a-1 and kubia-b-1 Ready once kubia-a and kubia-b were patched to 2 replicas",
    )
    expect(
        listed(kubia, PATCHED) == ["kubia-a", "kubia-b"],
        f"{COLLECTION} (patch)",
        f"listing by {PATCHED} gave {', '.join(listed(kubia, PATCHED)) or 'nothing'}, expected kubia-a, kubia-b",
    )

    kept = uid_of(api(kubia.cluster.apps.read_namespaced_stateful_set, "kubia-c", kubia.namespace))
    api(
        kubia.cluster.apps.delete_collection_namespaced_stateful_set,
        kubia.namespace,
        label_selector=MEMBERS,
        propagation_policy="Background",
    )
    watch_until(
        kubia.cluster.apps.list_namespaced_stateful_set,
        lambda sets: "kubia-a" not in sets and "kubia-b" not in sets,
        timeout=timeouts.object_gone,
        what=f"{COLLECTION}: kubia-a and kubia-b to be deleted by a deletion of the collection {MEMBERS}",
        namespace=kubia.namespace,
    )
    kubia.wait_pods(
        lambda pods: not {"kubia-a-0", "kubia-a-1", "kubia-b-0", "kubia-b-1"} & set(pods),
        f"{COLLECTION}: the pods of kubia-a and kubia-b to be gone with them",
    )
    left = {name_of(s): uid_of(s) for s in api(kubia.cluster.apps.list_namespaced_stateful_set, kubia.namespace).items}
    expect(
        left.get("kubia-c") == kept,
        f"{COLLECTION} (the others left alone)",
        f"after deleting the collection {MEMBERS}, the StatefulSets left are {', '.join(sorted(left)) or 'none'}; "
        f"kubia-c (uid {kept[:8]}) must remain",
    )


def listed(kubia, selector):
    """The names of the namespace's StatefulSets that selector selects, as the server lists them."""
    sets = api(kubia.cluster.apps.list_namespaced_stateful_set, kubia.namespace, label_selector=selector).items
    return sorted(name_of(s) for s in sets)
