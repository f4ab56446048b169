"""The check registry: small pure functions registered with a stable id, like Django's checks.

A check is ``func(obj, params, ctx) -> Outcome``. It reads the one inventory object it is given,
may look up related objects in the prefetched :class:`~compliance.checks.context.InventoryContext`
(never the database), and says pass, fail, warning or not applicable with the evidence it used.
Ids are never renumbered: retire a check instead of reusing its id.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.connectors.platforms import PLATFORMS
from inventory.connectors.traits import PlatformTraits

from ..choices import ObjectType, Severity, Status
from ..messages import Message

if TYPE_CHECKING:
    from .context import InventoryContext

ALL_PLATFORMS: tuple[PlatformTraits, ...] = tuple(PLATFORMS.values())


class ParameterError(ValueError):
    """A parameter value that cannot be used; the message says what to change."""


@dataclass(frozen=True, slots=True)
class Param:
    """One tunable threshold of a check, with its default and the range an officer may set."""

    name: str
    default: Any
    label: str
    kind: str = "int"  # int, float, cidr_list, tag, choice_list
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    choices: tuple[str, ...] = ()  # the allowed items of a choice_list (e.g. a guide's rule ids)

    def clean(self, value: Any) -> Any:
        """The value converted to the parameter's kind, or :class:`ParameterError`."""
        if self.kind == "cidr_list":
            return _clean_cidr_list(self.label, value)
        if self.kind == "choice_list":
            return _clean_choice_list(self.label, value, self.choices)
        if self.kind == "tag":
            return _clean_tag(self.label, value)
        try:
            number = int(value) if self.kind == "int" else float(value)
        except (TypeError, ValueError):
            text = (
                _("%(label)s: “%(value)s” is not a whole number.")
                if self.kind == "int"
                else _("%(label)s: “%(value)s” is not a number.")
            )
            raise ParameterError(text % {"label": self.label, "value": value}) from None
        if self.kind == "int" and isinstance(value, float) and not value.is_integer():
            raise ParameterError(
                _("%(label)s: “%(value)s” is not a whole number.")
                % {"label": self.label, "value": value}
            )
        if self.minimum is not None and number < self.minimum:
            raise ParameterError(
                _(
                    "%(label)s: %(value)s is below the smallest allowed value %(limit)s; use a "
                    "value from %(range)s."
                )
                % self._limit_values(number, self.minimum)
            )
        if self.maximum is not None and number > self.maximum:
            raise ParameterError(
                _(
                    "%(label)s: %(value)s is above the largest allowed value %(limit)s; use a "
                    "value from %(range)s."
                )
                % self._limit_values(number, self.maximum)
            )
        return number

    def _limit_values(self, number: float, limit: float) -> dict[str, str]:
        unit = f" {self.unit}" if self.unit else ""
        return {
            "label": self.label,
            "value": formats.localize(number, use_l10n=True),
            "limit": f"{formats.localize(limit, use_l10n=True)}{unit}",
            "range": self.range_text,
        }

    @property
    def range_text(self) -> str:
        """The values allowed, in the reader's language (shown beside the field)."""
        if self.kind == "cidr_list":
            return _("networks in CIDR notation, e.g. 10.0.0.0/24")
        if self.kind == "choice_list":
            return _("one per line, from: %(choices)s") % {"choices": ", ".join(self.choices)}
        if self.kind == "tag":
            return _("a tag name: letters, digits, - _ . : (at most 100)")
        low = "-∞" if self.minimum is None else formats.localize(self.minimum, use_l10n=True)
        high = "∞" if self.maximum is None else formats.localize(self.maximum, use_l10n=True)
        return _("%(low)s to %(high)s") % {"low": low, "high": high}


def percent_param(name: str, default: float, label: str, *, minimum: float = 1) -> Param:
    """A threshold in percent of something (a share of capacity, of guests): at most 100."""
    return Param(name, default, label, kind="float", minimum=minimum, maximum=100, unit="%")


def ratio_param(name: str, default: float, label: str, *, maximum: float) -> Param:
    """A threshold on a ratio of two sizes (vCPUs per thread, provisioned per capacity)."""
    return Param(name, default, label, kind="float", minimum=0.1, maximum=maximum)


def days_param(
    name: str, default: int, label: str, *, minimum: int = 1, maximum: int = 3650
) -> Param:
    """A threshold on an age or a span in whole days (ten years at most by default)."""
    return Param(name, default, label, minimum=minimum, maximum=maximum, unit=gettext_lazy("days"))


TAG_NAME = re.compile(r"^[\w.:-]{1,100}$")


def _clean_tag(label: str, value: Any) -> str:
    """A tag name as the platforms allow it in a VM's tags (PVE: no spaces, ``;`` or ``,``)."""
    text = str(value if value is not None else "").strip()
    if not TAG_NAME.match(text):
        raise ParameterError(
            _(
                "%(label)s: “%(value)s” is not a tag name; use letters, digits, - _ . or : "
                "(1 to 100 characters, no spaces)."
            )
            % {"label": label, "value": text}
        )
    return text


