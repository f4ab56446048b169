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

# Apps whose objects live on an endpoint; their events are scoped.
_SCOPED_APPS = ("inventory", "operations", "compliance")
# Models that reach the endpoint through another relation than their own field.
_FIELDS = {
    "inventory.operation": ("vm__endpoint", "vm__cluster"),
    "inventory.snapshot": ("endpoint", "vm__cluster"),
    "inventory.policyrun": None,  # through the policy; see register_visible
    "inventory.expirynotice": ("snapshot__endpoint", "snapshot__vm__cluster"),
    "compliance.assessment": ("target__endpoint", "target__cluster"),
}
# The object types events are written about (``audit(target=...)`` in the services). Only these
# get a subquery; an event about another scoped type (none today: utilization samples, check
# results ...) is hidden from scoped readers rather than costing a subquery over a big table.
AUDITED_TYPES = frozenset(
    {
        "inventory.endpoint", "inventory.cluster", "inventory.host", "inventory.virtualmachine",
        "inventory.snapshot", "inventory.operation", "inventory.snapshotpolicy",
        "inventory.policyrun", "inventory.datastore", "inventory.network",
        "compliance.checkrun", "compliance.finding", "compliance.waiver", "compliance.baseline",
        "compliance.targetobject", "compliance.assessment",
    }
)  # fmt: skip


# Types whose visibility follows a rule of their own app (snapshot policies: their whole
# selection), registered by that app in its AppConfig.ready(): label -> f(user) -> queryset.
_VISIBLE: dict[str, Callable[[Any], QuerySet]] = {}


def register_visible(label: str, visible: Callable[[Any], QuerySet]) -> None:
    """Decide by ``visible(user)`` which objects of type ``label`` a scoped user's trail shows."""
    _VISIBLE[label] = visible


@cache
def _scoped_models() -> dict[str, type[Model]]:
    """Every model whose events a scope narrows, by its audit type."""
    models = {}
    for app in _SCOPED_APPS:
        for model in apps.get_app_config(app).get_models():
            label = audit_type(model)
            if label in _FIELDS or label in _VISIBLE or scope_fields_for(model) is not None:
                models[label] = model
    return models


def scoped_labels() -> tuple[str, ...]:
    """Audit types of every model whose events a scope narrows."""
    return tuple(sorted(_scoped_models()))


def _visible(user: Any, label: str) -> QuerySet:
    """The objects of type ``label`` the user may see."""
    if label in _VISIBLE:
        return _VISIBLE[label](user)
    model = _scoped_models()[label]
    fields = _FIELDS.get(label)
    return scoped(user, model._default_manager.all(), *(fields or ()))


def visible_events(user: Any, qs: QuerySet) -> QuerySet:
    """``qs`` (audit events) without the events about objects outside ``user``'s scope."""
    if not is_scoped(user):
        return qs
    labels = scoped_labels()
    condition = ~Q(target_type__in=labels)
    for label in sorted(AUDITED_TYPES.intersection(labels)):
        keys = _visible(user, label).order_by().annotate(_key=Cast("pk", CharField()))
        condition |= Q(target_type=label, target_id__in=keys.values("_key"))
    return qs.filter(condition)
