"""The frame around every page: the icon, the user menu, styled error pages, no admin loop."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.second_factor import verify_session

pytestmark = pytest.mark.django_db


def test_the_favicon_is_served_to_anyone_and_linked_from_every_page(client, admin_user, client_for):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301
    icon = client.get(answer["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert b'rel="icon"' in client.get("/login/").content
    assert b'rel="icon"' in client_for(admin_user).get("/").content


@pytest.mark.parametrize("role", ["administrator", "security_officer", "auditor"])
def test_the_user_menu_links_the_security_pages_with_a_readable_role(users, client_for, role):
    html = client_for(users[role]).get("/").content.decode()
    assert 'href="/security/"' in html and 'href="/security/tokens/"' in html
    label = {"administrator": "Administrator", "security_officer": "Security officer"}
    assert f"· {label.get(role, 'Auditor')}</summary>" in html
    assert "security_officer" not in html


def test_a_refused_page_is_a_styled_page_within_the_layout(admin_user, client_for):
    answer = client_for(admin_user).get("/audit/")
    html = answer.content.decode()
    assert answer.status_code == 403
    assert "<h1>Not allowed</h1>" in html and "Your role (Administrator)" in html
    assert 'class="top"' in html and "css/portal.css" in html  # the header and styles


def test_the_api_answers_a_refusal_in_json(auditor, api_for):
    answer = api_for(auditor).post("/api/endpoints/", {}, format="json")
    assert answer.status_code == 403 and answer["Content-Type"].startswith("application/json")


def test_admin_ends_on_the_403_page_for_a_logged_in_user_who_is_not_staff(admin_user, client_for):
    """It was a redirect loop: admin login -> portal login -> next=/admin/ -> admin login."""
    answer = client_for(admin_user).get("/admin/", follow=True)
    assert answer.redirect_chain == [("/admin/login/?next=/admin/", 302)]
    assert answer.status_code == 403 and b"<h1>Not allowed</h1>" in answer.content


def test_admin_sends_a_visitor_to_the_portal_login_and_lets_staff_in(
    admin_user, client_for, client
):
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/login/?next=/admin/"
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    answer = client_for(admin_user).get("/admin/")
    assert answer.status_code == 200 and b"Site administration" in answer.content


def test_the_api_docs_load_swagger_ui_from_the_portal_itself(officer, client_for):
    web = client_for(officer)
    html = web.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "<style" not in html and "<script>" not in html
    script = web.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    bundle = web.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert bundle.status_code == 200


def test_a_refused_form_says_to_reload_it_within_the_layout(admin_user):
    web = verify_session(Client(enforce_csrf_checks=True), admin_user)
    answer = web.post("/snapshot-policies/new/", {"label": "x"})
    assert answer.status_code == 403
    html = answer.content.decode()
    assert "The form was out of date" in html and 'class="top"' in html
