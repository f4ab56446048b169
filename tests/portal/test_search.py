"""The search box in the header: VMs, hosts, datastores, networks, snapshots and findings by
name, platform id or address; scoped like every list; one query per kind."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance.services import check_run_execute
from portal.security.models import ObjectScope
from tests.factories import UserFactory
from tests.inventory.factories import (
    DatastoreFactory,
    EndpointFactory,
    HostFactory,
    NetworkFactory,
    SnapshotFactory,
    VirtualMachineFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate():
    inside, outside = EndpointFactory(name="vc-in"), EndpointFactory(name="vc-out")
    host = HostFactory(
        endpoint=inside, name="esx07", external_id="host-21", management_addresses=["10.1.2.3"]
    )
    vm = VirtualMachineFactory(endpoint=inside, host=host, name="web01", external_id="vm-42")
    SnapshotFactory(vm=vm, endpoint=inside, name="before-patch")
    DatastoreFactory(endpoint=inside, name="ds-web01")
    NetworkFactory(endpoint=inside, name="pg-web01")
    VirtualMachineFactory(endpoint=outside, name="web01-canary-zq", external_id="vm-77")
    return {"inside": inside, "outside": outside, "vm": vm, "host": host}


def page(client, q: str) -> str:
    answer = client.get("/search/", {"q": q})
    assert answer.status_code == 200
    return answer.content.decode()


def test_a_vm_is_found_by_name_and_by_its_platform_id_with_its_snapshots(
    estate, client_for, auditor
):
    web = client_for(auditor)
    html = page(web, "web01")
    assert f'href="/vms/{estate["vm"].pk}/"' in html
    assert "before-patch" not in html  # a snapshot is found by its own name
    assert "ds-web01" in html and "/datastores/?q=ds-web01" in html  # linked to its list
    assert "/networks/?q=pg-web01" in html
    assert f'href="/vms/{estate["vm"].pk}/"' in page(web, "vm-42")
    snap = page(web, "before")
    assert "before-patch" in snap and "web01" in snap


def test_a_host_is_found_by_its_management_address(estate, client_for, auditor):
    html = page(client_for(auditor), "10.1.2.3")
    assert f'href="/hosts/{estate["host"].pk}/"' in html and "esx07" in html


def test_findings_are_found_by_the_name_of_their_vm(estate, client_for, officer):
    estate["vm"].tools_state = "guestToolsNotInstalled"
    estate["vm"].save()
    check_run_execute(trigger="command", actor="t")
    html = page(client_for(officer), "web01")
    assert "/compliance/findings/" in html


def test_a_scoped_user_finds_nothing_outside_the_scope(estate, client_for):
    scoped = UserFactory(username="scoped-auditor", role="auditor")
    ObjectScope.objects.create(user=scoped, endpoint=estate["inside"])
    web = client_for(scoped)
    html = page(web, "web01")
    assert "canary" not in html and "vc-out" not in html
    assert "canary" not in page(web, "vm-77") and "Nothing found" in page(web, "canary")
    unscoped = client_for(UserFactory(username="plain-auditor", role="auditor"))
    assert "web01-canary-zq" in page(unscoped, "canary")  # the control: it is there


def test_one_query_per_kind_whatever_the_number_of_matches(estate, client_for, auditor):
    from portal.search import PROVIDERS, search

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            search(auditor, "web")
        return len(seen)

    queries()  # the user's scope rows are read once and kept on the user
    few = queries()
    for i in range(30):
        vm = VirtualMachineFactory(endpoint=estate["inside"], name=f"web-{i}")
        SnapshotFactory(vm=vm, endpoint=vm.endpoint, name=f"web-snap-{i}")
    many = queries()
    assert few == many == len(PROVIDERS)


def test_short_text_searches_nothing_and_says_so(estate, client_for, auditor):
    html = page(client_for(auditor), "w")
    assert "at least two characters" in html


def api(client, q: str) -> dict:
    answer = client.get("/api/search/", {"q": q})
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_the_api_answers_grouped_results_with_path_platform_id_and_url(estate, client_for, auditor):
    answer = api(client_for(auditor), "web01")
    groups = {g["kind"]: g for g in answer["groups"]}
    assert set(groups) == {"vm", "datastore", "network"}
    assert [v["name"] for v in groups["vm"]["results"]] == ["web01", "web01-canary-zq"]
    vm = groups["vm"]["results"][0]
    assert vm == {
        "kind": "vm",
        "name": "web01",
        "path": f"vc-in / {estate['vm'].cluster.name} / esx07 / web01",
        "platform_id": "vm-42",
        "url": f"/vms/{estate['vm'].pk}/",
        "note": "",
    }
    assert groups["vm"]["label"] == "Virtual machines" and groups["vm"]["more"] is False
    (host,) = api(client_for(auditor), "10.1.2.3")["groups"]
    assert host["kind"] == "host"
    assert host["results"][0]["note"] == "10.1.2.3"
    assert host["results"][0]["platform_id"] == "host-21"


def test_the_api_says_when_a_kind_has_more_than_the_limit(estate, client_for, auditor):
    from portal.search import LIMIT

    for i in range(LIMIT):
        VirtualMachineFactory(endpoint=estate["inside"], name=f"many-{i:02}")
    (group,) = api(client_for(auditor), "many-")["groups"]
    assert len(group["results"]) == LIMIT and group["more"] is False
    VirtualMachineFactory(endpoint=estate["inside"], name="many-xx")
    (group,) = api(client_for(auditor), "many-")["groups"]
    assert len(group["results"]) == LIMIT and group["more"] is True


def test_the_api_is_scoped_no_name_and_no_count_from_outside(estate, client_for):
    scoped = UserFactory(username="scoped-api", role="administrator")
    ObjectScope.objects.create(user=scoped, endpoint=estate["inside"])
    web = client_for(scoped)
    assert api(web, "canary")["groups"] == []
    assert api(web, "vm-77")["groups"] == []
    text = str(api(web, "web01"))
    assert "canary" not in text and "vc-out" not in text and "vm-77" not in text
    control = api(client_for(UserFactory(username="plain-api", role="auditor")), "canary")
    assert control["groups"][0]["results"][0]["name"] == "web01-canary-zq"


def test_the_api_refuses_the_anonymous_and_short_text_finds_nothing(estate, client, client_for):
    assert client.get("/api/search/", {"q": "web01"}).status_code == 401
    assert api(client_for(UserFactory(username="a2", role="auditor")), "w")["groups"] == []


def test_the_api_makes_one_query_per_kind_at_two_sizes(estate, client_for, auditor):
    from portal.search import PROVIDERS

    web = client_for(auditor)

    def queries(text: str = "web") -> int:
        with CaptureQueriesContext(connection) as seen:
            api(web, text)
        return len(seen)

    queries()
    few = queries()
    request_alone = queries("w")  # too short: the session and user, no search
    for i in range(40):
        vm = VirtualMachineFactory(endpoint=estate["inside"], name=f"web-{i}")
        SnapshotFactory(vm=vm, endpoint=vm.endpoint, name=f"web-snap-{i}")
        HostFactory(endpoint=estate["inside"], name=f"web-esx-{i}")
    many = queries()
    assert few == many
    # one query per kind, and the user's scope rows read once for all of them
    assert many - request_alone == len(PROVIDERS) + 1