def _clean_cidr_list(label: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [part for part in value.replace(",", "\n").split()]
    if not isinstance(value, list | tuple):
        raise ParameterError(
            _("%(label)s: give a list of networks such as 10.0.0.0/24.") % {"label": label}
        )
    networks = []
    for item in value:
        try:
            networks.append(str(ipaddress.ip_network(str(item).strip(), strict=False)))
        except ValueError:
            raise ParameterError(
                _(
                    "%(label)s: “%(value)s” is not a network in CIDR notation "
                    "(e.g. 10.0.0.0/24 or fd00::/64)."
                )
                % {"label": label, "value": item}
            ) from None
    return networks


def _clean_choice_list(label: str, value: Any, choices: tuple[str, ...]) -> list[str]:
    if isinstance(value, str):
        value = value.replace(",", "\n").split()
    if not isinstance(value, list | tuple):
        raise ParameterError(_("%(label)s: give a list, one item per line.") % {"label": label})
    items = []
    for item in value:
        text = str(item).strip()
        if text not in choices:
            raise ParameterError(
                _("%(label)s: “%(value)s” is not one of %(choices)s.")
                % {"label": label, "value": text, "choices": ", ".join(choices)}
            )
        if text not in items:
            items.append(text)
    return items


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a check said about one object. ``evidence`` holds the values read and the threshold."""

    status: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    # A finding's severity is the check's; an outcome may lower it for a case the check knows is
    # a design limit rather than a fault (MEM-004 on a one-host cluster).
    severity: str | None = None
    # The message's template and values (compliance.messages), so pages can render it in the
    # reader's language; empty for a message given as plain text.
    text: dict[str, Any] = field(default_factory=dict)


def _outcome(status: str, message: str | Message, evidence: dict[str, Any]) -> Outcome:
    if isinstance(message, Message):
        return Outcome(status, str(message), evidence, text=message.stored())
    return Outcome(status, str(message), evidence)


def passed(message: str | Message, **evidence: Any) -> Outcome:
    return _outcome(Status.PASS, message, evidence)


def failed(message: str | Message, **evidence: Any) -> Outcome:
    return _outcome(Status.FAIL, message, evidence)


def warning(message: str | Message, **evidence: Any) -> Outcome:
    return _outcome(Status.WARNING, message, evidence)


def verdict(bad: bool, fail: str | Message, ok: str | Message, evidence: dict) -> Outcome:
    """``failed(fail)`` when ``bad``, else ``passed(ok)``: one comparison judged, the same
    evidence either way."""
    return _outcome(Status.FAIL if bad else Status.PASS, fail if bad else ok, dict(evidence))


def not_applicable(reason: str | Message, **evidence: Any) -> Outcome:
    return _outcome(Status.NOT_APPLICABLE, reason, evidence)


CheckFunc = Callable[[Any, Mapping[str, Any], "InventoryContext"], Outcome]


@dataclass(frozen=True, slots=True)
class CheckSpec:
    id: str
    title: str
    requirements: tuple[str, ...]
    severity: str
    target: str
    platforms: tuple[str, ...]  # Endpoint.kind of each platform the check applies to
    params: tuple[Param, ...]
    func: CheckFunc
    not_applicable_reason: str = ""  # why the platforms left out cannot be checked

    @property
    def description(self) -> str:
        return (self.func.__doc__ or "").strip()

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def clean_parameters(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Validate every given value; unknown names and bad values raise ParameterError."""
        known = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ParameterError(
                f"{self.id} has no parameter {', '.join(unknown)}; "
                f"it takes {', '.join(known) or 'no parameters'}"
            )
        return {name: known[name].clean(value) for name, value in values.items()}

    def effective(self, stored: Mapping[str, Any] | None) -> dict[str, Any]:
        """Defaults overlaid with the stored values that are still valid parameters."""
        params = self.defaults()
        for name, value in (stored or {}).items():
            if name in params:
                params[name] = value
        return params


REGISTRY: dict[str, CheckSpec] = {}


def register(
    check_id: str,
    *,
    title: str,
    requirements: tuple[str, ...],
    target: str,
    severity: str = Severity.MEDIUM,
    platforms: tuple[PlatformTraits, ...] = ALL_PLATFORMS,
    params: tuple[Param, ...] = (),
    not_applicable_reason: str = "",
) -> Callable[[CheckFunc], CheckFunc]:
    """Register ``func`` as check ``check_id``; a duplicate id is a programming error."""
    if target not in ObjectType.values:
        raise ValueError(f"{check_id}: unknown target {target!r}")

    def decorator(func: CheckFunc) -> CheckFunc:
        if check_id in REGISTRY:
            raise ValueError(f"check id {check_id} is registered twice")
        REGISTRY[check_id] = CheckSpec(
            id=check_id,
            title=title,
            requirements=requirements,
            severity=str(severity),
            target=target,
            platforms=tuple(p.kind for p in platforms),
            params=params,
            func=func,
            not_applicable_reason=not_applicable_reason,
        )
        return func

    return decorator


def all_checks() -> list[CheckSpec]:
    """Every registered check by id (the check modules register in ComplianceConfig.ready())."""
    return sorted(REGISTRY.values(), key=lambda spec: spec.id)


def get_check(check_id: str) -> CheckSpec | None:
    all_checks()
    return REGISTRY.get(check_id)
