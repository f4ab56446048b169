"""Filter sets of compliance: the findings page, the report downloads and the API filter alike."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from portal.filters import NumberFilter

from .checks import all_checks
from .choices import DISPLAY_STATUS_LABELS, ObjectType
from .models import Finding, Waiver
from .services.status import sys15_check_ids

STATUS_CHOICES = list(DISPLAY_STATUS_LABELS.items())


def check_ids_for(ref: str) -> list[str]:
    """Checks serving a requirement: an M 4.349 item's from the registry, a SYS.1.5
    requirement's from the mapping lines of its sentences."""
    if ref.startswith("SYS.1.5."):
        return sys15_check_ids(ref)
    return [spec.id for spec in all_checks() if ref in spec.requirements]


class FindingFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status")
    check = django_filters.CharFilter(field_name="check_id")
    requirement = django_filters.CharFilter(method="filter_requirement")
    endpoint = NumberFilter(field_name="endpoint_id")
    object_type = django_filters.ChoiceFilter(choices=ObjectType.choices)
    object_id = NumberFilter()
    object = django_filters.CharFilter(
        method="filter_object",
        help_text="part of the object's name or path (a VM's name finds its snapshots' findings "
        "too, a host's its NICs'), or its platform id (vm-42, qemu/100)",
    )

    class Meta:
        model = Finding
        fields = [
            "status",
            "check",
            "requirement",
            "endpoint",
            "object_type",
            "object_id",
            "object",
            "severity",
        ]

    def filter_object(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(
            Q(object_path__icontains=value)
            | Q(object_name__icontains=value)
            | Q(object_external_id=value)
        )

    def filter_status(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        now = timezone.now()
        active = Waiver.active_q("waiver__", now)
        if value == "resolved":
            return qs.filter(resolved_at__isnull=False)
        qs = qs.filter(resolved_at__isnull=True)
        if value == "waived":
            return qs.filter(active)
        if value == "open":
            return qs
        return qs.filter(status=value).exclude(active)

    def filter_requirement(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(check_id__in=check_ids_for(value))
