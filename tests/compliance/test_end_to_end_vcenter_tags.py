"""End to end on vCenter: a vSphere tag made through the simulator's vAPI puts a VM into a tag
target object (Zielobjekt); its Grundschutz-Check and report speak about that VM, PRO-001 judges
its protection need; a vAPI that cannot be read leaves the tags unknown, never stale.
"""

from __future__ import annotations

import pytest

from compliance.services.assessments import target_create, target_vms
from inventory.connectors import vsphere_tags
from inventory.models import SyncRun, VirtualMachine
from inventory.services.sync import sync_endpoint
from simulators import vcsim as sim_api

from .e2e import open_finding, sync_and_check
from .test_reports import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
TAG = "Schutzbedarf:PCI"


def test_a_vsphere_tag_puts_the_vm_into_the_tag_target_and_its_check_and_report(
    vc, fresh_vcsim, officer, client_for
):
    endpoint, _api = vc
    sync_and_check(endpoint)
    vm, other = VirtualMachine.objects.filter(endpoint=endpoint, host__isnull=False).order_by(
        "name"
    )[:2]
    target = target_create(
        kind="tag", tag=TAG, endpoint=endpoint, needs={"confidentiality": "very_high"},
        actor=officer,
    )  # fmt: skip
    assert list(target_vms(target)) == []

    sim_api.tag_vms(fresh_vcsim, "Schutzbedarf", "PCI", [vm.external_id])
    sync_and_check(endpoint)
    vm.refresh_from_db()
    assert vm.tags == [TAG] and vm.tags_known
    assert list(target_vms(target)) == [vm]

    # PRO-001: the tag gives the VM a higher need than its host's: a finding naming both.
    finding = open_finding("PRO-001", vm)
    assert finding is not None and finding.status == "fail"
    assert vm.name in finding.message and vm.host.name in finding.message
    assert finding.evidence["vm_need"]["confidentiality"] == "very_high"
    assert open_finding("PRO-001", other) is None

    # The target's report lists the finding on the tagged VM, with its platform id, and
    # nothing about the untagged one.
    answer = client_for(officer).get(f"/compliance/reports/check.pdf?lang=de&target={target.pk}")
    assert answer.status_code == 200
    text = pdf_text(answer.content)
    assert vm.name in text and vm.external_id in text
    assert other.name not in text

    # The target's page names the VMs it covers.
    page = client_for(officer).get(f"/compliance/targets/{target.pk}/").content.decode()
    assert vm.name in page and other.name not in page


def test_an_unreadable_vapi_is_a_warning_and_the_tags_become_unknown_not_stale(
    vc, fresh_vcsim, officer, client_for, monkeypatch
):
    endpoint, _api = vc
    vm_id = sim_api.vm_ids(fresh_vcsim)[0]
    sim_api.tag_vms(fresh_vcsim, "Schutzbedarf", "PCI", [vm_id])
    sync_and_check(endpoint)
    target = target_create(kind="tag", tag=TAG, endpoint=endpoint, actor=officer)
    vm = VirtualMachine.objects.get(endpoint=endpoint, external_id=vm_id)
    assert list(target_vms(target)) == [vm]

    monkeypatch.setattr(vsphere_tags, "PREFIX", "/rest/com/vmware/not-there")  # answers 404
    run = sync_endpoint(endpoint, trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert any("vSphere tags not read" in w for w in run.warnings)
    vm.refresh_from_db()
    assert vm.tags == [] and vm.tags_known is False
    assert list(target_vms(target)) == []

    page = client_for(officer).get(f"/compliance/targets/{target.pk}/").content.decode()
    assert "tags of 4 VMs are unknown" in page  # the page says what it could not judge
    vm_page = client_for(officer).get(f"/vms/{vm.pk}/").content.decode()
    assert "unknown: the last sync could not read the platform" in vm_page

    monkeypatch.undo()
    sync_and_check(endpoint)
    vm.refresh_from_db()
    assert vm.tags == [TAG] and vm.tags_known
