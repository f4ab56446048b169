"""Each list's columns are declared once (inventory/tables.py, compliance/tables.py): header,
cells, sort and CSV agree."""

from __future__ import annotations

import re

import pytest

from compliance.tables import FINDINGS
from inventory import tables
from portal.tables import Column, Table

pytestmark = pytest.mark.django_db

LISTS = {
    "/vms/": tables.VMS,
    "/hosts/": tables.HOSTS,
    "/datastores/": tables.DATASTORES,
    "/networks/": tables.NETWORKS,
    "/snapshots/": tables.SNAPSHOTS,
    "/endpoints/": tables.ENDPOINTS,
    "/sync-runs/": tables.SYNC_RUNS,
}

# The CSV headers as scripts read them: a change here breaks someone's export.
CSV_HEADERS = {
    "/vms/": "name,platform,kind,endpoint,cluster,host,power state,guest os,vcpus,memory bytes,"
    "provisioned bytes,used bytes,cpu percent,tools,template,snapshots,absent since",
    "/hosts/": "name,platform,endpoint,cluster,product,version,build,connection state,"
    "power state,maintenance mode,lockdown mode,cpu percent,memory bytes,memory used bytes,"
    "uptime seconds,vms,absent since",
    "/datastores/": "name,platform,endpoint,type,capacity bytes,free bytes,provisioned bytes,"
    "free percent,accessible,shared,hosts,vms,absent since",
    "/networks/": "name,platform,endpoint,switch,switch kind,host,vlan,promiscuous,mac changes,"
    "forged transmits,absent since",
    "/snapshots/": "vm,platform,endpoint,name,description,created at,age days,with memory,"
    "quiesced,current,made by portal,owner,created by,reason,expires at,absent since",
    "/endpoints/": "name,platform,url,trust,last sync,last sync status,last success,enabled",
    "/sync-runs/": "endpoint,platform,status,trigger,requested by,queued,started,finished,"
    "seconds,created,updated,absent,warnings,error",
}


@pytest.mark.parametrize("path", [*LISTS, "/compliance/findings/"])
def test_the_empty_row_spans_every_header_cell(client_for, auditor, path):
    table = LISTS.get(path, FINDINGS)
    body = client_for(auditor).get(f"{path}?q=nothing-is-called-this").content.decode()
    head = body.split("<thead>", 1)[1].split("</thead>", 1)[0]
    headers = head.count('<th scope="col"')
    assert headers == len(table.page_columns) > 3
    assert f'<td colspan="{headers}">{table.empty}</td>' in body


@pytest.mark.parametrize("path", LISTS)
def test_the_csv_writes_the_declared_columns_in_their_published_order(client_for, auditor, path):
    answer = client_for(auditor).get(f"{path}?format=csv")
    first_line = b"".join(answer.streaming_content).decode().splitlines()[0]
    assert first_line == CSV_HEADERS[path]


@pytest.mark.parametrize("path", LISTS)
def test_every_declared_sort_field_sorts_and_a_shown_one_marks_its_header(
    client_for, auditor, path
):
    client = client_for(auditor)
    table = LISTS[path]
    shown = {c.sort for c in table.page_columns if c.sort}
    for field in table.sort_fields:
        body = client.get(f"{path}?sort=-{field}").content.decode()
        marked = re.search(rf'aria-sort="descending"><a href="\?sort={field}"', body)
        assert bool(marked) == (field in shown), field


def test_a_column_reads_through_empty_relations_as_missing():
    class Row:
        cluster = None

    column = Column("cluster", "Cluster", csv="cluster", accessor="cluster.name")
    assert column.get(Row()) is None
    assert Table((column,)).csv_columns[0].value(Row()) is None


def test_the_csv_order_can_differ_from_the_page_order():
    table = Table(
        (Column("a", "A", csv="a"), Column("b", "B", csv="b"), Column("c", csv="c")),
        csv_order=("b",),
    )
    assert [c.label for c in table.csv_columns] == ["b", "a", "c"]
    assert [c.key for c in table.page_columns] == ["a", "b"] and table.colspan == 2


@pytest.mark.parametrize("view", ["inventory:vm-detail", "inventory:host-detail"])
@pytest.mark.parametrize("prefix", ["/", "/portal/"])
def test_row_links_are_the_urls_reverse_gives_under_any_script_prefix(view, prefix):
    from django.urls import reverse, set_script_prefix

    from portal.tables import object_url

    set_script_prefix(prefix)
    try:
        for pk in (1, 42, 918273645, 10**12):
            assert object_url(view, pk) == reverse(view, args=[pk])
    finally:
        set_script_prefix("/")
