"""Reading settings from environment variables, with one clear error per bad value.

Every variable read here is listed with its meaning in ``.env.example``. A bad value raises
:class:`ConfigError`, which ``manage.py`` and the WSGI/Celery entry points turn into a one-line
message naming the variable, instead of a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A setting from the environment is missing or invalid."""


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None:
        return default
    low = value.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean: use true or false")


def _number(
    name: str, default: T, cast: Callable[[str], T], minimum: T | None, maximum: T | None
) -> T:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = cast(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a number") from None
    if minimum is not None and number < minimum:  # type: ignore[operator]
        raise ConfigError(f"{name}={value!r} is below the minimum {minimum}")
    if maximum is not None and number > maximum:  # type: ignore[operator]
        raise ConfigError(f"{name}={value!r} is above the maximum {maximum}")
    return number


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    return _number(name, default, int, minimum, maximum)


def env_float(
    name: str, default: float, *, minimum: float | None = None, maximum: float | None = None
) -> float:
    return _number(name, default, float, minimum, maximum)


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = _raw(name)
    if value is None or value == "":
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ConfigError(f"{name}={value!r} must be one of: {', '.join(sorted(choices))}")
    return value


def env_file(name: str) -> str:
    """A path to a readable file, or "" when unset."""
    path = env_str(name)
    if not path:
        return ""
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise ConfigError(f"{name}={path!r} cannot be read: {exc.strerror or exc}") from None
    return path
