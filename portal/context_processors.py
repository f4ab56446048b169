from django.http import HttpRequest
from django.utils import timezone

from .labels import role_label
from .roles import role_of


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    role = role_of(user) if user and user.is_authenticated else ""
    return {
        "user_role": role,
        "user_role_label": role_label(role),
        "time_zone": timezone.get_current_timezone_name(),
    }
