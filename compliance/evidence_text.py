"""Evidence and check parameters as people read them, in the reader's language.

Pages (finding detail, check list) and the PDF report show a finding's evidence with these:
numbers in the reader's locale ("57.600,0"), yes/no, a platform state by its label
("eingeschaltet", not ``poweredOn``), nested values as "key: value" and never a Python repr
(``{'max_age_days': 3}``). A key is shown as words; one the catalogue knows (``build``,
``enabled``) in the reader's language. The API and the CSV/JSON exports keep the raw evidence.
"""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _

from inventory.connectors.platforms import state_label
from portal.runs import RunStatus

# Evidence values the checks write in words of their own ("HA on, admission control on"), not
# values the platform reported; without German text yet, marked English on German pages.
CHECK_WORDS = frozenset({"expected", "option"})


def english_unless_translated(text: str) -> str:
    """``text`` in the reader's language where the catalogue has it; otherwise, on a page that
    is not English, the English text marked ``lang="en"`` so that a screen reader reads it as
    English and the German page sweep (tests/portal/test_german_sweep.py) counts it as a known
    gap instead of a missed string. Used for what has no German text yet: the checks'
    descriptions (their docstrings), evidence keys and not-applicable reasons with values."""
    from django.utils.html import format_html
    from django.utils.translation import get_language, gettext

    translated = gettext(text) if text else text
    if translated == text and text and not (get_language() or "en").startswith("en"):
        return format_html('<span lang="en" class="untranslated">{}</span>', text)
    return translated


def key_label(key: str) -> str:
    """``updates_pending`` -> "updates pending", translated where the catalogue has it. The
    evidence keys have no German text of their own yet: on a German page an untranslated one
    is marked ``lang="en"`` (as the checks' descriptions are, ``english_unless_translated``)."""
    return english_unless_translated(key.replace("_", " "))


def evidence_value(value) -> str:
    """One evidence value for people: numbers in the reader's locale, yes/no, a mapping as
    "key: value; ..." and a list item by item, never a Python repr."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None:
        return "-"
    if isinstance(value, int | float):
        return formats.localize(value, use_l10n=True)
    if isinstance(value, str):
        return state_label(value) or value
    if isinstance(value, dict):
        # A nested key the catalogue knows ("expires") in the reader's language.
        return "; ".join(f"{_(k.replace('_', ' '))}: {_nested(k, v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        joiner = " | " if any(isinstance(v, dict) for v in value) else ", "
        return joiner.join(evidence_value(v) for v in value)
    return str(value)


def evidence_rows(spec, evidence: dict, raw_keys: bool = False) -> list[tuple[str, str]]:
    """Evidence as (label, text) rows: the check's parameters by their labels, nested values
    as "key: value" text, never a Python dict (``{'max_age_days': 3}``)."""
    rows = []
    for key, value in evidence.items():
        if key == "parameters" and isinstance(value, dict) and spec is not None:
            label = "parameters" if raw_keys else _("thresholds")
            rows.append((label, "; ".join(parameter_texts(spec, value))))
        else:
            text = evidence_value(value)
            if key.endswith("status") and value in RunStatus.values:
                text = str(RunStatus(value).label)  # last_sync_status: "fehlgeschlagen"
            if key in CHECK_WORDS and not raw_keys:
                text = english_unless_translated(text)
            rows.append((key if raw_keys else key_label(key), text))
    return rows


def parameter_texts(spec, values: dict) -> list[str]:
    """Each parameter as "Largest snapshot age: 3 days" (not ``{'max_age_days': 3}``), its
    label, unit and number in the reader's language."""
    texts = []
    for param in spec.params:
        if param.name not in values:
            continue
        value = values[param.name]
        if isinstance(value, list):
            shown = ", ".join(map(str, value)) or "-"
        else:
            shown = evidence_value(value)
        texts.append(f"{param.label}: {shown} {param.unit}".strip())
    return texts


def _nested(key: str, value) -> str:
    """A value inside a nested evidence item; a rule's status and severity in words."""
    from compliance.choices import DISPLAY_STATUS_LABELS, Severity

    if key == "status" and value in DISPLAY_STATUS_LABELS:
        return str(DISPLAY_STATUS_LABELS[value])
    if key == "severity" and value in Severity.values:
        return str(Severity(value).label)
    return evidence_value(value)
