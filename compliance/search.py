"""What the global search finds in compliance: open findings, by their object's path or id."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.search import Hit, register_search
from portal.security.scopes import scoped

from .models import Finding


@register_search("finding", _("Open findings"))
def find_findings(user, text: str, limit: int) -> list[Hit]:
    findings = scoped(
        user,
        Finding.objects.open().filter(
            Q(object_path__icontains=text) | Q(object_external_id=text) | Q(check_id__iexact=text)
        ),
    )
    return [
        Hit(
            f"{f.check_id}: {f.object_name}",
            f.object_path or f.object_name,
            f.object_external_id,
            reverse("compliance:finding-detail", args=[f.pk]),
            str(f.message_text)[:300],
        )
        for f in findings.order_by("check_id", "pk")[:limit]
    ]
