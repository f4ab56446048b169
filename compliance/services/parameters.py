"""Changing a check's parameters (security officers), validated and audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.audit import audit

from ..checks import get_check
from ..checks.registry import ParameterError
from ..models import CheckSetting


@transaction.atomic
def check_parameters_update(
    *, check_id: str, values: dict[str, Any], enabled: bool | None = None, actor: Any, request=None
) -> CheckSetting:
    """Validate ``values`` against the check's parameter ranges and store them.

    Raises ``ValidationError`` naming the parameter and the allowed range; nothing is saved then.
    """
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
    audit(
        action="compliance.check.update",
        request=request,
        actor=actor,
        target=setting,
        detail={
            "check": check_id,
            "before": before,
            "after": {"parameters": spec.effective(setting.parameters), "enabled": setting.enabled},
        },
    )
    return setting
