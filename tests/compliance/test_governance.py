"""Parameters, waivers, baselines and requirement status: validated, audited, derived."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from compliance.models import Baseline, CheckSetting, Finding, Waiver
from compliance.services import (
    baseline_approve,
    check_parameters_update,
    check_run_execute,
    config_diff,
    requirement_statuses,
    waivers_expire,
)
from compliance.services.baselines import current_config
from compliance.services.status import combine
from portal.models import AuditEvent

from .factories import ClusterFactory, HostFactory, VmFactory, approved_waiver

pytestmark = pytest.mark.django_db


def run():
    return check_run_execute(trigger="command", actor="test")


# --- parameters ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("check", "values", "message"),
    [
        ("SNAP-001", {"max_age_days": -1}, "below the smallest allowed value 0"),
        ("CPU-002", {"max_ratio": 0}, "below the smallest allowed value 0.1"),
        ("ADM-003", {"admin_networks": ["10.0.0.0/33"]}, "not a network in CIDR notation"),
        ("SNAP-001", {"max_age_days": "three"}, "not a whole number"),
        ("SNAP-001", {"max_days": 3}, "has no parameter max_days"),
    ],
)
def test_bad_parameters_are_refused_with_a_clear_message_and_nothing_is_saved(
    officer, check, values, message
):
    with pytest.raises(ValidationError, match=message):
        check_parameters_update(check_id=check, values=values, actor=officer)
    assert not CheckSetting.objects.exists()
    assert not AuditEvent.objects.filter(action="compliance.check.update").exists()


def test_good_parameters_are_saved_audited_and_used(officer):
    host = HostFactory(management_addresses=["192.168.5.5"])
    check_parameters_update(
        check_id="ADM-003", values={"admin_networks": "10.0.0.0/24, 192.168.0.0/16"}, actor=officer
    )
    event = AuditEvent.objects.get(action="compliance.check.update")
    assert event.actor == officer.username and event.detail["after"]["parameters"][
        "admin_networks"
    ] == ["10.0.0.0/24", "192.168.0.0/16"]
    run()
    assert not Finding.objects.filter(check_id="ADM-003", object_id=host.pk).exists()
    check_parameters_update(
        check_id="ADM-003", values={"admin_networks": ["10.0.0.0/24"]}, actor=officer
    )
    run()
    assert Finding.objects.open().filter(check_id="ADM-003", object_id=host.pk).exists()


# --- waivers -------------------------------------------------------------------------
def _failing_host():
    host = HostFactory(ntp_servers=[])
    run()
    return host, Finding.objects.get(check_id="LOG-001", object_id=host.pk)


def test_a_waiver_needs_a_reason_and_a_future_expiry(officer):
    _, finding = _failing_host()
    with pytest.raises(ValidationError) as info:
        approved_waiver(
            check_id="LOG-001",
            scope="object",
            finding=finding,
            reason=" ",
            expires_at=timezone.now() - dt.timedelta(days=1),
            actor=officer,
        )
    assert set(info.value.message_dict) == {"reason", "expires_at"}
    with pytest.raises(ValidationError, match="cannot be open-ended"):
        approved_waiver(
            check_id="LOG-001",
            scope="object",
            finding=finding,
            reason="r",
            expires_at=None,
            actor=officer,
        )
    assert not Waiver.objects.exists()


def test_a_waived_finding_shows_as_waived_until_the_waiver_expires(officer):
    _, finding = _failing_host()
    waiver = approved_waiver(
        finding=finding, reason="NTP via PTP appliance", days=30, actor=officer
    )
    finding.refresh_from_db()
    assert finding.display_status == "waived"
    assert AuditEvent.objects.filter(
        action="compliance.waiver.create", actor=officer.username
    ).exists()
    Waiver.objects.filter(pk=waiver.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    finding = Finding.objects.select_related("waiver").get(pk=finding.pk)
    assert finding.display_status == "fail"  # derived at read time, nothing had to run
    assert waivers_expire() == 1
    assert waivers_expire() == 0  # audited once
    assert AuditEvent.objects.filter(action="compliance.waiver.expire").count() == 1


def test_a_cluster_waiver_covers_new_findings_in_that_cluster(officer):
    cluster = ClusterFactory()
    inside = HostFactory(endpoint=cluster.endpoint, cluster=cluster, syslog_target="")
    outside = HostFactory(endpoint=cluster.endpoint, syslog_target="")
    approved_waiver(
        check_id="LOG-002", cluster=cluster, reason="central log via agent", days=1, actor=officer
    )
    run()
    assert Finding.objects.get(check_id="LOG-002", object_id=inside.pk).waiver is not None
    assert Finding.objects.get(check_id="LOG-002", object_id=outside.pk).waiver is None


def test_waived_findings_make_the_requirement_risk_accepted_never_fulfilled(officer):
    _, finding = _failing_host()
    state = {s.requirement.ref: s for s in requirement_statuses()}["M4349.OPERATING"]
    assert state.status in ("partly", "not_fulfilled")
    approved_waiver(
        check_id="LOG-001", endpoint=finding.endpoint, reason="r", days=1, actor=officer
    )
    state = {s.requirement.ref: s for s in requirement_statuses()}["M4349.OPERATING"]
    assert state.status == "risk_accepted"


# --- baselines -----------------------------------------------------------------------
def test_approving_a_baseline_is_audited_and_supersedes_the_previous(officer):
    vm = VmFactory(config={"memory": 4096, "extra": {"copy": "TRUE"}}, config_hash="1" * 64)
    run()
    assert Finding.objects.get(check_id="INT-002", object_id=vm.pk).status == "warning"
    first = baseline_approve(object_type="vm", object_id=vm.pk, actor=officer)
    run()
    assert Finding.objects.get(check_id="INT-002", object_id=vm.pk).resolved_at is not None
    vm.config, vm.config_hash = {"memory": 8192, "extra": {"copy": "FALSE"}, "usb": 1}, "2" * 64
    vm.save()
    run()
    assert Finding.objects.open().get(check_id="INT-002", object_id=vm.pk).status == "fail"
    changes = config_diff(first.config, vm.config)
    assert [(c.key, c.kind) for c in changes] == [
        ("extra.copy", "changed"),
        ("memory", "changed"),
        ("usb", "added"),
    ]
    second = baseline_approve(
        object_type="vm", object_id=vm.pk, actor=officer, comment="RAM upgrade CHG-42"
    )
    first.refresh_from_db()
    assert (
        first.superseded_at is not None
        and Baseline.objects.filter(superseded_at__isnull=True).get() == second
    )
    assert AuditEvent.objects.filter(action="compliance.baseline.approve").count() == 2
    run()
    assert not Finding.objects.open().filter(check_id="INT-002").exists()


def test_a_host_baseline_stores_exactly_what_the_sync_fingerprinted(officer):
    from inventory.connectors.records import HostRecord, Inventory, ServiceRecord
    from inventory.models import Host
    from inventory.services.sync import apply_inventory, config_hash

    from .factories import EndpointFactory

    endpoint = EndpointFactory()

    def sync(ssh_running: bool) -> Host:
        record = HostRecord(
            external_id="host-1",
            name="esx1",
            version="8.0.2",
            connection_state="connected",
            services=[
                ServiceRecord("ssh", "SSH", running=ssh_running, policy="off"),
                ServiceRecord("ntp", "NTP Daemon", running=True, policy="on"),
            ],
            ntp_servers=["ntp.example.org"],
        )
        apply_inventory(endpoint, Inventory(hosts=[record]), timezone.now())
        return Host.objects.get(endpoint=endpoint, external_id="host-1")

    host = sync(ssh_running=False)
    baseline = baseline_approve(object_type="host", object_id=host.pk, actor=officer)
    assert config_hash(baseline.config) == baseline.config_hash == host.config_hash
    host = sync(ssh_running=True)
    changes = config_diff(baseline.config, current_config(host))
    assert [(c.key, c.before, c.after) for c in changes] == [("services.ssh.running", False, True)]


def test_the_diff_names_the_changed_item_of_a_list_of_nics():
    before = {"nics": [{"name": "Network adapter 1", "start_connected": True}]}
    after = {
        "nics": [
            {"name": "Network adapter 1", "start_connected": False},
            {"name": "Network adapter 2", "start_connected": True},
        ]
    }
    assert [(c.key, c.kind) for c in config_diff(before, after)] == [
        ("nics.[Network adapter 1].start_connected", "changed"),
        ("nics.[Network adapter 2].name", "added"),
        ("nics.[Network adapter 2].start_connected", "added"),
    ]


def test_a_baseline_needs_a_synced_configuration(officer):
    host = HostFactory(config_hash="")
    with pytest.raises(ValidationError, match="sync it first"):
        baseline_approve(object_type="host", object_id=host.pk, actor=officer)


def test_the_baseline_page_shows_the_key_level_diff(officer, client_for):
    vm = VmFactory(config={"memory": 4096}, config_hash="1" * 64)
    baseline_approve(object_type="vm", object_id=vm.pk, actor=officer)
    vm.config, vm.config_hash = {"memory": 8192}, "2" * 64
    vm.save()
    page = client_for(officer).get(f"/compliance/baselines/vm/{vm.pk}/").content.decode()
    assert "memory" in page and "4096" in page and "8192" in page and "differs" in page


# --- requirement status --------------------------------------------------------------
@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([], "not_checked"),
        (["none", "none"], "not_checked"),
        (["ok", "none"], "fulfilled"),
        (["all", "all"], "not_fulfilled"),
        (["ok", "all"], "partly"),
        (["some"], "partly"),
        # Waived deviations are accepted risk, never "fulfilled".
        (["ok", "waived"], "risk_accepted"),
        (["waived"], "risk_accepted"),
        # A check switched off: not checked while it is off, unless another one deviates.
        (["ok", "off"], "not_checked"),
        (["waived", "off"], "not_checked"),
        (["all", "off"], "not_fulfilled"),
        (["some", "off", "ok"], "partly"),
        (["all", "waived"], "partly"),
    ],
)
def test_combining_check_states(states, expected):
    assert combine(states) == expected


def test_status_is_not_checked_before_any_run_and_sys15_follows_the_mapping():
    HostFactory()
    by_ref = {s.requirement.ref: s for s in requirement_statuses()}
    assert by_ref["M4349.CPU"].status == "not_checked"
    run()
    by_ref = {s.requirement.ref: s for s in requirement_statuses()}
    assert by_ref["M4349.CPU"].status == "fulfilled"
    assert by_ref["SYS.1.5.A26"].status == "not_checked"  # PKI: no automated check
    # A8 is planning: no check tests it (the CPU checks once made it "fulfilled").
    assert by_ref["SYS.1.5.A8"].status == "not_checked"
    a17 = by_ref["SYS.1.5.A17"]
    assert "M4349.CPU" in a17.sources
    enough_resources = a17.sentences[1]
    assert enough_resources.sentence.number == 2
    assert "CPU-001" in {m.check.check_id for m in enough_resources.mapped}
    assert enough_resources.status == "fulfilled"
    assert by_ref["SYS.1.5.A18"].status == "withdrawn"


def test_status_per_endpoint_only_counts_that_endpoint():
    bad, good = HostFactory(ntp_servers=[]), HostFactory()
    run()
    assert {s.requirement.ref: s for s in requirement_statuses(bad.endpoint_id)}[
        "M4349.OPERATING"
    ].status != "fulfilled"
    assert {s.requirement.ref: s for s in requirement_statuses(good.endpoint_id)}[
        "M4349.OPERATING"
    ].status == "fulfilled"
