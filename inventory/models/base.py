from __future__ import annotations

from django.db import models
from django.utils import timezone


def present_q(relation: str = "") -> models.Q:
    """Present (still seen at the source) objects, as a condition; ``relation`` reaches them
    through a relation (``present_q("vms")`` for a host's present VMs in an aggregate)."""
    prefix = f"{relation}__" if relation else ""
    return models.Q(**{f"{prefix}absent_since__isnull": True})


def external_key(name: str) -> models.UniqueConstraint:
    """The key a sync upserts a synced object on (``services.upsert``): the platform's id is
    unique within its endpoint. ``name`` is the constraint's name in the database."""
    return models.UniqueConstraint(fields=["endpoint", "external_id"], name=name)


class SyncedQuerySet(models.QuerySet):
    def present(self) -> SyncedQuerySet:
        """Objects the last sync still saw at the source (absent ones are kept as history)."""
        return self.filter(present_q())


class SyncedObject(models.Model):
    """An object read from an endpoint, keyed by (endpoint, external_id).

    Objects that disappear from the source are marked ``absent_since`` instead of deleted, so
    history, findings and snapshots keep their subject.
    """

    endpoint = models.ForeignKey("inventory.Endpoint", on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=200)
    name = models.CharField(max_length=255, db_index=True)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    absent_since = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = SyncedQuerySet.as_manager()

    class Meta:
        abstract = True

    # How the audit trail names the kind of object ("VM web01 (vm-42) at vc1").
    audit_noun = ""

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        """For the audit trail: kind, name, the platform's id and the endpoint."""
        noun = self.audit_noun or self._meta.verbose_name
        return f"{noun} {self.name} ({self.external_id}) at {self.endpoint.name}"

    @property
    def platform(self) -> str:
        return self.endpoint.kind
