from django.http import HttpRequest
from django.utils import timezone

from .roles import ROLE_LABELS, role_of


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    role = role_of(user) if user and user.is_authenticated else ""
    return {
        "user_role": role,
        "user_role_label": ROLE_LABELS.get(role, ""),
        "time_zone": timezone.get_current_timezone_name(),
    }
