"""Every registered check's description (its docstring, shown on the check's page, on each of
its findings and in reports) has a German text in the catalogue.

``makemessages`` does not extract docstrings, so a check added or reworded without its German
text in locale/de/LC_MESSAGES/django.po is found here: the German page would show the English
text marked ``lang="en"`` (compliance.evidence_text.english_unless_translated).
"""

from __future__ import annotations

from django.utils import translation

from compliance.checks.registry import all_checks
from compliance.templatetags.compliance_status import check_description


def test_every_check_description_has_a_german_text():
    missing = []
    for spec in all_checks():
        with translation.override("en"):
            english = check_description(spec)
        with translation.override("de"):
            german = check_description(spec)
        if german == english or "untranslated" in german:
            missing.append(f"{spec.id}: {english}")
    assert len(all_checks()) >= 68
    assert missing == [], "add German msgstrs to locale/de/LC_MESSAGES/django.po:\n" + "\n".join(
        missing
    )


def test_the_description_is_the_docstring_with_its_whitespace_collapsed():
    # The msgid is the docstring as one line: a paragraph break or the source's indentation in
    # the docstring does not change the text looked up in the catalogue.
    spec = next(s for s in all_checks() if s.id == "ADM-004")
    assert "\n" in spec.description
    with translation.override("en"):
        english = check_description(spec)
    assert english == " ".join(spec.description.split())
    assert english.startswith("The Proxmox firewall is what restricts access")
    with translation.override("de"):
        assert check_description(spec).startswith("Die Proxmox-Firewall")


def test_a_description_without_german_text_is_marked_english_on_a_german_page():
    class Unknown:
        description = "A description\n    nobody translated."

    with translation.override("de"):
        shown = check_description(Unknown())
    assert shown == '<span lang="en" class="untranslated">A description nobody translated.</span>'
    with translation.override("en"):
        assert check_description(Unknown()) == "A description nobody translated."


def test_every_evidence_key_label_and_fixed_text_has_a_german_text():
    # The labels of evidence keys and the fixed words checks write are shown on German pages in
    # German; the stored evidence keeps the key (``made_by_portal``).
    from compliance.evidence_text import (
        EVIDENCE_KEY_LABELS,
        FIXED_TEXTS,
        english_unless_translated,
        key_label,
    )

    texts = {key: (key_label, key) for key in EVIDENCE_KEY_LABELS}
    texts |= {text: (english_unless_translated, text) for text in FIXED_TEXTS}
    with translation.override("en"):
        english = {name: show(arg) for name, (show, arg) in texts.items()}
    with translation.override("de"):
        german = {name: show(arg) for name, (show, arg) in texts.items()}
        assert key_label("made_by_portal") == "vom Portal erstellt"
        assert key_label("no_such_key") == '<span lang="en" class="untranslated">no such key</span>'
    missing = [
        name for name in texts if german[name] == english[name] or "untranslated" in german[name]
    ]
    assert len(texts) > 80
    assert missing == []
    assert english["made_by_portal"] == "made by portal"


def test_a_limited_runs_counts_are_labelled_in_german():
    from compliance.templatetags.compliance_status import count_label, count_value

    with translation.override("de"):
        shown = {
            count_label(k): count_value(v) for k, v in {"scope": "changed", "judged": 3}.items()
        }
        assert shown == {"Umfang": "geändert", "bewertet": 3}
        assert (
            count_value("all") == "alle" and count_label("wide_checks") == "bestandsweite Prüfungen"
        )
    with translation.override("en"):
        assert count_label("scope") == "scope" and count_value("all") == "all"
