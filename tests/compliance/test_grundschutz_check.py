"""The manual Grundschutz-Check: assessments per requirement and target object, the effective
status (documented and tested, never "ja" over a failing check, an expired review is due), the
Schutzbedarf that decides where the "erhöht" requirements apply, and the history of every change.

Each status goes run → change → run against real check runs over factory-made inventory.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from compliance.models import Assessment, AssessmentVersion, Requirement, TargetObject
from compliance.services.assessments import (
    assessment_of,
    assessment_save,
    automated_statuses,
    effective_status,
    grundschutz_check,
    summary,
    target_create,
    target_update,
    target_vms,
)
from compliance.services.parameters import check_parameters_update
from portal.models import AuditEvent

from .factories import ClusterFactory, EndpointFactory, HostFactory, VmFactory, approved_waiver, run

pytestmark = pytest.mark.django_db

A17 = "SYS.1.5.A17"  # sentence 1: OPS-003 reports hosts left in maintenance mode
A7 = "SYS.1.5.A7"
A10 = "SYS.1.5.A10"  # no check tests it: assessed here only (A7 is tested by TIM-001 now)
A21 = "SYS.1.5.A21"  # erhöht (H): MEM-003 and others test overcommitment


def req(ref: str) -> Requirement:
    return Requirement.objects.get(ref=ref)


def row(target: TargetObject, ref: str, today=None):
    return next(r for r in grundschutz_check(target, today=today) if r.requirement.ref == ref)


def effective(target: TargetObject, ref: str, today=None) -> str:
    return row(target, ref, today).effective.status


def assess(officer, target: TargetObject, ref: str, status: str, **fields):
    """``officer`` documents requirement ``ref`` for ``target`` (``assessment_save``)."""
    return assessment_save(
        requirement=req(ref), target=target, status=status, actor=officer, **fields
    )


@pytest.fixture
def estate(officer):
    return target_create(kind="estate", actor=officer)


def test_never_ja_over_a_failing_check_and_ja_once_it_passes(officer, estate):
    host = HostFactory()
    run()
    assert automated_statuses(estate)[A17].status == "fulfilled"
    # Passing checks alone never make "ja": nobody documented it.
    assert effective(estate, A17) == "not_checked"
    assess(officer, estate, A17, "ja")
    assert effective(estate, A17) == "fulfilled"
    host.maintenance_mode = True
    host.save()
    run()
    r = row(estate, A17)
    assert r.assessment.status == "ja"  # the documentation stays what it was ...
    assert r.automated.status in ("partly", "not_fulfilled")
    assert r.effective.status in ("partly", "not_fulfilled")  # ... but never reads as "ja"
    assert "OPS-003" in r.effective.reason and "ja" in r.effective.reason
    host.maintenance_mode = False
    host.save()
    run()
    assert effective(estate, A17) == "fulfilled"


def test_a_documented_nein_makes_a_partly_failing_requirement_not_fulfilled(officer, estate):
    HostFactory(maintenance_mode=True)
    HostFactory()
    run()
    assert effective(estate, A17) == "partly"
    assess(officer, estate, A17, "nein", justification="Maintenance windows are not planned.")
    assert effective(estate, A17) == "not_fulfilled"


def test_requirements_no_check_tests_are_assessed_here(officer, estate):
    HostFactory()
    run()
    assert automated_statuses(estate)[A10].checks == []
    assert effective(estate, A10) == "not_checked"
    assess(officer, estate, A10, "teilweise")
    assert effective(estate, A10) == "partly"
    assess(
        officer,
        estate,
        A10,
        "entbehrlich",
        justification="The guests take their time from the hosts only.",
    )
    r = row(estate, A10)
    assert r.effective.status == "dispensable"
    assert r.effective.reason == "The guests take their time from the hosts only."


def test_an_expired_review_shows_as_due_and_a_new_review_clears_it(officer, estate):
    today = timezone.localdate()
    assess(
        officer,
        estate,
        A7,
        "ja",
        last_review=today - dt.timedelta(days=400),
        next_review=today - dt.timedelta(days=35),
    )
    r = row(estate, A7)
    assert r.effective.status == "review_due" and r.effective.review_due
    assert (today - dt.timedelta(days=35)).isoformat() in r.effective.reason
    assess(officer, estate, A7, "ja", last_review=today, next_review=today + dt.timedelta(days=365))
    assert effective(estate, A7) == "fulfilled"
    # A negative statement stays negative when its review is overdue, flagged as due.
    assess(officer, estate, A7, "teilweise", next_review=today - dt.timedelta(days=1))
    r = row(estate, A7)
    assert r.effective.status == "partly" and r.effective.review_due


def test_a_waived_deviation_is_risk_accepted_not_ja(officer, estate):
    host = HostFactory(maintenance_mode=True)
    run()
    assess(officer, estate, A17, "ja")
    approved_waiver(
        check_id="OPS-003",
        endpoint=host.endpoint,
        reason="Hardware replacement this week.",
        days=7,
        actor=officer,
    )
    run()
    assert automated_statuses(estate)[A17].status == "risk_accepted"
    assert effective(estate, A17) == "risk_accepted"


def test_ja_over_a_check_switched_off_is_not_checked(officer, estate):
    HostFactory()
    run()
    assess(officer, estate, A17, "ja")
    assert effective(estate, A17) == "fulfilled"
    check_parameters_update(check_id="OPS-003", values={}, enabled=False, actor=officer)
    run()
    r = row(estate, A17)
    assert r.effective.status == "not_checked" and "OPS-003" in r.effective.reason
    check_parameters_update(check_id="OPS-003", values={}, enabled=True, actor=officer)
    run()
    assert effective(estate, A17) == "fulfilled"


def test_justification_is_required_for_entbehrlich_and_nein_naming_the_field(officer, estate):
    for status in ("entbehrlich", "nein"):
        with pytest.raises(ValidationError) as err:
            assess(officer, estate, A7, status, justification="  ")
        assert set(err.value.message_dict) == {"justification"}
    with pytest.raises(ValidationError) as err:
        assess(officer, estate, A7, "maybe")
    assert set(err.value.message_dict) == {"status"}
    with pytest.raises(ValidationError) as err:
        assess(
            officer,
            estate,
            A7,
            "ja",
            last_review="2026-11-01",
            next_review="2026-10-01",
            due_date="tomorrow",
        )
    assert set(err.value.message_dict) == {"next_review", "due_date"}
    with pytest.raises(ValidationError) as err:
        assess(officer, estate, "SYS.1.5.A18", "ja")
    assert set(err.value.message_dict) == {"requirement"}
    # Nothing half-written.
    assert not Assessment.objects.exists() and not AssessmentVersion.objects.exists()


def test_every_change_is_a_version_with_its_diff_and_an_audit_event(officer, estate):
    a = assess(officer, estate, A7, "teilweise", responsible="Ops")
    assess(officer, estate, A7, "ja", responsible="Ops", due_date="2027-03-31")
    # Saving the same again writes nothing.
    assess(officer, estate, A7, "ja", responsible="Ops", due_date="2027-03-31")
    a.refresh_from_db()
    assert a.version == 2
    versions = list(a.versions.order_by("version"))
    assert [v.status for v in versions] == ["teilweise", "ja"]
    assert versions[0].changes == {"status": [None, "teilweise"], "responsible": [None, "Ops"]}
    assert versions[1].changes == {
        "status": ["teilweise", "ja"],
        "due_date": [None, "2027-03-31"],
    }
    events = AuditEvent.objects.filter(action__startswith="compliance.assessment.").order_by("id")
    assert [e.action for e in events] == [
        "compliance.assessment.create",
        "compliance.assessment.update",
    ]
    assert events[1].detail["changes"]["status"] == ["teilweise", "ja"]
    assert events[1].actor == officer.username
    assert assessment_of(req(A7), estate).status == "ja"


def test_erhoeht_requirements_apply_only_above_normal_protection_need(officer, estate):
    HostFactory()
    run()
    r = row(estate, A21)
    assert r.effective.status == "not_applicable"
    assert summary(grundschutz_check(estate)).get("not_applicable") is None  # not counted
    target_update(estate, needs={"availability": "high"}, actor=officer)
    assert effective(estate, A21) == "not_checked"
    event = AuditEvent.objects.get(action="compliance.target.update")
    assert event.detail["changes"] == {"availability": ["normal", "high"]}


def test_a_cluster_inherits_the_protection_need_of_its_endpoint(officer):
    cluster = ClusterFactory()
    endpoint_target = target_create(
        kind="endpoint", endpoint=cluster.endpoint, needs={"integrity": "very_high"}, actor=officer
    )
    cluster_target = target_create(kind="cluster", cluster=cluster, actor=officer)
    assert cluster_target.protection_need == "normal"
    assert effective(cluster_target, A21) == "not_checked"  # elevated through the endpoint
    target_update(endpoint_target, needs={"integrity": "normal"}, actor=officer)
    assert effective(cluster_target, A21) == "not_applicable"


def test_target_objects_read_the_checks_of_their_own_objects(officer):
    bad = ClusterFactory()
    good = ClusterFactory()
    HostFactory(endpoint=bad.endpoint, cluster=bad, maintenance_mode=True)
    HostFactory(endpoint=good.endpoint, cluster=good)
    run()
    bad_target = target_create(kind="cluster", cluster=bad, actor=officer)
    good_target = target_create(kind="cluster", cluster=good, actor=officer)
    assert automated_statuses(bad_target)[A17].status in ("partly", "not_fulfilled")
    assert automated_statuses(good_target)[A17].status == "fulfilled"
    endpoint_target = target_create(kind="endpoint", endpoint=good.endpoint, actor=officer)
    assert automated_statuses(endpoint_target)[A17].status == "fulfilled"


def test_a_tag_target_covers_its_tagged_vms_and_only_vm_checks(officer):
    endpoint = EndpointFactory(kind="proxmox")
    host = HostFactory(endpoint=endpoint, maintenance_mode=True)  # a host check fails
    db = VmFactory(endpoint=endpoint, host=host, tags=["db", "prod"])
    VmFactory(endpoint=endpoint, host=host, tags=["db-prod"])
    run()
    target = target_create(kind="tag", tag="db", actor=officer)
    assert list(target_vms(target)) == [db]
    # OPS-003 judges hosts: it says nothing about the tagged VMs.
    assert automated_statuses(target)[A17].status != "not_fulfilled"
    assert "OPS-003" not in [
        c.check_id for c in automated_statuses(target)[A17].checks if c.state in ("some", "all")
    ]


def test_target_errors_name_the_field(officer):
    with pytest.raises(ValidationError) as err:
        target_create(kind="cluster", actor=officer)
    assert set(err.value.message_dict) == {"cluster"}
    with pytest.raises(ValidationError) as err:
        target_create(kind="tag", tag=" ", actor=officer)
    assert set(err.value.message_dict) == {"tag"}
    with pytest.raises(ValidationError) as err:
        target_create(kind="estate", needs={"confidentiality": "extreme"}, actor=officer)
    assert set(err.value.message_dict) == {"confidentiality"}
    target_create(kind="estate", actor=officer)
    with pytest.raises(ValidationError) as err:
        target_create(kind="estate", actor=officer)
    assert set(err.value.message_dict) == {"kind"}
    assert TargetObject.objects.count() == 1


def test_effective_status_of_a_withdrawn_requirement(officer, estate):
    state = automated_statuses(estate)["SYS.1.5.A18"]
    assert effective_status(state, None, elevated=True).status == "withdrawn"


def test_a_vm_with_a_higher_need_than_its_host_is_a_finding_naming_both(officer):
    from compliance.models import Finding

    cluster = ClusterFactory(name="Production")
    host = HostFactory(endpoint=cluster.endpoint, cluster=cluster, external_id="host-21")
    vm = VmFactory(endpoint=cluster.endpoint, host=host, cluster=cluster, external_id="vm-42")
    vm.tags = ["pci"]
    vm.save()
    run()
    # No target object yet: nothing to compare, not applicable rather than passed.
    assert not Finding.objects.filter(check_id="PRO-001").exists()
    host_target = target_create(kind="cluster", cluster=cluster, actor=officer)
    target_create(kind="tag", tag="pci", needs={"confidentiality": "very_high"}, actor=officer)
    run()
    finding = Finding.objects.get(check_id="PRO-001", resolved_at__isnull=True)
    assert finding.object_id == vm.pk and finding.object_external_id == "vm-42"
    assert vm.name in finding.message and host.name in finding.message
    assert "host-21" in finding.message and "vm-42" in finding.message
    ev = finding.evidence
    assert ev["vm"]["external_id"] == "vm-42" and ev["host"]["external_id"] == "host-21"
    assert ev["host"]["path"] == f"{cluster.endpoint.name} › Production › {host.name}"
    assert ev["vm"]["path"].endswith(f"{host.name} › {vm.name}")
    assert ev["vm_need"]["confidentiality"] == "very_high"
    assert ev["host_need"]["confidentiality"] == "normal"
    assert ev["higher"] == ["confidentiality"]
    # The host's own need raised to the VM's: fixed.
    target_update(host_target, needs={"confidentiality": "very_high"}, actor=officer)
    run()
    finding.refresh_from_db()
    assert finding.resolved_at is not None and finding.resolution == "fixed"
    # SYS.1.5.A8 sentence 3 is tested by it.
    estate = target_create(kind="estate", actor=officer)
    state = automated_statuses(estate)["SYS.1.5.A8"]
    assert "PRO-001" in [c.check_id for c in state.checks]


def _queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_the_check_page_reads_a_fixed_number_of_queries_whatever_the_estate(officer):
    """Two sizes, the same number of statements: nothing is read per VM or per requirement."""
    endpoint = EndpointFactory(kind="proxmox")
    host = HostFactory(endpoint=endpoint)

    def grow(n: int) -> None:
        for _ in range(n):
            VmFactory(endpoint=endpoint, host=host, tags=["db"])

    grow(2)
    run()
    targets = [
        target_create(kind="estate", actor=officer),
        target_create(kind="endpoint", endpoint=endpoint, actor=officer),
        target_create(kind="tag", tag="db", actor=officer),
    ]
    for target in targets:
        assess(officer, target, A7, "ja")
    small = [_queries(lambda t=t: grundschutz_check(t)) for t in targets]
    grow(30)
    run()
    large = [_queries(lambda t=t: grundschutz_check(t)) for t in targets]
    assert small == large
