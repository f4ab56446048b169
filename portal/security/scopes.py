"""Object scopes: narrow any queryset to the endpoints and clusters a user is limited to.

Every list, detail and action that shows or changes an inventory or compliance object must
pass its queryset through :func:`scope_queryset`; outside the scope an object does not exist
(404), it is not merely forbidden. The API does this for every GenericAPIView through
:class:`ScopeFilterBackend` (settings ``DEFAULT_FILTER_BACKENDS``); pages call the function.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.db.models import Q, QuerySet
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request
from rest_framework.views import APIView

from .models import ObjectScope

_CACHE_ATTR = "_portal_object_scopes"


def _scopes_of(user: AbstractBaseUser) -> tuple[frozenset[int], frozenset[int]]:
    """(endpoint ids, cluster ids) the user is limited to; cached on the user for one request."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        rows = ObjectScope.objects.filter(user=user).values_list("endpoint_id", "cluster_id")
        endpoints = frozenset(e for e, _ in rows if e is not None)
        clusters = frozenset(c for _, c in rows if c is not None)
        cached = (endpoints, clusters)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def scopes_of(user: AbstractBaseUser) -> tuple[frozenset[int], frozenset[int]]:
    """(endpoint ids, cluster ids) the user is limited to; both empty: no limit."""
    return _scopes_of(user)


def is_scoped(user: AbstractBaseUser | AnonymousUser) -> bool:
    """True when the user is limited to some endpoints or clusters."""
    if not user.is_authenticated:
        return False
    endpoints, clusters = _scopes_of(user)
    return bool(endpoints or clusters)


def scope_queryset(
    user: AbstractBaseUser | AnonymousUser,
    qs: QuerySet,
    endpoint_field: str | None = "endpoint",
    cluster_field: str | None = None,
) -> QuerySet:
    """Return ``qs`` narrowed to what ``user`` may see; a user without scopes sees everything.

    ``endpoint_field`` and ``cluster_field`` are lookups from the queryset's model to the
    endpoint and cluster (``"endpoint"``, ``"vm__endpoint"``, ``"pk"`` for Endpoint itself).
    An object matches when its endpoint is in the user's endpoint scopes or its cluster is in
    the cluster scopes. Rows whose endpoint/cluster is empty are hidden from scoped users.
    Anonymous users get an empty queryset.
    """
    if not user.is_authenticated:
        return qs.none()
    endpoints, clusters = _scopes_of(user)
    if not endpoints and not clusters:
        return qs
    condition = Q(pk__in=[])  # matches nothing: a scope never widens
    if endpoint_field and endpoints:
        condition |= Q(**{f"{endpoint_field}__in": endpoints})
    if cluster_field and clusters:
        condition |= Q(**{f"{cluster_field}__in": clusters})
    return qs.filter(condition)


def _fk_to(model: type[models.Model], label: str) -> str | None:
    """The name of ``model``'s foreign key to ``label`` (e.g. inventory.endpoint), if it has one."""
    for field in model._meta.get_fields():
        if (
            isinstance(field, models.ForeignKey)
            and field.related_model._meta.label_lower == label
            and field.name in ("endpoint", "cluster")
        ):
            return field.name
    return None


def scope_fields_for(model: type[models.Model]) -> tuple[str | None, str | None] | None:
    """(endpoint_field, cluster_field) for ``model``, or None when it is not scoped at all."""
    label = model._meta.label_lower
    if label == "inventory.endpoint":
        return "pk", None
    if label == "inventory.cluster":
        return "endpoint", "pk"
    endpoint_field = _fk_to(model, "inventory.endpoint")
    cluster_field = _fk_to(model, "inventory.cluster")
    if endpoint_field is None and cluster_field is None:
        return None
    return endpoint_field, cluster_field


class ScopeFilterBackend(BaseFilterBackend):
    """Apply :func:`scope_queryset` to every API queryset whose model is scoped.

    Covers list, retrieve and every detail action, since ``get_object`` filters too. A view
    whose model reaches the endpoint through another relation states it:
    ``scope_fields = ("vm__endpoint", "vm__cluster")``.
    """

    def filter_queryset(self, request: Request, queryset: QuerySet, view: APIView) -> QuerySet:
        fields = getattr(view, "scope_fields", None) or scope_fields_for(queryset.model)
        if fields is None:
            return queryset
        endpoint_field, cluster_field = fields
        return scope_queryset(request.user, queryset, endpoint_field, cluster_field)


def scoped(user: AbstractBaseUser | AnonymousUser, qs: QuerySet, *fields: str | None) -> QuerySet:
    """:func:`scope_queryset` with the fields worked out from the model unless given.

    Pages call it around every queryset they list, show or act on:
    ``get_object_or_404(scoped(request.user, Snapshot.objects.all()), pk=pk)``.
    """
    resolved = tuple(fields) if fields else scope_fields_for(qs.model)
    if resolved is None:
        return qs
    endpoint_field, cluster_field = (*resolved, None)[:2]
    return scope_queryset(user, qs, endpoint_field, cluster_field)
