"""Point the portal at a test peer exactly as the environment would: set the variables, then let
portal.sso.config read and check them, and put the results into Django's settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def apply(
    settings, monkeypatch, env: dict[str, str], loader: Callable[[], dict[str, Any]], backend: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name, value in loader().items():
        setattr(settings, name, value)
    others = [b for b in settings.AUTHENTICATION_BACKENDS if b != backend]
    settings.AUTHENTICATION_BACKENDS = [*others, backend]
