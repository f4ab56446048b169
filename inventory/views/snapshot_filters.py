"""Filters of the snapshot list page: the API's snapshot filters plus age and expiry.

Ages are whole days counted back from the moment of the request. The dashboard's age buckets
(``portal/dashboard.py``) count with :func:`age_q`, so a bucket's link shows the rows it
counted: ``older_than=N`` keeps snapshots created at least N days ago, ``younger_than=N``
those created less than N days ago, ``age_unknown=true`` those the platform gave no date for.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

from inventory.api.filters import SnapshotFilter
from portal.filters import NumberFilter


def age_q(now: dt.datetime, older_than: int | None, younger_than: int | None) -> Q:
    """Snapshots whose age in days is in [older_than, younger_than); None: open end.

    A snapshot without a creation date is never in a range: its age is unknown.
    """
    q = Q(created_at__isnull=False)
    if older_than is not None:
        q &= Q(created_at__lte=now - dt.timedelta(days=older_than))
    if younger_than is not None:
        q &= Q(created_at__gt=now - dt.timedelta(days=younger_than))
    return q


class SnapshotListFilter(SnapshotFilter):
    older_than = NumberFilter(
        method="filter_older_than", min_value=0, help_text="Created at least N days ago."
    )
    younger_than = NumberFilter(
        method="filter_younger_than", min_value=0, help_text="Created less than N days ago."
    )
    age_unknown = filters.BooleanFilter(
        field_name="created_at", lookup_expr="isnull", help_text="true: no creation date known."
    )
    expired = filters.BooleanFilter(
        method="filter_expired", help_text="true: the expiry date has passed."
    )

    def filter_older_than(self, queryset: QuerySet, name: str, value: float) -> QuerySet:
        return queryset.filter(age_q(timezone.now(), int(value), None))

    def filter_younger_than(self, queryset: QuerySet, name: str, value: float) -> QuerySet:
        return queryset.filter(age_q(timezone.now(), None, int(value)))

    def filter_expired(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        expired = Q(expires_at__lte=timezone.now())
        return queryset.filter(expired if value else ~expired)
