"""Finding messages in the reader's language: a check says what it saw as a template and its
values; the finding keeps the English text (API and exports stay stable) and the template, and
pages render it from the catalog.

Before: every message was an English f-string, so the German pages and the German report
carried English sentences ("No NTP server is configured.") beside German headings.
"""

from __future__ import annotations

import pytest
from django.utils import translation

from compliance.messages import localized, msg
from compliance.models import CheckRun, Finding
from compliance.services import check_run_execute

from .factories import HostFactory, SnapshotFactory

pytestmark = pytest.mark.django_db


def run() -> CheckRun:
    result = check_run_execute(trigger="command", actor="test")
    assert result.status == CheckRun.Status.SUCCEEDED, result.error
    return result


def test_a_finding_keeps_its_english_text_and_reads_german_on_a_german_page(officer, client_for):
    host = HostFactory(ntp_servers=[])
    run()
    finding = Finding.objects.get(check_id="LOG-001", object_id=host.pk)
    assert finding.message == "No NTP server is configured."
    assert finding.message_args["t"] == "No NTP server is configured."
    page = client_for(officer).get(f"/compliance/findings/{finding.pk}/", HTTP_ACCEPT_LANGUAGE="de")
    text = page.content.decode()
    assert "Kein NTP-Server ist konfiguriert." in text
    assert "No NTP server is configured." not in text
    api = client_for(officer).get(
        f"/api/compliance/findings/{finding.pk}/", HTTP_ACCEPT_LANGUAGE="de"
    )
    assert api.json()["message"] == "No NTP server is configured."  # tools read stable English


def test_values_go_into_the_translated_sentence():
    snapshot = SnapshotFactory(created_by="alice@pve", made_by_portal=False, owner=None)
    run()
    finding = Finding.objects.get(check_id="SNAP-005", object_id=snapshot.pk)
    with translation.override("de"):
        assert finding.message_text == (
            "Snapshot wurde außerhalb des Portals von alice@pve erstellt und hat keinen "
            "Verantwortlichen."
        )
    assert finding.message == "Snapshot was made outside the portal by alice@pve and has no owner."


def test_a_translated_word_among_the_values_is_translated_too():
    stored = msg(
        "%(label)s is %(current).1f%% (limit %(limit)s%%; no stored samples).",
        label=translation.gettext_lazy("CPU usage"),
        current=91.25,
        limit=80,
    ).stored()
    assert stored["p"]["label"] == {"_": "CPU usage"}
    with translation.override("de"):
        assert (
            localized("", stored)
            == "CPU-Auslastung beträgt 91.2 % (Grenzwert 80 %; keine gespeicherten Messwerte)."
        )
    with translation.override("en"):
        assert localized("", stored) == "CPU usage is 91.2% (limit 80%; no stored samples)."


def test_a_message_whose_values_no_longer_fit_its_template_falls_back_to_the_english_text():
    stored = {"t": "VM has %(count)s snapshots.", "p": {}}
    with translation.override("de"):
        assert localized("VM has 4 snapshots.", stored) == "VM has 4 snapshots."
    assert localized("plain text", {}) == "plain text"
