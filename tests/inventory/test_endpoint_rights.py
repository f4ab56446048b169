"""The rights read from a platform, on the endpoint page: administrators and security officers
only, within their scope, in one query whatever the number of principals."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.connectors.records import grant
from portal.models import ObjectScope
from tests.factories import UserFactory
from tests.inventory.factories import EndpointFactory, PlatformAccountFactory

pytestmark = pytest.mark.django_db


def principal(endpoint, name: str, **kw):
    rights = {"admin": True, "vm_admin": ["*"], "infra_admin": ["*"], "privileges": None}
    given = grant(entity_path="/vms/100 (web01)", entity_id="/vms/100", role="Administrator",
                  role_id="Administrator", propagate=True, rights=rights)  # fmt: skip
    return PlatformAccountFactory(endpoint=endpoint, name=name, grants=[given], **kw)


def test_administrators_and_officers_see_who_holds_which_role_where(users, client_for):
    endpoint = EndpointFactory(name="pve-rights")
    principal(endpoint, "eve@pve", directory=False)
    PlatformAccountFactory(endpoint=endpoint, name="nobody@pve")  # no grants: not listed
    for role in ("administrator", "security_officer"):
        page = client_for(users[role]).get(f"/endpoints/{endpoint.pk}/").content.decode()
        assert "eve@pve" in page and "/vms/100 (web01)" in page and "Administrator" in page
        assert "nobody@pve" not in page
    page = client_for(users["auditor"]).get(f"/endpoints/{endpoint.pk}/").content.decode()
    assert "eve@pve" not in page and 'id="rights"' not in page


def test_a_scoped_administrator_sees_no_principal_of_another_endpoint(client_for):
    mine, other = EndpointFactory(name="mine"), EndpointFactory(name="other")
    principal(mine, "mine@pve")
    principal(other, "secret-admin@pve")
    scoped = UserFactory(username="sam-scoped-rights", role="administrator")
    ObjectScope.objects.create(user=scoped, endpoint=mine)
    web = client_for(scoped)
    page = web.get(f"/endpoints/{mine.pk}/").content.decode()
    assert "mine@pve" in page and "secret-admin@pve" not in page
    assert web.get(f"/endpoints/{other.pk}/").status_code == 404


def test_the_page_makes_the_same_number_of_queries_for_ten_times_the_principals(
    admin_user, client_for
):
    endpoint = EndpointFactory(name="pve-many")
    web = client_for(admin_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert web.get(f"/endpoints/{endpoint.pk}/").status_code == 200
        return len(captured.captured_queries)

    for i in range(3):
        principal(endpoint, f"a{i}@pve")
    few = queries()
    for i in range(3, 30):
        principal(endpoint, f"a{i}@pve")
    assert queries() == few
