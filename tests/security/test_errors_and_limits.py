"""No stack trace in any answer with DEBUG off; oversized bodies and long fields refused."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import path

from portal import urls as portal_urls
from portal.access import role_required
from portal.roles import ROLES

pytestmark = pytest.mark.django_db


@role_required(*ROLES)
def _boom(request):
    raise RuntimeError("secret internals: /srv/portal/settings.py line 42")


urlpatterns = [path("boom/", _boom), path("api/boom/", _boom), *portal_urls.urlpatterns]
handler404 = portal_urls.handler404
handler500 = portal_urls.handler500


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_a_server_error_shows_no_trace_on_pages_or_in_the_api(auditor, verified_client):
    client = verified_client(auditor, raise_request_exception=False)
    for url in ("/boom/", "/api/boom/"):
        answer = client.get(url)
        assert answer.status_code == 500
        body = answer.content.decode()
        assert "Traceback" not in body and "secret internals" not in body
        assert "settings.py" not in body


@override_settings(DEBUG=False)
def test_not_found_is_plain_on_pages_and_json_in_the_api(auditor, verified_client):
    client = verified_client(auditor)
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and b"Traceback" not in page.content
    assert b"urlpatterns" not in page.content
    api = client.get("/api/no-such-thing/")
    assert api.status_code == 404


def test_an_oversized_body_is_refused(auditor, settings):
    client = Client(raise_request_exception=False)
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    answer = client.post("/login/", {"username": "a", "password": big})
    assert answer.status_code == 400


def test_long_login_fields_are_refused_without_hashing(auditor):
    answer = Client().post("/login/", {"username": "u" * 151, "password": "p" * 300})
    assert answer.status_code == 200
    assert b"wrong" in answer.content
