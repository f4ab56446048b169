import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from portal.filters import NumberFilter

from ..checks import all_checks
from ..choices import ObjectType, Status
from ..models import Finding, Requirement

STATUS_CHOICES = [*Status.choices, ("waived", "waived"), ("open", "open"), ("resolved", "resolved")]


def check_ids_for(ref: str) -> list[str]:
    """Checks serving a requirement; a SYS.1.5 ref goes through the M 4.349 items mapped to it."""
    refs = {ref} | set(Requirement.objects.filter(maps_to__ref=ref).values_list("ref", flat=True))
    return [spec.id for spec in all_checks() if refs & set(spec.requirements)]


class FindingFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status")
    check = django_filters.CharFilter(field_name="check_id")
    requirement = django_filters.CharFilter(method="filter_requirement")
    endpoint = NumberFilter(field_name="endpoint_id")
    object_type = django_filters.ChoiceFilter(choices=ObjectType.choices)
    object_id = NumberFilter()
    object = django_filters.CharFilter(field_name="object_name", lookup_expr="icontains")

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

    def filter_status(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        now = timezone.now()
        active = Q(waiver__revoked_at__isnull=True, waiver__expires_at__gt=now)
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
