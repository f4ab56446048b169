"""Every role reads the inventory API, nobody writes through it, and no secret ever leaves."""

from __future__ import annotations

import json

import pytest
import yaml
from django.db import connection

from inventory.models import Endpoint

from .factories import (
    SECRET,
    ClusterFactory,
    DatastoreHostFactory,
    EndpointFactory,
    NetworkFactory,
    PhysicalNicFactory,
    SnapshotFactory,
    SyncRunFactory,
    UtilizationSampleFactory,
    VmDatastoreFactory,
)

pytestmark = pytest.mark.django_db

COLLECTIONS = [
    "clusters",
    "hosts",
    "nics",
    "switches",
    "networks",
    "datastores",
    "vms",
    "snapshots",
    "utilization",
    "endpoints",
    "sync-runs",
]


@pytest.fixture
def one_of_each():
    """One object of every kind on a vCenter and on a Proxmox endpoint (both with a secret)."""
    for endpoint in (EndpointFactory(), EndpointFactory(proxmox=True)):
        ClusterFactory(endpoint=endpoint)
        PhysicalNicFactory(endpoint=endpoint)
        NetworkFactory(endpoint=endpoint)
        DatastoreHostFactory(datastore__endpoint=endpoint)
        vm = VmDatastoreFactory(vm__endpoint=endpoint).vm
        SnapshotFactory(endpoint=endpoint, vm=vm)
        UtilizationSampleFactory(subject=vm)
        SyncRunFactory(endpoint=endpoint)


def _every_answer(api):
    """Each list, and the detail of its first row."""
    for name in COLLECTIONS:
        listed = api.get(f"/api/{name}/")
        assert listed.status_code == 200, (name, listed.content)
        yield name, listed
        first = listed.json()["results"][0]
        detail = api.get(f"/api/{name}/{first['id']}/")
        assert detail.status_code == 200, (name, detail.content)
        yield name, detail


@pytest.mark.parametrize("role", ["administrator", "security_officer", "auditor"])
def test_every_role_reads_every_inventory_collection(api_for, users, one_of_each, role):
    for name, answer in _every_answer(api_for(users[role])):
        assert answer.status_code == 200, name


def test_no_answer_contains_a_secret_or_its_ciphertext(api_for, auditor, one_of_each):
    ciphertexts = list(
        Endpoint.objects.values_list("secret", flat=True)  # decrypted by the field ...
    )
    assert ciphertexts and all(str(c) == SECRET for c in ciphertexts)
    with connection.cursor() as cursor:  # ... so read the stored ciphertext directly
        cursor.execute("SELECT secret FROM inventory_endpoint")
        stored = [row[0] for row in cursor.fetchall()]
    for name, answer in _every_answer(api_for(auditor)):
        body = answer.content.decode()
        assert SECRET not in body, name
        assert not any(value and value in body for value in stored), name
        assert '"secret"' not in body, name


def test_the_inventory_api_is_read_only_for_every_role(api_for, users, one_of_each):
    inventory = [c for c in COLLECTIONS if c not in ("endpoints", "sync-runs")]
    for user in users.values():
        api = api_for(user)
        for name in inventory:
            first = api.get(f"/api/{name}/").json()["results"][0]["id"]
            assert api.post(f"/api/{name}/", {"name": "x"}).status_code in (403, 405), name
            assert api.patch(f"/api/{name}/{first}/", {"name": "x"}).status_code in (403, 405)
            if name != "snapshots":  # DELETE of a snapshot is an operation (other module)
                assert api.delete(f"/api/{name}/{first}/").status_code in (403, 405), name


def test_anonymous_and_roleless_users_cannot_read(client, api_for, one_of_each):
    from tests.factories import UserFactory

    nobody = api_for(UserFactory(username="no-role"))
    for name in COLLECTIONS:
        assert client.get(f"/api/{name}/").status_code in (401, 403), name
        assert nobody.get(f"/api/{name}/").status_code == 403, name


def test_every_inventory_route_is_in_the_schema_with_a_description(api_for, auditor):
    answer = api_for(auditor).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert answer.status_code == 200
    body = answer.content.decode()
    # drf-spectacular answers YAML unless JSON is negotiated.
    schema = json.loads(body) if body.lstrip().startswith("{") else yaml.safe_load(body)
    for name in COLLECTIONS:
        for path in (f"/api/{name}/", f"/api/{name}/{{id}}/"):
            operation = schema["paths"][path]["get"]
            assert len(operation.get("description", "")) > 20, path
    vm_params = {p["name"] for p in schema["paths"]["/api/vms/"]["get"]["parameters"]}
    assert {"endpoint", "cluster", "host", "name", "power_state", "platform", "kind"} <= vm_params
    assert {"absent", "search", "ordering", "page", "page_size"} <= vm_params
