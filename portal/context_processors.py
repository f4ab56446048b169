from django.http import HttpRequest

from .roles import role_of


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {"user_role": role_of(user) if user and user.is_authenticated else ""}
