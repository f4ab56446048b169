"""The rights review keeps a check run's query count flat: two sizes of principals, same count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance.models import Finding
from compliance.services import check_run_execute
from inventory.connectors.proxmox_traits import TRAITS as PVE
from inventory.connectors.records import grant
from inventory.models import Endpoint, PlatformAccount

from .factories import EndpointFactory

pytestmark = pytest.mark.django_db

ADMIN = PVE.classify_role("Administrator", [])
VM_ADMIN = PVE.classify_role("PVEVMAdmin", ["VM.Allocate", "VM.Config.Disk"])
SYS_ADMIN = PVE.classify_role("PVESysAdmin", ["Sys.Console"])


def principals(endpoint: Endpoint, n: int) -> None:
    """``n`` users (every kind of finding among them), a token and a group per user."""
    rows = []
    for i in range(n):
        user = f"u{i}@pve"
        grants = [
            grant(entity_path=f"/vms/{100 + i}", entity_id=f"/vms/{100 + i}", role="PVEVMAdmin",
                  role_id="PVEVMAdmin", propagate=True, rights=VM_ADMIN),
            grant(entity_path="/nodes/pve1", entity_id="/nodes/pve1", role="PVESysAdmin",
                  role_id="PVESysAdmin", propagate=True, rights=SYS_ADMIN),
        ]  # fmt: skip
        if i % 3 == 0:
            grants.append(
                grant(entity_path="/", entity_id="/", role="Administrator", role_id="Administrator",
                      propagate=True, rights=ADMIN, root=True)
            )  # fmt: skip
        rows += [
            PlatformAccount(endpoint=endpoint, external_id=user, name=user, enabled=True,
                            two_factor=i % 2 == 0, realm="pve", directory=False, grants=grants),
            PlatformAccount(endpoint=endpoint, external_id=f"{user}!ci", name=f"{user}!ci",
                            kind="token", enabled=True, privsep=i % 2 == 0, grants=grants),
            PlatformAccount(endpoint=endpoint, external_id=f"group:g{i}", name=f"g{i}",
                            kind="group", grants=grants),
        ]  # fmt: skip
    PlatformAccount.objects.bulk_create(rows)


def run_queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        run = check_run_execute(trigger="command", actor="test")
    assert run.status == "succeeded", run.error
    return len(queries.captured_queries)


def test_a_check_run_over_ten_times_the_principals_makes_the_same_number_of_queries():
    small = EndpointFactory(kind=Endpoint.Kind.PROXMOX)
    principals(small, 6)
    first_small = run_queries()
    second_small = run_queries()
    PlatformAccount.objects.all().delete()
    Finding.objects.all().delete()
    principals(small, 60)
    first_large = run_queries()
    second_large = run_queries()
    assert second_small == second_large
    if connection.vendor == "postgresql":
        assert first_small == first_large
    else:
        # SQLite caps the variables of one statement, so Django splits the bulk insert of the
        # new findings and results into batches: more statements per batch of rows written,
        # none per principal read or judged (the second runs above are equal).
        assert first_small <= first_large <= first_small + 12
    assert Finding.objects.open().filter(check_id="RGT-007").count() == 60 * 3  # user, token, group
