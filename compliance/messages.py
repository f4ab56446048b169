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


@dataclass(frozen=True)
class Message:
    template: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template % self.params  # a mapping: "%%" becomes "%" even without values

    def stored(self) -> dict[str, Any]:
        """What a finding keeps: JSON-safe values (times and odd types as text); a value that is
        itself a translatable word (a lazy ``gettext``) is kept as ``{"_": msgid}``."""
        params = {}
        with translation.override("en"):
            for name, value in self.params.items():
                params[name] = {"_": str(value)} if isinstance(value, Promise) else value
        return {
            "t": self.template,
            "p": json.loads(json.dumps(params, cls=DjangoJSONEncoder, default=str)),
        }


def msg(template: str, **params: Any) -> Message:
    return Message(template, params)


def localized(english: str, stored: dict[str, Any] | None) -> str:
    """The message in the active language, from what a finding stored."""
    if not stored or "t" not in stored:
        return english
    template, params = stored["t"], dict(stored.get("p") or {})
    for name, value in params.items():
        if isinstance(value, dict) and set(value) == {"_"}:
            params[name] = gettext(value["_"])
    try:
        translated = gettext(template)
        return translated % params
    except (KeyError, TypeError, ValueError):
        return english
