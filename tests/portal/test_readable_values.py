"""Pages show words, not the platforms' or the database's raw values; filters are select boxes.

Raw values stay where machines read them (filters' query values, the API, exports).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from compliance.models import Finding
from compliance.services import check_run_execute
from inventory.labels import guest_os_label
from portal.models import AuditEvent
from tests.compliance.factories import SnapshotFactory as ComplianceSnapshotFactory
from tests.inventory.factories import EndpointFactory, HostFactory, VirtualMachineFactory

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    """The page's text, without tags or attribute values (option values are machine input)."""
    return re.sub(r"<[^>]+>", " ", html)


def test_vm_pages_say_powered_on_and_name_the_guest_os(admin_user, client_for):
    vc = VirtualMachineFactory(name="web01", power_state="poweredOn", guest_os="debian12_64Guest")
    pve = VirtualMachineFactory(
        endpoint=EndpointFactory(proxmox=True), name="ct01", power_state="running", guest_os="l26"
    )
    web = client_for(admin_user)
    listing = _text(web.get("/vms/").content.decode())
    assert "poweredOn" not in listing and "powered on" in listing
    detail = _text(web.get(f"/vms/{vc.pk}/").content.decode())
    assert "Debian 12 (64-bit)" in detail and "debian12_64Guest" not in detail
    detail = _text(web.get(f"/vms/{pve.pk}/").content.decode())
    assert "Linux (kernel 2.6 to 6.x)" in detail and " l26 " not in detail


def test_host_filters_are_select_boxes_with_words(admin_user, client_for):
    HostFactory(name="esx09", connection_state="notResponding", power_state="poweredOn")
    html = client_for(admin_user).get("/hosts/?connection_state=notResponding").content.decode()
    assert '<input name="connection_state"' not in html and '<input name="power_state"' not in html
    assert '<option value="notResponding" selected>not responding (vCenter)</option>' in html
    assert '<option value="standBy">standby (vCenter)</option>' in html
    text = _text(html)
    assert "esx09" in text and "notResponding" not in text and "poweredOn" not in text


def test_the_audit_trail_shows_role_names_in_words(officer, client_for):
    AuditEvent.objects.create(
        actor="olga", actor_role="security_officer", source="web", action="x.y", target_repr="t"
    )
    text = _text(client_for(officer).get("/audit/").content.decode())
    assert "Security officer" in text and "security_officer" not in text


def test_check_parameters_are_labelled_sentences_not_a_dict(officer, client_for):
    text = _text(client_for(officer).get("/compliance/checks/").content.decode())
    assert "Largest snapshot age: 3 days" in text
    assert "max_age_days" not in text and "{'" not in text


def test_requirement_levels_are_english_in_the_english_ui(officer, client_for):
    text = _text(client_for(officer).get("/compliance/requirements/").content.decode())
    assert "elevated protection" in text
    assert "erhöht" not in text.replace("erhöhtem", "")  # German titles stay in their column
    assert "Maßnahme" not in text


def test_the_guest_os_label_falls_back_to_the_raw_value():
    assert guest_os_label("windows2019srv_64Guest") == "windows2019srv_64Guest"
    assert guest_os_label("") == ""


def test_a_findings_evidence_names_the_thresholds_instead_of_printing_a_dict(officer, client_for):
    ComplianceSnapshotFactory(created_at=timezone.now() - dt.timedelta(days=9))
    check_run_execute(trigger="command", actor="test")
    finding = Finding.objects.get(check_id="SNAP-001")
    assert finding.evidence["parameters"]["max_age_days"] == 3
    text = _text(client_for(officer).get(f"/compliance/findings/{finding.pk}/").content.decode())
    assert "Largest snapshot age: 3 days" in text
    assert "{&#x27;" not in text and "{'" not in text and "max_age_days" not in text
