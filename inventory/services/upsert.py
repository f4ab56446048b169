"""Bulk upsert of synced objects on (endpoint, external_id).

A fixed number of statements per model, whatever the number of rows: one read of what is
stored, ``INSERT ... ON CONFLICT DO UPDATE`` for new and changed rows (in as few statements as
the database's parameter limit allows) and one update for rows that disappeared. Unchanged rows
are not written at all, so an unchanged resync is cheap: ``last_seen`` is the time a row last
changed, and every present row (``absent_since`` empty) was confirmed by the endpoint's last
successful sync (``Endpoint.last_success_at``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import models

# PostgreSQL takes at most 65,535 parameters per statement; stay well below.
_MAX_PARAMS = 30_000


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    absent: int = 0
    ids: dict[str, int] = field(default_factory=dict)  # external_id -> pk of present rows

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "absent": self.absent}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) < 1e-9
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return a == b
    return a == b


def upsert(
    model: type[models.Model],
    endpoint,
    rows: dict[str, dict[str, Any]],
    now: dt.datetime,
    *,
    mark_absent: bool = True,
) -> UpsertResult:
    """Make the stored rows of ``endpoint`` match ``rows`` (external_id -> field values).

    Every row must carry the same keys. Fields not in ``rows`` (e.g. governance fields set
    by the portal) are never touched for existing rows.
    """
    result = UpsertResult()
    fields = sorted(next(iter(rows.values())).keys()) if rows else []
    stored = {
        r["external_id"]: r
        for r in model.objects.filter(endpoint=endpoint).values(
            "pk", "external_id", "absent_since", *fields
        )
    }
    writes: list[models.Model] = []
    for external_id, values in rows.items():
        old = stored.get(external_id)
        if old is None:
            result.created += 1
        elif old["absent_since"] is None and all(_same(old[f], values[f]) for f in fields):
            continue
        else:
            result.updated += 1
        writes.append(
            model(
                endpoint=endpoint,
                external_id=external_id,
                last_seen=now,
                absent_since=None,
                **values,
            )
        )
    if writes:
        update_fields = [*fields, "last_seen", "absent_since"]
        batch = max(1, _MAX_PARAMS // (len(update_fields) + 4))
        model.objects.bulk_create(
            writes,
            batch_size=batch,
            update_conflicts=True,
            unique_fields=["endpoint", "external_id"],
            update_fields=update_fields,
        )
    if mark_absent:
        gone = [
            r["pk"] for ext, r in stored.items() if ext not in rows and r["absent_since"] is None
        ]
        if gone:
            result.absent = model.objects.filter(pk__in=gone).update(absent_since=now)
    created_or_back = result.created or any(
        stored.get(ext, {}).get("absent_since") is not None for ext in rows
    )
    if created_or_back:
        result.ids = dict(
            model.objects.filter(endpoint=endpoint, external_id__in=list(rows)).values_list(
                "external_id", "pk"
            )
        )
    else:
        result.ids = {ext: stored[ext]["pk"] for ext in rows}
    return result


def replace_links(
    through: type[models.Model],
    left: str,
    right: str,
    left_ids: list[int],
    pairs: set[tuple[int, int]],
) -> None:
    """Make the link table hold exactly ``pairs`` for the ``left`` objects in ``left_ids``."""
    existing = (
        {
            (a, b): pk
            for pk, a, b in through.objects.filter(**{f"{left}_id__in": left_ids}).values_list(
                "pk", f"{left}_id", f"{right}_id"
            )
        }
        if left_ids
        else {}
    )
    stale = [pk for pair, pk in existing.items() if pair not in pairs]
    if stale:
        through.objects.filter(pk__in=stale).delete()
    new = [
        through(**{f"{left}_id": a, f"{right}_id": b}) for a, b in pairs if (a, b) not in existing
    ]
    if new:
        through.objects.bulk_create(new, batch_size=5000, ignore_conflicts=True)
