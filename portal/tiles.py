"""The dashboard's tile registry: each app registers its tiles, the dashboard only iterates.

``portal`` is the core and knows no feature app (docs/architecture.md): inventory, operations
and compliance call :func:`register` in their ``AppConfig.ready()``. A tile is a template
(a ``<section class="tile">``) and a context function that gathers its figures with a fixed
number of queries, narrowed by the :class:`Scope` of the user, so the dashboard's query count
is the sum of its tiles' and does not grow with the estate (tests/portal/test_dashboard.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse

from .roles import ROLES, role_of
from .security.scopes import is_scoped, scope_queryset


class Scope:
    """Narrows a tile's querysets to the endpoints and clusters a user may see.

    A user without object scopes (and ``None``, for the whole estate) sees everything. Counts
    are scoped like lists, or a tile would tell a scoped user about machines outside their scope.
    """

    def __init__(self, user: Any) -> None:
        self.user = user
        self.limited = user is not None and is_scoped(user)

    def of(self, qs: QuerySet, endpoint_field: str | None, cluster_field: str | None) -> QuerySet:
        if not self.limited:
            return qs
        return scope_queryset(self.user, qs, endpoint_field, cluster_field)


Context = Callable[[Scope, dt.datetime], dict[str, Any]]


@dataclass(frozen=True)
class Tile:
    name: str
    order: int  # place on the dashboard, smallest first
    template: str
    context: Context  # (scope, now) -> the template's variables
    roles: frozenset[str]  # who sees it


TILES: dict[str, Tile] = {}


def register(
    name: str,
    *,
    order: int,
    template: str,
    context: Context,
    roles: Iterable[str] = ROLES,
) -> None:
    """Add a tile (again under the same name: replace it, as a reloaded app does)."""
    TILES[name] = Tile(name, order, template, context, frozenset(roles))


def tiles_for(user: Any) -> list[Tile]:
    """The tiles ``user`` may see in dashboard order; ``None`` (the whole estate): all of them."""
    role = None if user is None else role_of(user)
    return sorted(
        (t for t in TILES.values() if user is None or role in t.roles),
        key=lambda t: (t.order, t.name),
    )


def list_url(name: str, **params: Any) -> str:
    """``reverse(name)`` with a query string of the non-empty ``params``: a tile's link to the
    filtered list behind a figure."""
    query = urlencode({k: v for k, v in params.items() if v not in ("", None)})
    return reverse(name) + (f"?{query}" if query else "")
