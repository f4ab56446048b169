"""The audit trail under object scopes: events about objects follow the object's scope, events
about no inventory object follow the role, and the list costs the same queries at any size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import Snapshot, VirtualMachine
from operations.models import Operation
from operations.services.policies import policy_create
from portal.audit import audit
from portal.models import AuditEvent, ObjectScope
from portal.security.audit_scope import AUDITED_TYPES, scoped_labels, visible_events
from tests.factories import UserFactory
from tests.security.objects import make_estate

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail():
    """Events about objects inside and outside an endpoint scope, and about no object."""
    estate = make_estate()
    outside_vm = VirtualMachine.objects.create(
        endpoint=estate.outside, external_id="vm-o", name="far-vm", cluster=estate.outside_cluster
    )
    outside_snapshot = Snapshot.objects.create(
        endpoint=estate.outside, external_id="s-o", name="far-snap", vm=outside_vm
    )
    planter = UserFactory(username="planter", role="administrator")
    inside_policy = policy_create(label="near", actor=planter, endpoints=[estate.inside])
    outside_policy = policy_create(label="far", actor=planter, endpoints=[estate.outside])
    inside_op = Operation.objects.create(kind="create", vm=estate.vm, state="succeeded")
    outside_op = Operation.objects.create(kind="create", vm=outside_vm, state="succeeded")
    for target in (estate.inside, estate.vm, estate.snapshot, inside_op):
        audit(action="test.inside", actor="x", target=target)
    for target in (estate.outside, outside_vm, outside_snapshot, outside_op):
        audit(action="test.outside", actor="x", target=target)
    audit(action="auth.login", actor="someone")
    audit(action="test.setting", actor="x", target_type="compliance.checksetting", target_id="1")
    return {
        "estate": estate,
        "inside_policy": inside_policy,
        "outside_policy": outside_policy,
        "outside_vm": outside_vm,
    }


def _scoped(role: str, **scope) -> object:
    user = UserFactory(username=f"a-{role}-{len(scope)}", role=role)
    ObjectScope.objects.create(user=user, **scope)
    return user


def _actions(qs) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    for event in qs:
        seen.setdefault(event.action, set()).add(event.target_type)
    return seen


def test_an_endpoint_scope_shows_events_about_its_objects_and_about_no_object(trail):
    user = _scoped("auditor", endpoint=trail["estate"].inside)
    seen = _actions(visible_events(user, AuditEvent.objects.all()))
    assert "test.outside" not in seen
    assert seen["test.inside"] == {
        "inventory.endpoint", "inventory.virtualmachine", "inventory.snapshot",
        "inventory.operation",
    }  # fmt: skip
    assert "auth.login" in seen and "test.setting" in seen
    # The policy whose selection is in the scope is visible; the other is not.
    created = visible_events(user, AuditEvent.objects.filter(action="snapshot_policy.create"))
    assert {e.target_id for e in created} == {str(trail["inside_policy"].pk)}


def test_a_cluster_scope_shows_events_about_objects_of_the_cluster_only(trail):
    user = _scoped("security_officer", cluster=trail["estate"].outside_cluster)
    seen = visible_events(user, AuditEvent.objects.filter(action__startswith="test."))
    by_type = {(e.action, e.target_type) for e in seen}
    # The cluster holds the outside VM (and its snapshot and operation through the VM); the
    # endpoint itself is not in a cluster scope, as on every list.
    assert ("test.outside", "inventory.virtualmachine") in by_type
    assert ("test.outside", "inventory.snapshot") in by_type
    assert ("test.outside", "inventory.operation") in by_type
    assert ("test.outside", "inventory.endpoint") not in by_type
    assert not [a for a, _ in by_type if a == "test.inside"]


def test_an_unscoped_reader_sees_every_event(trail, auditor):
    assert visible_events(auditor, AuditEvent.objects.all()).count() == AuditEvent.objects.count()


def test_an_event_about_an_object_that_is_gone_is_hidden_from_scoped_readers(trail):
    user = _scoped("auditor", endpoint=trail["estate"].outside)
    vm = trail["outside_vm"]
    qs = AuditEvent.objects.filter(target_type="inventory.virtualmachine", target_id=str(vm.pk))
    assert visible_events(user, qs).exists()
    vm.delete()
    assert qs.exists() and not visible_events(user, qs).exists()


def test_every_inventory_and_compliance_model_with_an_endpoint_is_scoped_in_the_trail():
    labels = set(scoped_labels())
    for label in (
        "inventory.endpoint", "inventory.cluster", "inventory.host", "inventory.virtualmachine",
        "inventory.snapshot", "inventory.operation", "inventory.snapshotpolicy",
        "inventory.datastore", "inventory.network", "compliance.finding", "compliance.waiver",
        "compliance.checkrun", "compliance.baseline",
    ):  # fmt: skip
        assert label in labels
    assert "compliance.checksetting" not in labels and "compliance.requirement" not in labels
    assert labels >= AUDITED_TYPES  # every type that gets a subquery is a scoped model


def test_an_event_about_a_scoped_type_nobody_audits_is_hidden_not_shown(trail):
    user = _scoped("auditor", endpoint=trail["estate"].inside)
    audit(action="test.odd", actor="x", target=trail["estate"].inside_cluster.endpoint)
    audit(action="test.odd", actor="x", target_type="inventory.utilizationsample", target_id="1")
    seen = {
        e.target_type for e in visible_events(user, AuditEvent.objects.filter(action="test.odd"))
    }
    assert seen == {"inventory.endpoint"}


@pytest.mark.parametrize("path", ["/api/audit-events/", "/audit/"])
def test_the_scoped_trail_costs_the_same_queries_for_ten_or_sixty_events(
    trail, path, verified_client
):
    user = _scoped("auditor", endpoint=trail["estate"].inside)
    client = verified_client(user)
    estate = trail["estate"]

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            answer = client.get(path)
        assert answer.status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for n in range(25):
        audit(action="test.more", actor="x", target=estate.vm if n % 2 else trail["outside_vm"])
        audit(action="test.more", actor="x", target=estate.snapshot)
    assert queries() == few


def test_the_audit_page_and_api_hide_events_about_objects_outside_the_scope(
    trail, verified_client, verified_api
):
    user = _scoped("security_officer", endpoint=trail["estate"].inside)
    page = verified_client(user).get("/audit/?q=far").content.decode()
    assert "far-vm" not in page and "far-snap" not in page and "vc-outside" not in page
    rows = verified_api(user).get("/api/audit-events/?page_size=200").json()["results"]
    # Targets read like "VM app-1 (vm-1) at vc-inside": look for the names inside them.
    shown = " | ".join(r["target_repr"] for r in rows)
    assert "far-vm" not in shown and "far-snap" not in shown and "vc-outside" not in shown
    assert "app-1" in shown
    # Asking for the outside VM's events by id finds nothing either.
    vm = trail["outside_vm"]
    api = verified_api(user)
    by_id = api.get(
        f"/api/audit-events/?target_type=inventory.virtualmachine&target_id={vm.pk}"
    ).json()
    assert by_id["count"] == 0
    event = AuditEvent.objects.filter(target_id=str(vm.pk), action="test.outside").first()
    assert api.get(f"/api/audit-events/{event.pk}/").status_code == 404
