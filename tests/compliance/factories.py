"""Inventory objects for compliance tests, healthy by default: a test changes what it is about."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from inventory.models import (
    Cluster,
    Datastore,
    Endpoint,
    Host,
    Network,
    PhysicalNic,
    PlatformAccount,
    Snapshot,
    UtilizationSample,
    VirtualMachine,
    VirtualSwitch,
)

GIB = 1024**3


class EndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Endpoint

    name = factory.Sequence(lambda n: f"ep{n}")
    kind = Endpoint.Kind.VCENTER
    url = factory.LazyAttribute(lambda o: f"https://{o.name}.example.org")
    fingerprint = "ab" * 32
    last_sync_status = "succeeded"
    last_success_at = factory.LazyFunction(timezone.now)
    last_sync_at = factory.LazyFunction(timezone.now)


class SyncedFactory(factory.django.DjangoModelFactory):
    endpoint = factory.SubFactory(EndpointFactory)
    external_id = factory.Sequence(lambda n: f"obj-{n}")
    name = factory.Sequence(lambda n: f"object{n}")


class ClusterFactory(SyncedFactory):
    class Meta:
        model = Cluster

    name = factory.Sequence(lambda n: f"cluster{n}")
    ha_enabled = True
    extra = factory.LazyFunction(lambda: {"ha_admission_control": True})


class HostFactory(SyncedFactory):
    class Meta:
        model = Host

    name = factory.Sequence(lambda n: f"esx{n}.example.org")
    cluster = None
    connection_state = "connected"
    power_state = "poweredOn"
    maintenance_mode = False
    lockdown_mode = "lockdownNormal"
    cpu_threads = 32
    cpu_usage_percent = 20.0
    memory_bytes = 256 * GIB
    memory_used_bytes = 64 * GIB
    management_addresses = factory.LazyFunction(lambda: ["10.0.0.10"])
    services = factory.LazyFunction(
        lambda: [
            {"key": "ssh", "label": "SSH", "running": False, "policy": "off"},
            {"key": "ntp", "label": "NTP", "running": True, "policy": "on"},
        ]
    )
    ntp_servers = factory.LazyFunction(lambda: ["ntp.example.org"])
    syslog_target = "udp://log.example.org:514"
    config_hash = "h" * 64


class VmFactory(SyncedFactory):
    class Meta:
        model = VirtualMachine

    name = factory.Sequence(lambda n: f"vm{n}")
    host = None
    power_state = "poweredOn"
    vcpus = 2
    memory_bytes = 4 * GIB
    tools_state = "guestToolsRunning"
    extra_config = factory.LazyFunction(
        lambda: {
            "RemoteDisplay.maxConnections": "1",
            "isolation.tools.copy.disable": "TRUE",
            "isolation.tools.paste.disable": "TRUE",
        }
    )
    console_connections = 0
    ballooned_bytes = 0
    swapped_bytes = 0
    config = factory.LazyFunction(lambda: {"memory": 4096, "numCPU": 2})
    config_hash = "v" * 64
    backup_covered = True
    last_backup_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=2))
    backup_source = "backup job daily"


class SnapshotFactory(SyncedFactory):
    class Meta:
        model = Snapshot

    vm = factory.SubFactory(VmFactory)
    endpoint = factory.SelfAttribute("vm.endpoint")
    name = factory.Sequence(lambda n: f"snap{n}")
    created_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=2))
    with_memory = False
    made_by_portal = True
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))


class DatastoreFactory(SyncedFactory):
    class Meta:
        model = Datastore

    name = factory.Sequence(lambda n: f"ds{n}")
    type = "VMFS"
    capacity_bytes = 1000 * GIB
    free_bytes = 500 * GIB
    uncommitted_bytes = 100 * GIB
    accessible = True


class NicFactory(SyncedFactory):
    class Meta:
        model = PhysicalNic

    host = factory.SubFactory(HostFactory)
    endpoint = factory.SelfAttribute("host.endpoint")
    name = factory.Sequence(lambda n: f"vmnic{n}")
    link_up = True
    speed_mbps = 10000


class SwitchFactory(SyncedFactory):
    class Meta:
        model = VirtualSwitch

    host = factory.SubFactory(HostFactory)
    endpoint = factory.SelfAttribute("host.endpoint")
    name = factory.Sequence(lambda n: f"vSwitch{n}")
    uplinks = factory.LazyFunction(list)
    allow_promiscuous = False
    allow_mac_changes = False
    allow_forged_transmits = False


class NetworkFactory(SyncedFactory):
    class Meta:
        model = Network

    name = factory.Sequence(lambda n: f"pg{n}")
    allow_promiscuous = False
    allow_mac_changes = False
    allow_forged_transmits = False


class AccountFactory(SyncedFactory):
    class Meta:
        model = PlatformAccount

    endpoint = factory.SubFactory(EndpointFactory, kind=Endpoint.Kind.PROXMOX)
    name = factory.Sequence(lambda n: f"user{n}@pve")
    enabled = True
    two_factor = True


class SampleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UtilizationSample

    endpoint = factory.SubFactory(EndpointFactory)
    object_type = UtilizationSample.ObjectType.HOST
    object_id = 0
    net_rx_bps = 1e6
    net_tx_bps = 1e6


def ntp_deviation_waiver(officer, *, approve: bool):
    """A host without NTP servers, checked; its LOG-001 finding and an object waiver for it
    ("time from the PTP appliance", 30 days) requested by ``officer`` and, with ``approve``,
    approved by a second officer. Returns (waiver, finding)."""
    from compliance.models import Finding
    from compliance.services import check_run_execute, waiver_create

    host = HostFactory(ntp_servers=[])
    assert check_run_execute(trigger="command", actor="test").status == "succeeded"
    finding = Finding.objects.get(check_id="LOG-001", object_id=host.pk)
    request = {
        "check_id": "LOG-001",
        "scope": "object",
        "finding": finding,
        "reason": "time from the PTP appliance",
        "expires_at": timezone.now() + dt.timedelta(days=30),
        "actor": officer,
    }
    return (approved_waiver if approve else waiver_create)(**request), finding


# The waiver scope each object a waiver can name stands for (``waiver_create``).
WAIVER_SCOPES = {"finding": "object", "cluster": "cluster", "endpoint": "endpoint"}


def approved_waiver(*, approver=None, days: int | None = None, **kwargs):
    """A waiver requested (``waiver_create`` keywords) and approved by a second officer.

    Without ``scope`` the object named (``finding``, ``cluster`` or ``endpoint``) gives it, and
    a finding its ``check_id``; ``days`` sets ``expires_at`` that many days from now."""
    from compliance.services import waiver_approve, waiver_create
    from tests.factories import UserFactory

    if "scope" not in kwargs:
        kwargs["scope"] = next(scope for key, scope in WAIVER_SCOPES.items() if key in kwargs)
    if "finding" in kwargs:
        kwargs.setdefault("check_id", kwargs["finding"].check_id)
    if days is not None:
        kwargs["expires_at"] = timezone.now() + dt.timedelta(days=days)
    waiver = waiver_create(**kwargs)
    approver = approver or UserFactory(
        username=f"second-officer-{waiver.pk}", role="security_officer"
    )
    return waiver_approve(waiver=waiver, actor=approver)


def run():
    """A check run over the whole estate, as a command runs it; it must succeed."""
    from compliance.models import CheckRun
    from compliance.services import check_run_execute

    result = check_run_execute(trigger="command", actor="test")
    assert result.status == CheckRun.Status.SUCCEEDED, result.error
    return result


def open_finding(obj, object_type: str, check_id: str = "SNAP-001", **fields):
    """An open finding of ``check_id`` on an inventory object (a VM, a host, ...), written
    directly: for pages that list findings, not for the checks that find them."""
    from compliance.models import Finding

    values = {
        "status": "fail",
        "severity": "high",
        "message": f"{check_id} deviates on {obj.name}",
        **fields,
    }
    return Finding.objects.create(
        check_id=check_id,
        endpoint_id=obj.endpoint_id,
        object_type=object_type,
        object_id=obj.pk,
        object_name=obj.name,
        object_path=f"{obj.endpoint.name} › {obj.name}",
        object_external_id=obj.external_id,
        **values,
    )


def waive_finding(finding, days: int = 3):
    """Attach an approved object waiver to ``finding`` directly, without the four-eyes
    services: for pages that show a waived finding, not for the waiver flow."""
    from compliance.models import Waiver

    finding.waiver = Waiver.objects.create(
        check_id=finding.check_id,
        scope="object",
        endpoint_id=finding.endpoint_id,
        object_type=finding.object_type,
        object_id=finding.object_id,
        reason="accepted",
        expires_at=timezone.now() + dt.timedelta(days=days),
        created_by="olga",
        approved_by="otto",
        approved_at=timezone.now(),
    )
    finding.save(update_fields=["waiver"])
    return finding
