"""Operation pages: administrators act with CSRF-protected forms, revert asks twice, all read."""

from __future__ import annotations

import pytest

from operations.models import Operation

from .conftest import pve_guest, register_pve, stored_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(fake_pve):
    return register_pve(fake_pve)


def test_an_administrator_queues_a_snapshot_from_the_vm_page_and_sees_its_progress(
    endpoint, admin_user, web_as, django_capture_on_commit_callbacks
):
    web = web_as(admin_user)
    vm = pve_guest(endpoint, 101)
    page = web.get(f"/vms/{vm.pk}/")
    assert page.status_code == 200 and b"Take a snapshot" in page.content
    with django_capture_on_commit_callbacks(execute=False) as queued:
        answer = web.post(f"/vms/{vm.pk}/snapshots/new/", {"name": "from-web", "reason": "test"})
    op = Operation.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/operations/{op.pk}/"
    assert len(queued) == 1
    detail = web.get(answer["Location"])
    assert b'data-operation-status="/operations/%d/status.json"' % op.pk in detail.content
    status = web.get(f"/operations/{op.pk}/status.json").json()
    assert status["state"] == "queued"
    # The state is said once, live (no flash that keeps saying "queued" after success).
    summary = f"create snapshot “from-web” on {vm.name} is queued."
    assert status["summary"] == summary and detail.content.decode().count("queued.") == 1
    assert b"from-web" in web.get("/operations/?state=queued").content
    Operation.objects.filter(pk=op.pk).update(state="succeeded")
    assert web.get(f"/operations/{op.pk}/status.json").json()["summary"].endswith("succeeded.")


def test_revert_needs_the_snapshot_name_typed_on_a_second_page(endpoint, admin_user, web_as):
    web = web_as(admin_user)
    snap = stored_snapshot(pve_guest(endpoint, 100), "snap1")
    assert web.get(f"/snapshots/{snap.pk}/revert/").status_code == 200
    wrong = web.post(f"/snapshots/{snap.pk}/revert/", {"confirm_name": "snap2"})
    assert wrong.status_code == 200 and b"Type snap1 exactly" in wrong.content
    assert not Operation.objects.exists()
    right = web.post(f"/snapshots/{snap.pk}/revert/", {"confirm_name": "snap1"})
    assert right.status_code == 302
    assert Operation.objects.get().kind == "revert"


def test_pages_carry_no_inline_script_or_style(endpoint, admin_user, web_as):
    web = web_as(admin_user)
    vm = pve_guest(endpoint, 100)
    for url in (f"/vms/{vm.pk}/", "/operations/", "/snapshot-policies/", "/snapshot-policies/new/"):
        html = web.get(url).content.decode()
        assert "<script>" not in html and " style=" not in html and "onclick" not in html, url


@pytest.mark.parametrize("role", ["security_officer", "auditor"])
def test_officers_and_auditors_see_the_pages_but_cannot_act(endpoint, users, web_as, role):
    web = web_as(users[role])
    vm = pve_guest(endpoint, 100)
    snap = stored_snapshot(vm, "snap1")
    assert b"Take a snapshot" not in web.get(f"/vms/{vm.pk}/").content
    assert web.get("/operations/").status_code == 200
    assert web.get("/snapshot-policies/").status_code == 200
    assert web.post(f"/vms/{vm.pk}/snapshots/new/", {"name": "nope"}).status_code == 403
    assert web.post(f"/snapshots/{snap.pk}/delete/").status_code == 403
    assert web.get(f"/snapshots/{snap.pk}/revert/").status_code == 403
    assert web.get("/snapshot-policies/new/").status_code == 403
    assert not Operation.objects.exists()


def test_an_administrator_creates_a_policy_in_the_browser(endpoint, admin_user, web_as):
    web = web_as(admin_user)
    answer = web.post(
        "/snapshot-policies/new/",
        {"label": "web", "enabled": "on", "minute": "0", "hour": "2", "day_of_week": "*",
         "day_of_month": "*", "month_of_year": "*", "keep_last": "3", "min_free_percent": "10",
         "endpoints": [endpoint.pk]},
    )  # fmt: skip
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert b"web" in web.get("/snapshot-policies/").content
