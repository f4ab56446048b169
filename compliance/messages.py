"""Finding messages that read in the reader's language.

A check says what it saw with :func:`msg`: an English template with named placeholders and the
values, ``msg("Snapshot is %(age_days).1f days old (allowed %(max_age_days)s).", age_days=4.2,
max_age_days=3)``. The finding keeps the English text (API, CSV and JSON stay stable for the
tools that read them) and, beside it, the template and its values; pages and the German report
render the template from the translation catalog with the same values. A template the catalog
does not know, or values that no longer fit it, fall back to the stored English text.

``makemessages`` finds the templates with ``--keyword=msg``; the translation test does the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from inventory.connectors.platforms import all_traits


@dataclass(frozen=True)
class Message:
    template: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        """The English text (what the finding keeps), whatever language is active."""
        with translation.override("en"):
            # A mapping: "%%" becomes "%" even without values.
            return self.template % {k: _english(v) for k, v in self.params.items()}

    def stored(self) -> dict[str, Any]:
        """What a finding keeps: JSON-safe values (times and odd types as text); a value that is
        itself a translatable word (a lazy ``gettext``) is kept as ``{"_": msgid}``, a nested
        message as ``{"m": stored}`` and a list of them (joined by ", ") as ``{"ml": [...]}``."""
        params = {}
        with translation.override("en"):
            for name, value in self.params.items():
                params[name] = _stored_value(value)
        return {
            "t": self.template,
            "p": json.loads(json.dumps(params, cls=DjangoJSONEncoder, default=str)),
        }


def _english(value: Any) -> Any:
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, Message):
        return str(value)
    if isinstance(value, list | tuple) and value and all(isinstance(v, Message) for v in value):
        return ", ".join(str(v) for v in value)
    return value


def _stored_value(value: Any) -> Any:
    if isinstance(value, Promise):
        return {"_": str(value)}
    if isinstance(value, Message):
        return {"m": value.stored()}
    if isinstance(value, list | tuple) and value and all(isinstance(v, Message) for v in value):
        return {"ml": [v.stored() for v in value]}
    return value


def msg(template: str, **params: Any) -> Message:
    return Message(template, params)


def state_word(value: str | None) -> Any:
    """A platform's state value (``notResponding``, ``offline``) as the word its platform's
    traits give it, translated when the message is read; a value no platform declares as is."""
    for traits in all_traits():
        state = traits.states().get(value or "")
        if state is not None:
            return state.label
    return value or ""


def _render(stored: dict[str, Any]) -> str:
    """The stored message in the active language; raises when values do not fit the template."""
    template, params = stored["t"], dict(stored.get("p") or {})
    for name, value in params.items():
        if isinstance(value, dict) and set(value) == {"_"}:
            params[name] = gettext(value["_"])
        elif isinstance(value, dict) and set(value) == {"m"}:
            params[name] = _render(value["m"])
        elif isinstance(value, dict) and set(value) == {"ml"}:
            params[name] = ", ".join(_render(m) for m in value["ml"])
    return gettext(template) % params


def localized(english: str, stored: dict[str, Any] | None) -> str:
    """The message in the active language, from what a finding stored."""
    if not stored or "t" not in stored:
        return english
    try:
        return _render(stored)
    except (KeyError, TypeError, ValueError):
        return english
