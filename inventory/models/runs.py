from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.runs import RunBase


class SyncRun(RunBase):
    """One read of an endpoint into the inventory: what ran, when, with what result."""

    endpoint = models.ForeignKey(
        "inventory.Endpoint", on_delete=models.CASCADE, related_name="sync_runs"
    )
    trigger = models.CharField(max_length=16, default="schedule")  # schedule, api, command, web
    requested_by = models.CharField(max_length=150, blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    absent = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)  # per kind: {"vms": {"created": .., ...}}
    warnings = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-queued_at", "-id"]

    def __str__(self) -> str:
        return f"sync {self.endpoint_id} #{self.pk} {self.status}"


class UtilizationSample(models.Model):
    """One reading per object per sync. A value the source did not give stays NULL ("no data")."""

    class ObjectType(models.TextChoices):
        HOST = "host", _("host")
        VM = "vm", _("virtual machine")
        DATASTORE = "datastore", _("datastore")

    endpoint = models.ForeignKey("inventory.Endpoint", on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=16, choices=ObjectType.choices)
    object_id = models.BigIntegerField()
    taken_at = models.DateTimeField(default=timezone.now)
    cpu_percent = models.FloatField(null=True)
    memory_percent = models.FloatField(null=True)
    storage_used_bytes = models.BigIntegerField(null=True)
    net_rx_bps = models.FloatField(null=True)
    net_tx_bps = models.FloatField(null=True)

    class Meta:
        ordering = ["taken_at"]
        indexes = [models.Index(fields=["object_type", "object_id", "taken_at"])]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id} at {self.taken_at:%Y-%m-%d %H:%M}"


class ReadState(models.Model):
    """What an endpoint's last read saw, for the next scheduled sync to skip unchanged reads.

    The connector's ``read_state()`` (Proxmox VE: each guest's config digest, snapshot list,
    power state, uptime and traffic counters, the agent's answer), written in the transaction
    that stores the inventory it belongs to and only then, so it survives worker restarts and
    serves every worker. ``written_at`` is that sync's ``Endpoint.last_success_at``: a state
    whose time differs does not belong to the stored inventory and is not used.
    """

    endpoint = models.OneToOneField(
        "inventory.Endpoint", on_delete=models.CASCADE, related_name="read_state"
    )
    state = models.JSONField(default=dict, blank=True)
    # The connection the state was read through (a hash of the URL): another one reads in full.
    source = models.CharField(max_length=64, blank=True)
    written_at = models.DateTimeField()
    full_read_at = models.DateTimeField()
    # Cheap resyncs since that full read.
    cheap_reads = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"read state of endpoint {self.endpoint_id}"
