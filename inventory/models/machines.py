from django.conf import settings
from django.db import models

from inventory.connectors.platforms import running_power_states

from .base import SyncedObject, external_key
from .topology import Cluster, Datastore, Host


class VirtualMachine(SyncedObject):
    audit_noun = "VM"

    class Kind(models.TextChoices):
        VM = "vm", "vSphere VM"
        QEMU = "qemu", "QEMU VM"
        LXC = "lxc", "LXC container"

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.VM)
    instance_uuid = models.CharField(max_length=64, blank=True)
    vmid = models.PositiveIntegerField(null=True)
    host = models.ForeignKey(
        Host, null=True, blank=True, on_delete=models.SET_NULL, related_name="vms"
    )
    # Denormalised from the host at sync time so lists filter by cluster without a join chain.
    cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="vms"
    )
    power_state = models.CharField(max_length=32, blank=True, db_index=True)
    guest_os = models.CharField(max_length=200, blank=True)
    vcpus = models.PositiveIntegerField(null=True)
    memory_bytes = models.BigIntegerField(null=True)
    provisioned_bytes = models.BigIntegerField(null=True)
    used_bytes = models.BigIntegerField(null=True)
    tools_state = models.CharField(max_length=64, blank=True)
    template = models.BooleanField(default=False)
    lock = models.CharField(max_length=32, blank=True)
    tags = models.JSONField(default=list, blank=True)  # Proxmox "tag", vSphere "Category:Tag"
    # False: the last sync could not read the platform's tags (vSphere vAPI unreachable); then
    # ``tags`` is empty and no tag target object covers the VM until a sync reads them again.
    tags_known = models.BooleanField(default=True)
    extra_config = models.JSONField(default=dict, blank=True)
    console_connections = models.PositiveIntegerField(null=True)
    passthrough_devices = models.JSONField(default=list, blank=True)
    nics = models.JSONField(default=list, blank=True)
    disks = models.JSONField(default=list, blank=True)
    config_version = models.CharField(max_length=100, blank=True)
    config = models.JSONField(default=dict, blank=True)
    config_hash = models.CharField(max_length=64, blank=True)
    cpu_usage_percent = models.FloatField(null=True)
    memory_used_bytes = models.BigIntegerField(null=True)
    ballooned_bytes = models.BigIntegerField(null=True)
    swapped_bytes = models.BigIntegerField(null=True)
    cpu_reservation_mhz = models.PositiveIntegerField(null=True)
    memory_reservation_bytes = models.BigIntegerField(null=True)
    backup_covered = models.BooleanField(null=True)  # None: the platform's backups not read
    last_backup_at = models.DateTimeField(null=True, blank=True)
    backup_source = models.CharField(max_length=255, blank=True)
    # Guest time synchronisation as the platform reports it (TIM-001); {} = not read.
    guest_time = models.JSONField(default=dict, blank=True)
    datastores = models.ManyToManyField(Datastore, through="VmDatastore", related_name="vms")

    class Meta:
        ordering = ["name"]
        constraints = [external_key("vm_ext")]

    @property
    def is_running(self) -> bool:
        # The platforms' running states differ in name, so this needs no endpoint (no query).
        return self.power_state in running_power_states()


class VmDatastore(models.Model):
    vm = models.ForeignKey(VirtualMachine, on_delete=models.CASCADE)
    datastore = models.ForeignKey(Datastore, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vm", "datastore"], name="vm_datastore")]

    def __str__(self) -> str:
        return f"{self.vm_id} on {self.datastore_id}"


class Snapshot(SyncedObject):
    vm = models.ForeignKey(VirtualMachine, on_delete=models.CASCADE, related_name="snapshots")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    quiesced = models.BooleanField(null=True)
    with_memory = models.BooleanField(null=True)
    current = models.BooleanField(default=False)
    created_by = models.CharField(max_length=150, blank=True)  # from the platform's task history
    # Governance, set when the portal made the snapshot (never touched by sync).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=255, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    made_by_portal = models.BooleanField(default=False)

    class Meta:
        ordering = ["vm__name", "created_at"]
        constraints = [external_key("snapshot_ext")]

    def audit_label(self) -> str:
        vm = self.vm
        return f"snapshot '{self.name}' of VM {vm.name} ({vm.external_id}) at {vm.endpoint.name}"
