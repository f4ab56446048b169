"""Kinds that feature apps register and ``portal`` only iterates (search, task log): the
registry is a dict of ``kind -> (label, function)`` filled by a decorator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def labelled(registry: dict[str, tuple[Any, F]], kind: str, label: Any) -> Callable[[F], F]:
    """A decorator that registers the function it decorates as ``kind`` (shown as ``label``)
    in ``registry`` and returns it unchanged."""

    def decorate(func: F) -> F:
        registry[kind] = (label, func)
        return func

    return decorate
