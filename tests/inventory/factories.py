"""Factories for every inventory model, on both platforms.

``EndpointFactory()`` makes a vCenter; ``EndpointFactory(proxmox=True)`` a Proxmox VE cluster.
Child factories follow their parent's endpoint, so a host made for a Proxmox cluster is a
Proxmox host. Names and ids are sequences, so batches never collide on (endpoint, external_id).
"""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from inventory.models import (
    Cluster,
    Datastore,
    DatastoreHost,
    Endpoint,
    Host,
    Network,
    PhysicalNic,
    PlatformAccount,
    Snapshot,
    SyncRun,
    UtilizationSample,
    VirtualMachine,
    VirtualSwitch,
    VmDatastore,
)

# A SHA-256 fingerprint in the stored form (64 lower-case hex digits).
FINGERPRINT = "ab" * 32
# A secret value tests search for in every answer; it must never appear.
SECRET = "s3cret-value-that-must-never-leak"


class EndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Endpoint

    class Params:
        proxmox = factory.Trait(
            kind=Endpoint.Kind.PROXMOX,
            username="",
            token_id=factory.Sequence(lambda n: f"portal@pve!ro{n}"),
            url=factory.Sequence(lambda n: f"https://pve{n}.example.test:8006"),
        )
        with_ca = factory.Trait(
            fingerprint="",
            ca_pem="-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        )

    name = factory.Sequence(lambda n: f"endpoint-{n}")
    kind = Endpoint.Kind.VCENTER
    url = factory.Sequence(lambda n: f"https://vc{n}.example.test")
    username = "portal-reader@vsphere.local"
    secret = SECRET
    fingerprint = FINGERPRINT


class SyncedFactory(factory.django.DjangoModelFactory):
    """Common fields of everything read from an endpoint."""

    class Meta:
        abstract = True

    endpoint = factory.SubFactory(EndpointFactory)
    external_id = factory.Sequence(lambda n: f"obj-{n}")


class ClusterFactory(SyncedFactory):
    class Meta:
        model = Cluster

    name = factory.Sequence(lambda n: f"cluster-{n}")
    ha_enabled = True
    drs_enabled = True


class HostFactory(SyncedFactory):
    class Meta:
        model = Host

    cluster = factory.SubFactory(ClusterFactory, endpoint=factory.SelfAttribute("..endpoint"))
    name = factory.Sequence(lambda n: f"host-{n}.example.test")
    product = factory.LazyAttribute(
        lambda o: "Proxmox VE" if o.endpoint.kind == Endpoint.Kind.PROXMOX else "VMware ESXi"
    )
    version = "8.0.2"
    connection_state = "connected"
    power_state = "poweredOn"
    maintenance_mode = False
    lockdown_mode = "lockdownNormal"
    cpu_model = "Intel Xeon"
    cpu_sockets = 2
    cpu_cores = 32
    cpu_threads = 64
    cpu_mhz = 2600
    memory_bytes = 256 * 2**30
    cpu_usage_percent = 12.5
    memory_used_bytes = 64 * 2**30
    uptime_seconds = 86400
    management_addresses = factory.LazyFunction(lambda: ["192.0.2.10"])
    services = factory.LazyFunction(
        lambda: [{"key": "ssh", "label": "SSH", "running": False, "policy": "off"}]
    )
    ntp_servers = factory.LazyFunction(lambda: ["ntp1.example.test"])
    syslog_target = "udp://syslog.example.test:514"


class PhysicalNicFactory(SyncedFactory):
    class Meta:
        model = PhysicalNic

    host = factory.SubFactory(HostFactory, endpoint=factory.SelfAttribute("..endpoint"))
    name = factory.Sequence(lambda n: f"vmnic{n}")
    link_up = True
    speed_mbps = 10000
    full_duplex = True
    mac = "00:50:56:00:00:01"


class VirtualSwitchFactory(SyncedFactory):
    class Meta:
        model = VirtualSwitch

    host = factory.SubFactory(HostFactory, endpoint=factory.SelfAttribute("..endpoint"))
    name = factory.Sequence(lambda n: f"vSwitch{n}")
    uplinks = factory.LazyFunction(lambda: ["vmnic0"])
    active = True
    allow_promiscuous = False
    allow_mac_changes = False
    allow_forged_transmits = False


class NetworkFactory(SyncedFactory):
    class Meta:
        model = Network

    switch = factory.SubFactory(VirtualSwitchFactory, endpoint=factory.SelfAttribute("..endpoint"))
    name = factory.Sequence(lambda n: f"portgroup-{n}")
    vlan_id = 10


class DatastoreFactory(SyncedFactory):
    class Meta:
        model = Datastore

    name = factory.Sequence(lambda n: f"datastore-{n}")
    type = "VMFS"
    capacity_bytes = 2 * 2**40
    free_bytes = 2**40
    uncommitted_bytes = 0
    accessible = True
    shared = True


class DatastoreHostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DatastoreHost

    datastore = factory.SubFactory(DatastoreFactory)
    host = factory.SubFactory(HostFactory, endpoint=factory.SelfAttribute("..datastore.endpoint"))


class VirtualMachineFactory(SyncedFactory):
    class Meta:
        model = VirtualMachine

    host = factory.SubFactory(HostFactory, endpoint=factory.SelfAttribute("..endpoint"))
    cluster = factory.LazyAttribute(lambda o: o.host.cluster if o.host else None)
    name = factory.Sequence(lambda n: f"vm-{n}")
    kind = factory.LazyAttribute(
        lambda o: (
            VirtualMachine.Kind.QEMU
            if o.endpoint.kind == Endpoint.Kind.PROXMOX
            else VirtualMachine.Kind.VM
        )
    )
    power_state = factory.LazyAttribute(
        lambda o: "running" if o.endpoint.kind == Endpoint.Kind.PROXMOX else "poweredOn"
    )
    guest_os = "debian12_64Guest"
    vcpus = 2
    memory_bytes = 4 * 2**30
    provisioned_bytes = 40 * 2**30
    used_bytes = 12 * 2**30
    tools_state = "guestToolsRunning"
    extra_config = factory.LazyFunction(lambda: {"isolation.tools.copy.disable": "TRUE"})
    console_connections = 1
    nics = factory.LazyFunction(
        lambda: [{"name": "net0", "mac": "00:50:56:aa:bb:cc", "network": "VM Network"}]
    )
    # Each platform's own disk shape (see the connectors): vCenter label/capacity, Proxmox key/size.
    disks = factory.LazyAttribute(
        lambda o: (
            [{"key": "scsi0", "volume": "local-lvm:vm-100-disk-0", "size_bytes": 40 * 2**30}]
            if o.endpoint.kind == Endpoint.Kind.PROXMOX
            else [
                {"label": "Hard disk 1", "capacity_bytes": 40 * 2**30, "file": "[ds1] vm/vm.vmdk"}
            ]
        )
    )
    cpu_usage_percent = 5.0
    memory_used_bytes = 2**30


class VmDatastoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VmDatastore

    vm = factory.SubFactory(VirtualMachineFactory)
    datastore = factory.SubFactory(
        DatastoreFactory, endpoint=factory.SelfAttribute("..vm.endpoint")
    )


class SnapshotFactory(SyncedFactory):
    class Meta:
        model = Snapshot

    vm = factory.SubFactory(VirtualMachineFactory, endpoint=factory.SelfAttribute("..endpoint"))
    name = factory.Sequence(lambda n: f"snap-{n}")
    created_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    quiesced = False
    with_memory = False


class UtilizationSampleFactory(factory.django.DjangoModelFactory):
    """A reading for ``subject`` (a Host, VirtualMachine or Datastore); pass it as ``subject=``."""

    class Meta:
        model = UtilizationSample
        exclude = ("subject",)

    subject = factory.SubFactory(HostFactory)
    endpoint = factory.SelfAttribute("subject.endpoint")
    object_type = factory.LazyAttribute(
        lambda o: {
            Host: UtilizationSample.ObjectType.HOST,
            VirtualMachine: UtilizationSample.ObjectType.VM,
            Datastore: UtilizationSample.ObjectType.DATASTORE,
        }[type(o.subject)]
    )
    object_id = factory.SelfAttribute("subject.pk")
    taken_at = factory.LazyFunction(timezone.now)
    cpu_percent = 20.0
    memory_percent = 40.0
    net_rx_bps = 1000.0
    net_tx_bps = 500.0


class SyncRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncRun

    endpoint = factory.SubFactory(EndpointFactory)
    status = SyncRun.Status.SUCCEEDED
    trigger = "schedule"
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyAttribute(lambda o: o.started_at + dt.timedelta(seconds=12))
    created = 3
    updated = 10


class PlatformAccountFactory(SyncedFactory):
    class Meta:
        model = PlatformAccount

    endpoint = factory.SubFactory(EndpointFactory, proxmox=True)
    name = factory.Sequence(lambda n: f"user{n}@pve")
    enabled = True
    two_factor = False


def vms_inside_and_outside():
    """Two endpoints for scope tests: "vc-in" (the scope a test gives) with web01 (vm-42) and
    db01 (vm-43), "vc-out" with far-vm-zq (vm-99), a name no page of the scoped user may show.
    Returns (inside, outside, (web, db, far))."""
    inside, outside = EndpointFactory(name="vc-in"), EndpointFactory(name="vc-out")
    web = VirtualMachineFactory(name="web01", external_id="vm-42", endpoint=inside)
    db = VirtualMachineFactory(name="db01", external_id="vm-43", endpoint=inside)
    far = VirtualMachineFactory(name="far-vm-zq", external_id="vm-99", endpoint=outside)
    return inside, outside, (web, db, far)
