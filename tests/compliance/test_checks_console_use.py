"""CON-005 and CON-006: console use from the platforms' history, on stored sessions.

The sessions are rows as the sync stores them (tests/inventory/test_console_sessions.py reads
them from fakepve and vcsim); here the checks' edges: at the threshold, outside the period,
history not read, the tag in any case, templates. And the context that feeds them stays at a
fixed number of queries whatever the number of VMs and sessions.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance.checks import get_check
from compliance.checks.context import InventoryContext
from compliance.choices import Status
from compliance.models import Finding
from compliance.services import check_run_execute
from inventory.models import ConsoleHistory, ConsoleSession, Endpoint

from .factories import EndpointFactory, VmFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()
SEQUENCE = itertools.count(1)


def read_history(endpoint, days: int = 90) -> ConsoleHistory:
    return ConsoleHistory.objects.create(
        endpoint=endpoint, read_from=NOW - dt.timedelta(days=days), read_until=NOW
    )


def sessions(vm, *ages_in_days: float, user: str = "alice@pve", kind: str = "vnc") -> None:
    for age in ages_in_days:
        n = next(SEQUENCE)
        ConsoleSession.objects.create(
            endpoint_id=vm.endpoint_id, vm=vm, vm_external_id=vm.external_id, vm_name=vm.name,
            user=user, started_at=NOW - dt.timedelta(days=age), kind=kind,
            source=f"UPID:pve1:{vm.pk:08X}:{n:08X}:00000000:vncproxy:{vm.pk}:{user}:",
        )  # fmt: skip


def judge(check_id: str, vm, **params):
    spec = get_check(check_id)
    ctx = InventoryContext.load([vm.endpoint_id], now=NOW)
    return spec.func(vm, {**spec.defaults(), **params}, ctx)


def test_con_005_counts_the_consoles_opened_in_the_period_against_the_threshold():
    endpoint = EndpointFactory(kind=Endpoint.Kind.PROXMOX)
    read_history(endpoint)
    vm = VmFactory(endpoint=endpoint, external_id="qemu/100", name="db01")
    sessions(vm, 1, 2, 3)
    sessions(vm, 40, 50)  # before the 30-day period: not counted
    at = judge("CON-005", vm, max_sessions=3)
    assert at.status == Status.PASS  # exactly at the threshold
    assert at.evidence["count"] == 3 and at.evidence["threshold"] == 3
    over = judge("CON-005", vm, max_sessions=2)
    assert over.status == Status.FAIL
    assert over.evidence["users"] == {"alice@pve": 3}
    assert [s["user"] for s in over.evidence["sessions"]] == ["alice@pve"] * 3
    assert "3 times in 30 days (at most 2 allowed), last by alice@pve at " in over.message
    longer = judge("CON-005", vm, max_sessions=3, period_days=60)
    assert longer.status == Status.FAIL and longer.evidence["count"] == 5
    # Nobody opened the console of another VM: it passes with a count of 0.
    assert judge("CON-005", VmFactory(endpoint=endpoint), max_sessions=0).status == Status.PASS


def test_con_005_counts_only_from_where_the_history_was_read_and_says_so():
    endpoint = EndpointFactory()
    history = read_history(endpoint, days=10)
    vm = VmFactory(endpoint=endpoint, external_id="vm-42")
    sessions(vm, 1, kind="webmks")
    outcome = judge("CON-005", vm)
    assert outcome.status == Status.PASS
    assert outcome.evidence["counted_since"] == history.read_from.astimezone(dt.UTC).isoformat()
    assert "since " + history.read_from.astimezone(dt.UTC).strftime("%Y-%m-%d") in outcome.message


def test_console_checks_are_not_applicable_while_the_history_is_unread_and_for_templates():
    endpoint = EndpointFactory()
    vm = VmFactory(endpoint=endpoint, tags=["network-managed"])
    assert judge("CON-005", vm).status == Status.NOT_APPLICABLE  # no history row at all
    assert judge("CON-006", vm).status == Status.NOT_APPLICABLE
    ConsoleHistory.objects.create(endpoint=endpoint, read_from=NOW)  # first read failed
    outcome = judge("CON-005", vm)
    assert outcome.status == Status.NOT_APPLICABLE
    assert "has not been read" in outcome.message
    ConsoleHistory.objects.filter(endpoint=endpoint).update(read_until=NOW)
    assert judge("CON-005", vm).status == Status.PASS
    template = VmFactory(endpoint=endpoint, template=True)
    assert judge("CON-005", template).status == Status.NOT_APPLICABLE


def test_con_006_fails_for_any_console_on_a_vm_tagged_network_managed():
    endpoint = EndpointFactory(kind=Endpoint.Kind.PROXMOX)
    read_history(endpoint)
    tagged = VmFactory(endpoint=endpoint, external_id="qemu/101", tags=["prod", "Network-Managed"])
    untagged = VmFactory(endpoint=endpoint, external_id="qemu/102", tags=["prod"])
    assert judge("CON-006", tagged).status == Status.PASS
    sessions(tagged, 2, user="bob@pve", kind="term")
    sessions(untagged, 2)
    failed = judge("CON-006", tagged)
    assert failed.status == Status.FAIL
    assert failed.evidence["count"] == 1 and failed.evidence["tag"] == "network-managed"
    assert "on a VM tagged network-managed, last by bob@pve at " in failed.message
    outcome = judge("CON-006", untagged)
    assert outcome.status == Status.NOT_APPLICABLE and outcome.evidence["tags"] == ["prod"]
    # Another tag name is a parameter; a session older than the period does not count.
    assert judge("CON-006", untagged, tag="prod").status == Status.FAIL
    assert judge("CON-006", tagged, period_days=1).status == Status.PASS


def test_the_tag_parameter_refuses_what_is_no_tag_name_with_a_message_naming_it():
    spec = get_check("CON-006")
    assert spec.clean_parameters({"tag": " managed:net "}) == {"tag": "managed:net"}
    for bad in ("", "two words", "a;b", "x" * 101):
        with pytest.raises(ValueError, match="Tag marking VMs managed over the network"):
            spec.clean_parameters({"tag": bad})


def test_a_run_opens_findings_naming_the_vm_who_and_when():
    endpoint = EndpointFactory(kind=Endpoint.Kind.PROXMOX, name="pve-a")
    read_history(endpoint)
    vm = VmFactory(endpoint=endpoint, external_id="qemu/100", name="db01", tags=["network-managed"])
    sessions(vm, 1, 2, 3, 4, 5, 6)
    run = check_run_execute(endpoint=endpoint, trigger="command", actor="test")
    assert run.status == "succeeded", run.error
    by_check = {f.check_id: f for f in Finding.objects.filter(object_id=vm.pk, object_type="vm")}
    for check_id in ("CON-005", "CON-006"):
        finding = by_check[check_id]
        assert finding.status == "fail"
        assert finding.object_external_id == "qemu/100"
        assert finding.object_path.startswith("pve-a") and finding.object_path.endswith("db01")
        assert finding.evidence["count"] == 6 and "alice@pve" in finding.message


def _estate(n_vms: int, sessions_each: int) -> Endpoint:
    endpoint = EndpointFactory(kind=Endpoint.Kind.PROXMOX)
    read_history(endpoint)
    for _ in range(n_vms):
        vm = VmFactory(endpoint=endpoint, tags=["network-managed"])
        sessions(vm, *[0.5 + i for i in range(sessions_each)])
    return endpoint


def test_the_context_reads_console_use_in_a_fixed_number_of_queries():
    small, large = _estate(2, 1), _estate(12, 4)
    counts = []
    for endpoint in (small, large):
        with CaptureQueriesContext(connection) as queries:
            ctx = InventoryContext.load([endpoint.pk], now=NOW)
            spec = get_check("CON-005")
            for vm in ctx.objects["vm"]:
                spec.func(vm, spec.defaults(), ctx)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert sum(len(v) for v in ctx.console_sessions_by_vm.values()) == 48
