"""Four eyes on baselines: administrators change configurations, security officers approve them,
after reading the configuration itself and its field-by-field difference; many at once.

Before, an administrator could approve the drift they had made themselves.
"""

from __future__ import annotations

import pytest

from compliance.models import Baseline
from compliance.services import baseline_approve, check_run_execute
from portal.models import AuditEvent

from .factories import HostFactory, VmFactory

pytestmark = pytest.mark.django_db


def drifted_vm(officer, name: str):
    vm = VmFactory(name=name, config={"memory": 4096, "numCPU": 2}, config_hash="1" * 64)
    baseline_approve(object_type="vm", object_id=vm.pk, actor=officer)
    vm.config, vm.config_hash = {"memory": 8192, "numCPU": 2}, "2" * 64
    vm.save()
    return vm


def test_an_administrator_cannot_approve_a_baseline(officer, admin_user, client_for):
    vm = drifted_vm(officer, "app01")
    page = client_for(admin_user)
    html = page.get(f"/compliance/baselines/vm/{vm.pk}/").content.decode()
    assert "Approve the current configuration" not in html
    answer = page.post(f"/compliance/baselines/vm/{vm.pk}/", {"comment": "mine"})
    assert answer.status_code == 403
    current = Baseline.objects.get(object_type="vm", object_id=vm.pk, superseded_at__isnull=True)
    assert current.config_hash == "1" * 64


def test_the_approval_page_shows_the_configuration_and_each_changed_field(officer, client_for):
    vm = drifted_vm(officer, "app02")
    html = client_for(officer).get(f"/compliance/baselines/vm/{vm.pk}/").content.decode()
    assert "Current configuration" in html
    assert "<code>numCPU</code>" in html  # unchanged fields are shown too
    assert "<code>memory</code>" in html and "4096" in html and "8192" in html
    assert "Approve the current configuration as baseline" in html


def test_an_officer_approves_many_baselines_at_once_each_audited(officer, client_for):
    first, second = drifted_vm(officer, "app03"), drifted_vm(officer, "app04")
    host = HostFactory(config_hash="3" * 64)
    check_run_execute(trigger="command", actor="t")
    web = client_for(officer)
    listing = web.get("/compliance/baselines/").content.decode()
    assert f'value="vm:{first.pk}"' in listing and f'value="host:{host.pk}"' in listing
    answer = web.post(
        "/compliance/baselines/approve/",
        {"objects": [f"vm:{first.pk}", f"vm:{second.pk}", f"host:{host.pk}"], "comment": "CHG-7"},
    )
    assert answer.status_code == 302
    current = Baseline.objects.filter(superseded_at__isnull=True)
    assert current.get(object_type="vm", object_id=first.pk).config_hash == "2" * 64
    assert current.get(object_type="vm", object_id=second.pk).comment == "CHG-7"
    assert current.get(object_type="host", object_id=host.pk).approved_by == officer.username
    assert AuditEvent.objects.filter(action="compliance.baseline.approve").count() == 2 + 3


def test_bulk_approval_is_all_or_nothing_and_names_bad_input(officer, client_for):
    vm = drifted_vm(officer, "app05")
    never_synced = HostFactory(config_hash="")
    web = client_for(officer)
    answer = web.post(
        "/compliance/baselines/approve/", {"objects": [f"vm:{vm.pk}", f"host:{never_synced.pk}"]}
    )
    assert answer.status_code == 302
    assert "sync it first" in web.get("/compliance/baselines/").content.decode()
    assert Baseline.objects.get(object_id=vm.pk, superseded_at__isnull=True).config_hash == "1" * 64
    bad = web.post("/compliance/baselines/approve/", {"objects": ["datastore:1"]}, follow=True)
    assert "is not a host or VM" in bad.content.decode()
    assert web.post("/compliance/baselines/approve/", {"objects": ["vm:999999"]}).status_code == 404


def test_administrators_and_auditors_cannot_bulk_approve(officer, admin_user, auditor, client_for):
    vm = drifted_vm(officer, "app06")
    for user in (admin_user, auditor):
        answer = client_for(user).post(
            "/compliance/baselines/approve/", {"objects": [f"vm:{vm.pk}"]}
        )
        assert answer.status_code == 403
