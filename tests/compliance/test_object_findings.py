"""A VM's and a host's pages list their open findings (issue 16 item 8): the compliance app
fills inventory's page slots ("vm_sections", "host_sections"); the check, its title, the
severity, the status (waived told apart), first and last seen, a link to each finding and to
all of the object's findings; another object's findings, resolved ones and ones outside the
reader's scope never appear."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django.utils.html import escape

from compliance.checks import get_check
from portal.security.models import ObjectScope
from tests.factories import UserFactory
from tests.inventory.factories import HostFactory, VirtualMachineFactory, vms_inside_and_outside

from .factories import open_finding, waive_finding

pytestmark = pytest.mark.django_db


def _page(client, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_vm_page_lists_its_open_findings_most_severe_first(auditor, client_for):
    vm = VirtualMachineFactory(name="web01")
    other = VirtualMachineFactory(name="db01", endpoint=vm.endpoint)
    low = open_finding(vm, "vm", "CPU-001", severity="low", message="low one")
    high = open_finding(vm, "vm", "SNAP-001", severity="high", message="high one")
    waived = open_finding(vm, "vm", "CON-001", severity="medium", message="medium one")
    waive_finding(waived)
    open_finding(vm, "vm", "MEM-001", message="fixed one", resolved_at=timezone.now())
    open_finding(other, "vm", "TIME-001", message="the other VM's")
    host_finding = open_finding(vm, "host", "HOST-001", message="a host's with the same id")
    host_finding.object_id = vm.pk  # same number, another kind of object
    host_finding.save(update_fields=["object_id"])

    body = _page(client_for(auditor), f"/vms/{vm.pk}/")
    section = body[body.index('id="findings-heading"') :]
    section = section[: section.index("</section>")]
    assert "Findings (3)" in section
    # The most severe first; each row links its finding, names the check and its title.
    assert section.index("high one") < section.index("medium one") < section.index("low one")
    for finding in (high, waived, low):
        assert f'href="/compliance/findings/{finding.pk}/"' in section
    assert escape(str(get_check("SNAP-001").title)) in section
    assert '<span class="badge bad">high</span>' in section
    assert '<span class="badge warn">medium</span>' in section
    assert '<span class="badge na">low</span>' in section
    assert "badge st-waived" in section and "badge st-fail" in section
    for absent in ("fixed one", "the other VM&#x27;s", "a host&#x27;s with the same id"):
        assert absent not in section
    assert f"?object_type=vm&amp;object_id={vm.pk}&amp;status=" in section


def test_a_vm_without_findings_says_so(auditor, client_for):
    vm = VirtualMachineFactory()
    body = _page(client_for(auditor), f"/vms/{vm.pk}/")
    assert "Findings (0)" in body and "No open findings." in body


def test_the_host_page_lists_its_open_findings(auditor, client_for):
    host = HostFactory(name="esx-find")
    finding = open_finding(host, "host", "HOST-002", message="ssh is on")
    vm = VirtualMachineFactory(endpoint=host.endpoint, host=host)
    open_finding(vm, "vm", "SNAP-001", message="its VM's")
    body = _page(client_for(auditor), f"/hosts/{host.pk}/")
    assert "Findings (1)" in body and "ssh is on" in body and "its VM&#x27;s" not in body
    assert f'href="/compliance/findings/{finding.pk}/"' in body
    assert f"?object_type=host&amp;object_id={host.pk}&amp;status=" in body


def test_a_long_list_is_cut_and_says_so(auditor, client_for, monkeypatch):
    from compliance.templatetags import compliance_objects

    monkeypatch.setattr(compliance_objects, "OBJECT_FINDING_ROWS", 2)
    vm = VirtualMachineFactory()
    for i in range(3):
        open_finding(vm, "vm", f"T-{i}")
    body = _page(client_for(auditor), f"/vms/{vm.pk}/")
    assert "Findings (2+)" in body and "The 2 most severe are listed." in body


def test_a_scoped_user_sees_only_findings_in_its_scope(client_for):
    inside, _outside, (web, db, far) = vms_inside_and_outside()
    scoped = UserFactory(username="scoped-auditor", role="auditor")
    ObjectScope.objects.create(user=scoped, endpoint=inside)
    open_finding(web, "vm", "SNAP-001", message="web deviates")
    open_finding(db, "vm", "SNAP-001", message="db deviates")
    open_finding(far, "vm", "SNAP-001", message="far deviates")
    # A finding row that names web's id but belongs to the other endpoint (a stale or forged
    # row): the page's own query must still keep it out.
    stray = open_finding(far, "vm", "CON-001", message="stray-zq deviates")
    stray.object_id = web.pk
    stray.save(update_fields=["object_id"])
    client = client_for(scoped)
    body = _page(client, f"/vms/{web.pk}/")
    assert "web deviates" in body
    assert "db deviates" not in body and "stray-zq" not in body and "far-vm-zq" not in body
    assert "Findings (1)" in body
    assert client.get(f"/vms/{far.pk}/").status_code == 404


def test_the_vm_page_in_german(auditor, client_for):
    vm = VirtualMachineFactory()
    open_finding(vm, "vm", "SNAP-001", severity="high")
    client = client_for(auditor)
    body = client.get(f"/vms/{vm.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Befunde (1)" in body and '<span class="badge bad">hoch</span>' in body
    assert "Alle Befunde dieses Objekts" in body
