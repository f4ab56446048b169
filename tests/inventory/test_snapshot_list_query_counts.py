"""The snapshot list answers with a fixed number of SQL queries, for 3 rows or 30.

The request's own queries (as in test_pages_query_counts.py), the endpoint select, the row
count and the rows: VM, endpoint and owner come in the same query as their snapshot.
"""

from __future__ import annotations

import pytest

from .factories import EndpointFactory, SnapshotFactory, VirtualMachineFactory
from .test_pages_query_counts import PAGE, REQUEST

pytestmark = pytest.mark.django_db


def _snapshots(size: int, owner) -> None:
    for endpoint in (EndpointFactory(), EndpointFactory(proxmox=True)):
        for vm in VirtualMachineFactory.create_batch(size, endpoint=endpoint):
            SnapshotFactory(endpoint=endpoint, vm=vm)
            SnapshotFactory(endpoint=endpoint, vm=vm, made_by_portal=True, owner=owner)


@pytest.mark.parametrize("size", [3, 30])
def test_the_page_query_count_does_not_grow_with_rows(
    client_for, auditor, admin_user, django_assert_num_queries, size
):
    _snapshots(size, admin_user)
    client = client_for(auditor)
    with django_assert_num_queries(REQUEST + 1 + PAGE):
        answer = client.get("/snapshots/?older_than=0&sort=-expires_at")
    assert answer.status_code == 200
    assert answer.content.decode().count('class="snap-name"') == min(4 * size, 50)


@pytest.mark.parametrize("size", [3, 30])
def test_the_csv_query_count_does_not_grow_with_rows(
    client_for, auditor, admin_user, django_assert_num_queries, size
):
    _snapshots(size, admin_user)
    client = client_for(auditor)
    with django_assert_num_queries(REQUEST + 1):  # the rows, read through one cursor
        answer = client.get("/snapshots/?format=csv")
        body = b"".join(answer.streaming_content)
    assert body.count(b"\n") == 4 * size + 1
