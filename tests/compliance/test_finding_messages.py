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
from compliance.models import Finding

from .factories import HostFactory, SnapshotFactory, run

pytestmark = pytest.mark.django_db


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


def test_nested_messages_are_translated_part_by_part_and_kept_as_english():
    from compliance.choices import GOAL_WORDS, NEED_WORDS

    parts = [
        msg(
            "%(goal)s %(vm_need)s > %(host_need)s",
            goal=GOAL_WORDS[g],
            vm_need=NEED_WORDS["very_high"],
            host_need=NEED_WORDS["normal"],
        )
        for g in ("confidentiality", "availability")
    ]
    message = msg("Needs: %(goals)s.", goals=parts)
    assert (
        str(message)
        == "Needs: confidentiality very high > normal, availability very high > normal."
    )
    stored = message.stored()
    assert stored["p"]["goals"]["ml"][0]["p"]["goal"] == {"_": "confidentiality"}
    # The outer template is not in the catalog: it stays English, the parts read German.
    with translation.override("de"):
        assert localized(str(message), stored) == (
            "Needs: Vertraulichkeit sehr hoch > normal, Verfügbarkeit sehr hoch > normal."
        )
    broken = {"t": "Needs: %(goals)s.", "p": {"goals": {"ml": [{"t": "%(x)s", "p": {}}]}}}
    assert localized("the English text", broken) == "the English text"


# Platform values and the portal's own English words that a German reader saw in finding
# messages and status badges before they were given words (issue 14).
RAW_IN_GERMAN = (
    "disconnected",
    "notResponding",
    "guestToolsNotRunning",
    "confidentiality",
    "availability",
    "very_high",
    "Host ist",  # "Host ist notResponding": the sentence now names the state as a word
)


@pytest.fixture
def mixed_estate(officer):
    from compliance.services.assessments import target_create

    from .factories import EndpointFactory, VmFactory

    vc = EndpointFactory(name="vc-prod")
    HostFactory(endpoint=vc, name="esx-gone", connection_state="disconnected")
    HostFactory(endpoint=vc, name="esx-silent", connection_state="notResponding")
    host = HostFactory(endpoint=vc, name="esx-ok")
    VmFactory(endpoint=vc, host=host, name="vm-pci", tags=["pci"])
    VmFactory(
        endpoint=vc, host=host, name="vm-notools", power_state="poweredOn",
        tools_state="guestToolsNotRunning",
    )  # fmt: skip
    pve = EndpointFactory(name="pve", kind="proxmox")
    HostFactory(endpoint=pve, name="node-down", connection_state="offline")
    target_create(
        kind="tag", tag="pci", needs={"confidentiality": "very_high", "availability": "high"},
        actor=officer,
    )  # fmt: skip
    run()


def test_states_goals_and_statuses_read_german_in_the_finding_list(
    mixed_estate, officer, client_for
):
    page = (
        client_for(officer)
        .get("/compliance/findings/?per_page=200", HTTP_ACCEPT_LANGUAGE="de")
        .content.decode()
    )
    for german in (
        "Verbindungszustand des Hosts: getrennt.",
        "Verbindungszustand des Hosts: antwortet nicht.",
        "Verbindungszustand des Hosts: offline.",
        "Vertraulichkeit sehr hoch &gt; normal, Verfügbarkeit hoch &gt; normal",
        "Gastwerkzeuge/Gast-Agent: läuft nicht.",
        "✖ nicht bestanden",
    ):
        assert german in page, german
    found = [raw for raw in RAW_IN_GERMAN if raw in page]
    assert found == [], found
    assert "✖ fail" not in page and "! warning" not in page
    # Tools read the stable English text.
    api = client_for(officer).get("/api/compliance/findings/")
    results = api.json()["results"]
    messages = sorted(f["message"] for f in results if f["check_id"] == "OPS-002")
    assert messages == ["Host is disconnected.", "Host is not responding.", "Host is offline."]


def test_states_and_goals_read_german_in_the_pruefbericht(mixed_estate, officer, client_for):
    from .test_reports import pdf_text

    text = pdf_text(client_for(officer).get("/compliance/reports/check.pdf?lang=de").content)
    for german in (
        "Verbindungszustand des Hosts: getrennt.",
        "Verbindungszustand des Hosts: antwortet nicht.",
        "Vertraulichkeit sehr hoch > normal, Verfügbarkeit hoch > normal",
        "Gastwerkzeuge/Gast-Agent: läuft nicht.",
    ):
        assert german in text, german
    # The observed values beside each message stay the platform's own (evidence), so look at
    # the sentences only.
    for raw in ("Host ist", "confidentiality very_high", "Gast-Agent: guestTools"):
        assert raw not in text, raw
