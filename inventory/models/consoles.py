"""Console use: who opened which VM's console when (M 2.449, SYS.1.5.A25).

Read from the platform's own history at every sync (vCenter's console ticket events, the
Proxmox nodes' console tasks) and kept: a session stays when its VM is gone (``vm`` is then
empty, ``vm_name`` and ``vm_external_id`` still say which it was).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .machines import VirtualMachine


class ConsoleSession(models.Model):
    class Kind(models.TextChoices):
        MKS = "mks", _("MKS console (VMRC)")
        WEBMKS = "webmks", _("Web console (WebMKS)")
        VNC = "vnc", _("noVNC console")
        SPICE = "spice", _("SPICE console")
        TERM = "term", _("Serial terminal (xterm.js)")

    endpoint = models.ForeignKey("inventory.Endpoint", on_delete=models.CASCADE, related_name="+")
    vm = models.ForeignKey(
        VirtualMachine,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="console_sessions",
    )
    vm_external_id = models.CharField(max_length=200)  # vm-42, qemu/100; the VMID if unknown
    vm_name = models.CharField(max_length=255, blank=True)
    user = models.CharField(max_length=255, blank=True)  # as the platform names it
    started_at = models.DateTimeField()  # aware, UTC
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # The platform's id of the record: vCenter ``event-<key>``, Proxmox UPID.
    source = models.CharField(max_length=255)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "source"], name="console_session_source")
        ]
        indexes = [
            models.Index(fields=["vm", "started_at"], name="console_session_vm"),
            models.Index(fields=["endpoint", "started_at"], name="console_session_endpoint"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} console of {self.vm_name or self.vm_external_id} by {self.user}"


class ConsoleHistory(models.Model):
    """How far an endpoint's console history has been read (the cursor of the next read)."""

    endpoint = models.OneToOneField(
        "inventory.Endpoint", on_delete=models.CASCADE, related_name="console_history"
    )
    # The span read: [read_from, read_until). Sessions before read_from are not known.
    read_from = models.DateTimeField()
    read_until = models.DateTimeField(null=True, blank=True)
    last_read_at = models.DateTimeField(null=True, blank=True)
    # What the last read could not read (empty: it read everything it asked for).
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"console history of {self.endpoint_id} from {self.read_from} to {self.read_until}"
