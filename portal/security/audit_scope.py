"""The audit trail as a user limited to some endpoints or clusters may read it.

An event names its object by ``target_type`` (the model's label, e.g. ``inventory.operation``)
and ``target_id`` (its primary key as text); see :func:`portal.audit.audit`. For a scoped user
an event about an inventory or compliance object is visible only while that object is visible
to the user, decided by the same scope rules its own list uses (an operation through its VM, a
snapshot policy through its whole selection, a waiver through its endpoint or cluster). An
event about no inventory object (logins, tokens, check settings, denied URLs) follows the role
alone: whoever may read the trail reads those.

This is one SQL query: per object type a ``target_id IN (SELECT id::text …)`` subquery over the
scoped queryset, so the list's query count does not grow with the rows. An event about an
object that no longer exists is hidden from scoped users: once the object is gone nothing says
which scope it was in, and deny is the default. Unscoped users see every event.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.apps import apps
from django.db.models import CharField, Model, Q, QuerySet
from django.db.models.functions import Cast

from ..audit import audit_type
from .scopes import is_scoped, scope_fields_for, scoped

# ``portal`` knows no feature app: each app says in its ``AppConfig.ready()`` that its objects
# live on an endpoint (:func:`register_scoped_app`) and which of its object types events are
# written about, with what a user may see of them (:func:`register_audit_scope`).
Visible = Callable[[Any], QuerySet]
_SCOPED_APPS: set[str] = set()
_VISIBLE: dict[str, Visible] = {}
# The object types events are written about (``audit(target=...)`` in the services). Only these
# get a subquery; an event about another scoped type (utilization samples, check results ...)
# is hidden from scoped readers rather than costing a subquery over a big table.
AUDITED_TYPES: set[str] = set()


def register_scoped_app(app_label: str) -> None:
    """Events about ``app_label``'s models that have an endpoint or a cluster are scoped."""
    _SCOPED_APPS.add(app_label)
    _scoped_models.cache_clear()


def register_audit_scope(
    label: str, visible: Visible | None = None, *, audited: bool = True
) -> None:
    """Events about objects of type ``label`` are visible while ``visible(user)`` holds the object.

    ``visible`` defaults to the model's own scope fields (:func:`portal.security.scopes.scoped`).
    ``audited=False``: scoped although no event is written about it (hidden, no subquery).
    """
    _VISIBLE[label] = visible or (
        lambda user: scoped(user, _scoped_models()[label]._default_manager.all())
    )
    if audited:
        AUDITED_TYPES.add(label)
    _scoped_models.cache_clear()


def scoped_by(model: type[Model], *fields: str | None) -> Visible:
    """What a user sees of ``model`` when it reaches the endpoint and cluster through ``fields``."""
    return lambda user: scoped(user, model._default_manager.all(), *fields)


@cache
def _scoped_models() -> dict[str, type[Model]]:
    """Every model of the scoped apps whose events a scope narrows, by its audit type (the
    label, or the name it kept from before a move to another app: portal.audit.audit_type)."""
    models = {}
    for app in _SCOPED_APPS:
        for model in apps.get_app_config(app).get_models():
            label = audit_type(model)
            if label in _VISIBLE or scope_fields_for(model) is not None:
                models[label] = model
    return models


def scoped_labels() -> tuple[str, ...]:
    """Audit types of every model whose events a scope narrows."""
    return tuple(sorted(set(_scoped_models()) | set(_VISIBLE)))


def visible_events(user: Any, qs: QuerySet) -> QuerySet:
    """``qs`` (audit events) without the events about objects outside ``user``'s scope."""
    if not is_scoped(user):
        return qs
    labels = scoped_labels()
    condition = ~Q(target_type__in=labels)
    for label in sorted(AUDITED_TYPES.intersection(labels)):
        keys = _VISIBLE[label](user).order_by().annotate(_key=Cast("pk", CharField()))
        condition |= Q(target_type=label, target_id__in=keys.values("_key"))
    return qs.filter(condition)
