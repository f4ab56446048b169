"""The findings list answers with the same number of SQL statements for 3 findings or 30, for an
unscoped auditor and for one scoped to an endpoint (issue 17: query counts flat at fleet size;
``bench/query_counts.py`` measures it at 5,000 and 50,000 VMs)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.security.models import ObjectScope
from tests.factories import UserFactory
from tests.inventory.factories import EndpointFactory, HostFactory, VirtualMachineFactory

from .test_bulk_waivers import finding

pytestmark = pytest.mark.django_db
CHECKS = ("SNAP-001", "CON-001", "VM-001")


def add_findings(endpoints, n: int) -> None:
    for i in range(n):
        endpoint = endpoints[i % len(endpoints)]
        host = HostFactory(endpoint=endpoint)
        vm = VirtualMachineFactory(endpoint=endpoint, host=host)
        finding(vm, check=CHECKS[i % len(CHECKS)])


def statements(client) -> int:
    client.get("/compliance/findings/")  # the session's first request reads the user's scopes
    with CaptureQueriesContext(connection) as seen:
        answer = client.get("/compliance/findings/")
    assert answer.status_code == 200
    return len(seen.captured_queries)


@pytest.mark.parametrize("scoped", [False, True], ids=["unscoped", "scoped"])
def test_findings_list_statements_do_not_grow_with_findings(client_for, scoped):
    endpoints = [EndpointFactory(name="vc-in"), EndpointFactory(name="vc-out")]
    user = UserFactory(username="reader", role="auditor")
    if scoped:
        ObjectScope.objects.create(user=user, endpoint=endpoints[0])
    web = client_for(user)
    add_findings(endpoints, 3)
    few = statements(web)
    add_findings(endpoints, 27)
    many = statements(web)
    assert few == many, (few, many)
    listed = web.get("/compliance/findings/").content.decode()
    assert ("vc-out" in listed) is not scoped  # the scope holds at the larger size
