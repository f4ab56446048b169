from django.db import models
from django.utils import timezone


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

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def platform(self) -> str:
        return self.endpoint.kind
