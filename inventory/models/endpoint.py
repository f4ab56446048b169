from django.conf import settings
from django.db import models
from django.utils import timezone

from inventory.connectors.platforms import all_traits, traits_for
from inventory.connectors.traits import PlatformTraits
from portal.crypto import EncryptedTextField


def default_interval() -> int:
    return settings.SYNC_DEFAULT_INTERVAL_MINUTES


class Endpoint(models.Model):
    """A vCenter, stand-alone ESXi or Proxmox VE cluster the portal reads and acts on.

    Trust is either ``ca_pem`` or ``fingerprint`` (SHA-256); one of them is always set, and
    verification cannot be switched off.
    """

    # One choice per registered platform (inventory/connectors/platforms.py).
    Kind = models.TextChoices(
        "Kind", [(t.kind.upper(), (t.kind, t.long_label)) for t in all_traits()]
    )

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    url = models.URLField(max_length=255)
    username = models.CharField(max_length=150, blank=True)
    token_id = models.CharField(max_length=200, blank=True, help_text="Proxmox API token id")
    secret = EncryptedTextField(blank=True)
    ca_pem = models.TextField(blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    sync_interval_minutes = models.PositiveIntegerField(default=default_interval)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Claimed by the one sync that runs for this endpoint (conditional update, see services.sync).
    sync_claimed_at = models.DateTimeField(null=True, blank=True)
    # The schedule's last tick that queued a sync here: taken by a conditional update, so two
    # schedulers (beat on two machines, a redelivered tick) queue one sync per interval.
    sync_scheduled_at = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_sync_status = models.CharField(max_length=16, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # What the management server says it is (vCenter: ServiceContent.about), from the last sync.
    product = models.CharField(max_length=100, blank=True)
    version = models.CharField(max_length=50, blank=True)
    build = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(ca_pem="", fingerprint=""), name="endpoint_has_trust"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return f"endpoint {self.name} ({self.get_kind_display()}, {self.url})"

    @property
    def traits(self) -> PlatformTraits:
        """What the portal knows about this endpoint's platform (states, snapshot names)."""
        return traits_for(self.kind)

    @property
    def trust_mode(self) -> str:
        return "ca" if self.ca_pem else "fingerprint"

    def connector_config(self):
        """The plain config a connector needs (the only place the secret is decrypted for use)."""
        from inventory.connectors.base import EndpointConfig

        return EndpointConfig(
            name=self.name,
            kind=self.kind,
            url=self.url,
            username=self.username,
            secret=str(self.secret or ""),
            token_id=self.token_id,
            ca_pem=self.ca_pem,
            fingerprint=self.fingerprint,
            timeout=settings.HYPERVISOR_TIMEOUT_SECONDS,
            backup_attribute=settings.VSPHERE_BACKUP_ATTRIBUTE,
        )


class CertificateProbe(models.Model):
    """The certificate a server presents, fetched by a worker for an administrator to compare.

    Adding an endpoint in the browser (or re-pinning one after a certificate renewal) starts
    here: the web request records the URL and queues ``inventory.probe_certificate``; a web
    request never opens a connection to a hypervisor. The page shows the SHA-256 fingerprint
    once the worker has it; the administrator compares it with the server's own and only then
    is it pinned (``used_at``: a probe pins once). Probes belong to the user who asked.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "queued"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"

    kind = models.CharField(max_length=16, choices=Endpoint.Kind.choices)
    url = models.URLField(max_length=255)
    # Set when the probe re-checks an existing endpoint's certificate (re-pin).
    endpoint = models.ForeignKey(
        Endpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    issuer = models.CharField(max_length=500, blank=True)
    not_after = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"certificate probe #{self.pk} {self.url} {self.state}"

    def audit_label(self) -> str:
        return f"certificate of {self.url}"
