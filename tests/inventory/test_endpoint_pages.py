"""Endpoints managed in the browser: fetch and pin the certificate, edit, disable, sync, delete.

The certificate is fetched by the worker's service from fakepve over real TLS (the web request
only queues it); administrators only, scoped administrators only within their scope.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from inventory.models import CertificateProbe, Endpoint, SyncRun
from inventory.services.endpoints import certificate_probe_run
from portal.models import AuditEvent, ObjectScope
from tests.factories import UserFactory
from tests.inventory.factories import SECRET, EndpointFactory
from tests.second_factor import verify_session

pytestmark = pytest.mark.django_db


def _fetch(web, fake, capture) -> CertificateProbe:
    """Step one in the browser; the queued task is run here as the worker would run it."""
    with capture(execute=False) as queued:
        answer = web.post("/endpoints/new/", {"kind": "proxmox", "url": fake.url})
    probe = CertificateProbe.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/endpoints/new/{probe.pk}/"
    assert len(queued) == 1 and probe.state == "queued" and probe.fingerprint == ""
    waiting = web.get(answer["Location"]).content.decode()
    assert "data-probe-status" in waiting and "Fetching the certificate" in waiting
    certificate_probe_run(probe_id=probe.pk)
    probe.refresh_from_db()
    return probe


def test_an_administrator_adds_an_endpoint_after_comparing_the_fingerprint(
    fake_pve, admin_user, client_for, django_capture_on_commit_callbacks
):
    web = client_for(admin_user)
    assert 'href="/endpoints/new/"' in web.get("/endpoints/").content.decode()
    probe = _fetch(web, fake_pve, django_capture_on_commit_callbacks)
    assert probe.state == "succeeded" and probe.fingerprint == fake_pve.fingerprint
    page = web.get(f"/endpoints/new/{probe.pk}/").content.decode()
    shown = ":".join(fake_pve.fingerprint[i : i + 2] for i in range(0, 64, 2)).upper()
    assert shown in page and 'type="password"' in page
    form = {
        "name": "pve-new",
        "token_id": fake_pve.token_id,
        "secret": fake_pve.token_secret,
        "sync_interval_minutes": "30",
        "enabled": "on",
    }
    unconfirmed = web.post(f"/endpoints/new/{probe.pk}/", form)
    assert unconfirmed.status_code == 400 and not Endpoint.objects.exists()
    assert fake_pve.token_secret not in unconfirmed.content.decode()  # never echoed back
    done = web.post(f"/endpoints/new/{probe.pk}/", form | {"compared": "on"})
    endpoint = Endpoint.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/endpoints/{endpoint.pk}/"
    assert endpoint.fingerprint == fake_pve.fingerprint and endpoint.secret == fake_pve.token_secret
    assert endpoint.url == fake_pve.url and endpoint.sync_interval_minutes == 30
    detail = web.get(done["Location"]).content.decode()
    assert shown in detail and fake_pve.token_secret not in detail
    again = web.post(f"/endpoints/new/{probe.pk}/", form | {"compared": "on", "name": "twice"})
    assert again.status_code == 400 and Endpoint.objects.count() == 1  # a probe pins once
    assert "pinned already" in again.content.decode()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "endpoint.certificate_fetch",
        "endpoint.certificate_fetched",
        "endpoint.create",
    } <= actions


def test_a_server_that_cannot_be_reached_shows_the_error_and_pins_nothing(
    admin_user, client_for, django_capture_on_commit_callbacks
):
    web = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=False):
        web.post("/endpoints/new/", {"kind": "vcenter", "url": "https://127.0.0.1:9"})
    probe = CertificateProbe.objects.get()
    certificate_probe_run(probe_id=probe.pk)
    page = web.get(f"/endpoints/new/{probe.pk}/").content.decode()
    assert "could not be fetched" in page and "127.0.0.1:9" in page
    assert 'name="secret"' not in page


def test_a_bad_url_is_a_400_naming_the_field(admin_user, client_for):
    answer = client_for(admin_user).post("/endpoints/new/", {"kind": "vcenter", "url": "ftp://x"})
    assert answer.status_code == 400 and not CertificateProbe.objects.exists()
    assert b'<ul class="errors"' in answer.content


def test_edit_keeps_the_secret_unless_a_new_one_is_given_and_never_shows_it(admin_user, client_for):
    endpoint = EndpointFactory(name="vc-old")
    web = client_for(admin_user)
    page = web.get(f"/endpoints/{endpoint.pk}/edit/").content.decode()
    assert SECRET not in page and 'value="vc-old"' in page
    answer = web.post(
        f"/endpoints/{endpoint.pk}/edit/",
        {"name": "vc-new", "username": endpoint.username, "sync_interval_minutes": "20"},
    )
    assert answer.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.secret, endpoint.enabled) == ("vc-new", SECRET, False)
    event = AuditEvent.objects.filter(action="endpoint.update").latest("id")
    assert SECRET not in str(event.detail) and "name" in event.detail["changed"]


def test_disable_sync_now_and_delete_with_the_name_typed(
    admin_user, client_for, django_capture_on_commit_callbacks
):
    endpoint = EndpointFactory(name="vc-gone")
    web = client_for(admin_user)
    web.post(f"/endpoints/{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    with django_capture_on_commit_callbacks(execute=False) as queued:
        answer = web.post(f"/endpoints/{endpoint.pk}/sync/")
    assert answer["Location"] == f"/sync-runs/?endpoint={endpoint.pk}" and len(queued) == 1
    run = SyncRun.objects.get()
    assert run.trigger == "web" and run.requested_by == admin_user.username
    wrong = web.post(f"/endpoints/{endpoint.pk}/delete/", {"confirm_name": "vc"})
    assert wrong.status_code == 400 and Endpoint.objects.filter(pk=endpoint.pk).exists()
    gone = web.post(f"/endpoints/{endpoint.pk}/delete/", {"confirm_name": "vc-gone"})
    assert gone.status_code == 302 and not Endpoint.objects.filter(pk=endpoint.pk).exists()
    assert AuditEvent.objects.filter(action="endpoint.delete", source="web").exists()


def test_the_last_sync_error_is_shown_on_the_list_and_the_endpoint_page(officer, client_for):
    endpoint = EndpointFactory(
        name="vc-broken", last_sync_status="failed", last_sync_at=timezone.now()
    )
    SyncRun.objects.create(endpoint=endpoint, status="failed", error="401 bad credentials")
    web = client_for(officer)
    assert "401 bad credentials" in web.get("/endpoints/").content.decode()
    detail = web.get(f"/endpoints/{endpoint.pk}/").content.decode()
    assert "Last sync failed" in detail and "401 bad credentials" in detail
    assert "Sync now" not in detail  # officers read, administrators act


@pytest.mark.parametrize("role", ["security_officer", "auditor"])
def test_officers_and_auditors_cannot_change_endpoints(users, client_for, role):
    endpoint = EndpointFactory()
    web = client_for(users[role])
    assert web.get("/endpoints/new/").status_code == 403
    for url in ("toggle/", "sync/", "delete/", "edit/"):
        assert web.post(f"/endpoints/{endpoint.pk}/{url}").status_code == 403, url
    assert Endpoint.objects.get().enabled


def test_a_scoped_administrator_reaches_only_endpoints_in_scope_and_cannot_add(client_for):
    mine, other = EndpointFactory(name="mine"), EndpointFactory(name="other")
    scoped_admin = UserFactory(username="sam-scoped", role="administrator")
    ObjectScope.objects.create(user=scoped_admin, endpoint=mine)
    web = client_for(scoped_admin)
    assert web.get("/endpoints/new/").status_code == 403
    assert web.post("/endpoints/new/", {"kind": "vcenter", "url": "https://x"}).status_code == 403
    assert 'href="/endpoints/new/"' not in web.get("/endpoints/").content.decode()
    assert web.get(f"/endpoints/{mine.pk}/edit/").status_code == 200
    for url in ("", "edit/", "delete/"):
        assert web.get(f"/endpoints/{other.pk}/{url}").status_code == 404, url
    assert web.post(f"/endpoints/{other.pk}/toggle/").status_code == 404
    assert Endpoint.objects.get(pk=other.pk).enabled


def test_a_probe_belongs_to_the_administrator_who_asked(
    admin_user, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        client_for(admin_user).post("/endpoints/new/", {"kind": "vcenter", "url": "https://x"})
    probe = CertificateProbe.objects.get()
    web = verify_session(Client(), UserFactory(username="ada-admin", role="administrator"))
    assert web.get(f"/endpoints/new/{probe.pk}/").status_code == 404
    assert web.get(f"/endpoints/probes/{probe.pk}/status.json").status_code == 404


def test_after_a_renewal_the_presented_certificate_is_compared_and_pinned_again(
    fake_pve, admin_user, client_for, django_capture_on_commit_callbacks
):
    endpoint = EndpointFactory(proxmox=True, url=fake_pve.url, fingerprint="cd" * 32)
    web = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        answer = web.post(f"/endpoints/{endpoint.pk}/certificate/")
    probe = CertificateProbe.objects.get(endpoint=endpoint)
    assert answer["Location"] == f"/endpoints/{endpoint.pk}/certificate/{probe.pk}/"
    assert len(queued) == 1
    certificate_probe_run(probe_id=probe.pk)
    page = web.get(answer["Location"]).content.decode()
    assert "CD:CD:CD" in page and fake_pve.fingerprint[:2].upper() in page
    assert web.post(answer["Location"]).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.fingerprint == fake_pve.fingerprint
    event = AuditEvent.objects.get(action="endpoint.repin")
    assert event.detail["before"] == "cd" * 32 and event.detail["after"] == fake_pve.fingerprint
    assert web.post(answer["Location"]).status_code == 400  # a probe pins once
