"""Object scopes: limit a user's role to some endpoints or clusters.

Imported by ``portal/models.py`` so the model belongs to the ``portal`` app (migration 0003).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ObjectScope(models.Model):
    """One endpoint or one cluster a user's role applies to.

    A user without any scope row sees every object; with rows, only objects of those endpoints
    or clusters (see :func:`portal.security.scopes.scope_queryset`).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="object_scopes"
    )
    endpoint = models.ForeignKey(
        "inventory.Endpoint", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    cluster = models.ForeignKey(
        "inventory.Cluster", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "portal"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(endpoint__isnull=False, cluster__isnull=True)
                | models.Q(endpoint__isnull=True, cluster__isnull=False),
                name="objectscope_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "endpoint", "cluster"], name="objectscope_unique"
            ),
        ]

    def __str__(self) -> str:
        target = (
            f"endpoint {self.endpoint_id}" if self.endpoint_id else f"cluster {self.cluster_id}"
        )
        return f"{self.user} limited to {target}"
