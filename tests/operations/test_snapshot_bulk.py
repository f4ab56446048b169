"""Bulk actions on the snapshot list (issue 16): delete the selected, set owner and expiry.

A confirmation page lists what will happen; its POST acts, one audited operation per snapshot
through the single delete's service. Permissions are checked per snapshot; one refusal refuses
all, naming what was refused; an id outside the scope is named by its id only.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import Snapshot
from operations.models import ExpiryNotice, Operation
from portal.models import AuditEvent
from portal.security.models import ObjectScope
from tests.factories import UserFactory
from tests.inventory.factories import SnapshotFactory, VirtualMachineFactory, vms_inside_and_outside

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate():
    inside, outside, (web, db, far) = vms_inside_and_outside()
    return {
        "inside": inside,
        "web": SnapshotFactory(vm=web, endpoint=inside, name="before-patch"),
        "web2": SnapshotFactory(vm=web, endpoint=inside, name="second-of-web"),
        "db": SnapshotFactory(vm=db, endpoint=inside, name="before-upgrade", made_by_portal=True),
        "far": SnapshotFactory(vm=far, endpoint=outside, name="far-snap-zq"),
    }


def ids(*snaps) -> list[str]:
    return [str(s.pk) for s in snaps]


def test_the_list_offers_checkboxes_and_the_actions_to_administrators_only(
    estate, admin_user, auditor, client_for
):
    html = client_for(admin_user).get("/snapshots/").content.decode()
    assert 'id="snapshot-bulk"' in html and 'action="/snapshots/bulk/"' in html
    assert f'form="snapshot-bulk" name="snapshot" value="{estate["web"].pk}"' in html
    other = client_for(auditor).get("/snapshots/").content.decode()
    assert 'form="snapshot-bulk"' not in other and "snapshot-bulk" not in other


def test_delete_selected_confirms_with_each_snapshot_and_its_vm_path_and_does_nothing_yet(
    estate, admin_user, client_for
):
    page = client_for(admin_user).get(
        "/snapshots/bulk/", {"action": "delete", "snapshot": ids(estate["web"], estate["db"])}
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "Delete 2 snapshots?" in html
    vm = estate["web"].vm
    assert f"vc-in / {vm.cluster.name} / {vm.host.name} / web01" in html
    assert "before-patch" in html and "before-upgrade" in html
    assert 'name="reason"' in html
    assert not Operation.objects.exists()


def test_delete_selected_needs_a_reason_then_queues_one_audited_operation_each(
    estate, admin_user, client_for
):
    web = client_for(admin_user)
    chosen = {"action": "delete", "snapshot": ids(estate["web"], estate["db"])}
    refused = web.post("/snapshots/bulk/", chosen)
    assert refused.status_code == 400 and not Operation.objects.exists()
    assert "This field is required" in refused.content.decode()
    done = web.post("/snapshots/bulk/", chosen | {"reason": "patched, tested (CHG-9)"})
    assert done.status_code == 302 and done["Location"] == "/operations/"
    ops = Operation.objects.order_by("pk")
    assert [(o.kind, o.snapshot_id) for o in ops] == [
        ("delete", estate["web"].pk),
        ("delete", estate["db"].pk),
    ]
    assert {o.params["reason"] for o in ops} == {"patched, tested (CHG-9)"}
    events = AuditEvent.objects.filter(action="snapshot.delete.requested")
    assert events.count() == 2
    assert {e.detail["reason"] for e in events} == {"patched, tested (CHG-9)"}


def test_a_snapshot_outside_the_scope_refuses_all_and_is_named_by_its_id_only(estate, client_for):
    scoped = UserFactory(username="scoped-admin", role="administrator")
    ObjectScope.objects.create(user=scoped, endpoint=estate["inside"])
    web = client_for(scoped)
    chosen = {"action": "delete", "snapshot": ids(estate["web"], estate["far"]), "reason": "x"}
    answer = web.post("/snapshots/bulk/", chosen)
    html = answer.content.decode()
    assert answer.status_code == 400
    assert f"Snapshot #{estate['far'].pk} does not exist or is outside your scope." in html
    assert "far-snap-zq" not in html and "far-vm-zq" not in html and "vc-out" not in html
    assert "Nothing was done" in html
    assert (
        not Operation.objects.exists()
        and not AuditEvent.objects.filter(action="snapshot.delete.requested").exists()
    )


def test_two_snapshots_of_one_vm_or_a_busy_vm_are_refused_by_name_and_nothing_is_half_done(
    estate, admin_user, client_for
):
    web = client_for(admin_user)
    both = {
        "action": "delete",
        "snapshot": ids(estate["db"], estate["web"], estate["web2"]),
        "reason": "tidy",
    }
    answer = web.post("/snapshots/bulk/", both)
    assert answer.status_code == 400
    assert "second-of-web and before-patch are both of web01" in answer.content.decode()
    assert not Operation.objects.exists()
    Operation.objects.create(kind="create", vm=estate["web"].vm, params={"name": "x"})
    answer = web.post("/snapshots/bulk/", both | {"snapshot": ids(estate["db"], estate["web"])})
    assert answer.status_code == 400
    assert "before-patch of web01: operation #" in answer.content.decode()
    assert Operation.objects.count() == 1  # only the one made above


def test_a_gone_snapshot_is_refused_by_name(estate, admin_user, client_for):
    Snapshot.objects.filter(pk=estate["db"].pk).update(absent_since=timezone.now())
    answer = client_for(admin_user).post(
        "/snapshots/bulk/",
        {"action": "delete", "snapshot": ids(estate["web"], estate["db"]), "reason": "x"},
    )
    assert answer.status_code == 400
    assert "snapshot before-upgrade no longer exists on db01" in answer.content.decode()
    assert not Operation.objects.exists()


def test_other_roles_and_get_do_not_act(estate, officer, auditor, admin_user, client_for):
    chosen = {"action": "delete", "snapshot": ids(estate["web"]), "reason": "x"}
    for user in (officer, auditor):
        assert client_for(user).post("/snapshots/bulk/", chosen).status_code == 403
    assert client_for(admin_user).get("/snapshots/bulk/", chosen).status_code == 200
    assert not Operation.objects.exists()


def test_bad_input_is_a_message_not_a_500(estate, admin_user, client_for):
    web = client_for(admin_user)
    nothing = web.get("/snapshots/bulk/", {"action": "delete"})
    assert nothing.status_code == 302 and nothing["Location"] == "/snapshots/"
    odd = web.get("/snapshots/bulk/", {"action": "explode", "snapshot": "1"})
    assert odd.status_code == 302
    junk = web.post("/snapshots/bulk/", {"action": "delete", "snapshot": ["abc"], "reason": "x"})
    assert junk.status_code == 400 and "“abc” is not a snapshot id." in junk.content.decode()


def test_owner_and_expiry_are_set_on_all_selected_each_audited(estate, admin_user, client_for):
    owner = UserFactory(username="olga-owner", role="administrator")
    ExpiryNotice.objects.create(snapshot=estate["db"], expires_at=timezone.now())
    expires = (timezone.localtime() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
    web = client_for(admin_user)
    page = web.get("/snapshots/bulk/", {"action": "govern", "snapshot": ids(estate["db"])})
    assert page.status_code == 200 and 'name="owner"' in page.content.decode()
    done = web.post(
        "/snapshots/bulk/",
        {
            "action": "govern",
            "snapshot": ids(estate["db"]),
            "owner": owner.pk,
            "expires_at": expires.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert done.status_code == 302
    snap = Snapshot.objects.get(pk=estate["db"].pk)
    assert snap.owner == owner and snap.expires_at == expires
    assert not ExpiryNotice.objects.exists()  # the new expiry is announced again
    event = AuditEvent.objects.get(action="snapshot.governance.change")
    assert event.detail["after"]["owner"] == "olga-owner" and event.actor == admin_user.username


def test_an_expiry_on_a_snapshot_the_portal_did_not_make_is_refused_for_all(
    estate, admin_user, client_for
):
    expires = timezone.localtime() + dt.timedelta(days=3)
    answer = client_for(admin_user).post(
        "/snapshots/bulk/",
        {
            "action": "govern",
            "snapshot": ids(estate["db"], estate["web"]),
            "expires_at": expires.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert answer.status_code == 400
    assert "before-patch of web01 was not made in the portal" in answer.content.decode()
    assert not Snapshot.objects.filter(expires_at__isnull=False).exists()
    past = client_for(admin_user).post(
        "/snapshots/bulk/",
        {"action": "govern", "snapshot": ids(estate["db"]), "expires_at": "2001-01-01T10:00"},
    )
    assert past.status_code == 400 and "lies in the past" in past.content.decode()
    neither = client_for(admin_user).post(
        "/snapshots/bulk/", {"action": "govern", "snapshot": ids(estate["db"])}
    )
    assert neither.status_code == 400 and "Choose an owner or an expiry" in neither.content.decode()


def test_the_confirmation_and_the_deletion_take_flat_queries(estate, admin_user, client_for):
    web = client_for(admin_user)

    def queries(snaps, method="get") -> int:
        data = {"action": "delete", "snapshot": ids(*snaps), "reason": "r"}
        with CaptureQueriesContext(connection) as seen:
            getattr(web, method)("/snapshots/bulk/", data)
        return len(seen)

    def make(n):
        return [
            SnapshotFactory(vm=vm, endpoint=vm.endpoint, name=f"s{i}")
            for i, vm in enumerate(
                VirtualMachineFactory(endpoint=estate["inside"], name=f"v{i}-{n}") for i in range(n)
            )
        ]

    few, many = make(2), make(12)
    queries(few)
    assert queries(few) == queries(many)
