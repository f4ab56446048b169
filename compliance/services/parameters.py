"""Changing a check's parameters (security officers), validated and audited.

Checks are global: one setting applies to every endpoint. A security officer limited by object
scopes would change what is judged outside the scope, so only unscoped officers change checks
(:func:`may_change_checks`); the page and the API answer 403 with :data:`GLOBAL_ONLY` to others.
Commands and tasks (actor given as a string) are not scoped.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audit import audit, field_changes
from portal.roles import SECURITY_OFFICER, role_of
from portal.security.scopes import is_scoped

from ..checks import get_check
from ..checks.registry import ParameterError
from ..models import CheckSetting

GLOBAL_ONLY = _(
    "Checks apply to every endpoint: only a security officer without object scopes may "
    "change their parameters or switch them on and off."
)


def may_change_checks(user: Any) -> bool:
    """True for security officers without object scopes (the only ones who change checks)."""
    return role_of(user) == SECURITY_OFFICER and not is_scoped(user)


@transaction.atomic
def check_parameters_update(
    *, check_id: str, values: dict[str, Any], enabled: bool | None = None, actor: Any, request=None
) -> CheckSetting:
    """Validate ``values`` against the check's parameter ranges and store them.

    Raises ``ValidationError`` naming the parameter and the allowed range; nothing is saved then.
    Raises ``PermissionDenied`` (:data:`GLOBAL_ONLY`) when a user actor may not change checks.
    """
    if not isinstance(actor, str) and actor is not None and not may_change_checks(actor):
        raise PermissionDenied(str(GLOBAL_ONLY))
    spec = get_check(check_id)
    if spec is None:
        raise ValidationError(f"There is no check {check_id!r}.")
    try:
        cleaned = spec.clean_parameters(values)
    except ParameterError as exc:
        raise ValidationError(str(exc)) from None
    setting, _ = CheckSetting.objects.select_for_update().get_or_create(check_id=check_id)
    before = {"parameters": spec.effective(setting.parameters), "enabled": setting.enabled}
    setting.parameters = {**setting.parameters, **cleaned}
    if enabled is not None:
        setting.enabled = enabled
    setting.updated_by = (
        actor.get_username() if hasattr(actor, "get_username") else str(actor or "")
    )
    setting.updated_at = timezone.now()
    setting.save()
    after = {"parameters": spec.effective(setting.parameters), "enabled": setting.enabled}
    audit(
        action="compliance.check.update",
        request=request,
        actor=actor,
        target=setting,
        detail={
            "check": check_id,
            "before": before,
            "after": after,
            "changes": field_changes(_flat(before), _flat(after)),
        },
    )
    return setting


def _flat(setting: dict[str, Any]) -> dict[str, Any]:
    """``{"enabled": .., "parameters": {"x": ..}}`` as ``{"enabled": .., "x": ..}``."""
    return {"enabled": setting.get("enabled"), **setting.get("parameters", {})}
