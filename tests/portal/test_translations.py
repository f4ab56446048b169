"""The German catalog is complete, compiled and in step with the sources; pages answer in German.

A string wrapped for translation after the last ``makemessages`` is missing from the catalog
and stays English in German pages: :func:`test_every_literal_marked_for_translation_is_in_the_catalog`
finds it without gettext installed. Update the catalog with
``python manage.py makemessages -l de --ignore=.venv --ignore=var --ignore=node_modules``,
translate, then ``python manage.py compilemessages``.
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from tests.inventory.factories import EndpointFactory, SnapshotFactory, VirtualMachineFactory
from tests.second_factor import verify_session

CATALOG = Path(settings.BASE_DIR) / "locale" / "de" / "LC_MESSAGES"
SOURCES = ("portal", "inventory", "operations", "compliance", "notifications", "metrics")
# msg(): a finding message template (compliance.messages), rendered in the reader's language.
GETTEXT_CALLS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "msg"}
# {% translate "..." %} with a literal; blocktranslate is left to makemessages.
TEMPLATE_LITERAL = re.compile(r"""\{%\s*(?:translate|trans)\s+(["'])(.*?)\1""")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfr]")


@dataclass(frozen=True)
class Entry:
    msgid: str
    msgstrs: tuple[str, ...]
    fuzzy: bool
    plural: str | None = None


def po_entries(path: Path) -> list[Entry]:
    """The live entries of a .po file (not the header, not obsolete ``#~`` ones)."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        flags: set[str] = set()
        key = ""
        for line in block.splitlines():
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
            elif line.startswith("msg"):
                key, _, value = line.partition(" ")
                fields[key] = ast.literal_eval(value)
        if fields.get("msgid"):
            strs = tuple(v for k, v in sorted(fields.items()) if k.startswith("msgstr"))
            entries.append(
                Entry(fields["msgid"], strs, "fuzzy" in flags, fields.get("msgid_plural"))
            )
    return entries


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return po_entries(CATALOG / "django.po")


def test_the_german_catalog_has_no_untranslated_or_fuzzy_entry(entries):
    assert len(entries) > 400
    untranslated = [e.msgid for e in entries if not all(e.msgstrs)]
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    assert untranslated == [], "translate these in locale/de/LC_MESSAGES/django.po"
    assert fuzzy == [], "check these translations, then remove their fuzzy flag"


def test_translations_keep_every_placeholder(entries):
    wrong = [
        e.msgid
        for e in entries
        for msgstr in e.msgstrs
        if set(PLACEHOLDER.findall(e.msgid)) != set(PLACEHOLDER.findall(msgstr))
    ]
    assert wrong == []


def test_the_compiled_catalog_is_the_current_po(entries):
    with (CATALOG / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = [
        e.msgid
        for e in entries
        if (compiled.ngettext(e.msgid, e.plural, 1) if e.plural else compiled.gettext(e.msgid))
        != e.msgstrs[0]
    ]
    assert stale == [], "run python manage.py compilemessages"


def _marked_literals() -> set[str]:
    """String literals passed to gettext in the apps, and literal {% translate %} strings."""
    base = Path(settings.BASE_DIR)
    found: set[str] = set()
    for source in SOURCES:
        for path in (base / source).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", None)) in GETTEXT_CALLS
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    found.add(node.args[0].value)
    for path in (base / "templates").rglob("*.html"):
        for _quote, text in TEMPLATE_LITERAL.findall(path.read_text(encoding="utf-8")):
            found.add(text.replace("%", "%%"))  # as Django looks template strings up
    return found


def test_every_literal_marked_for_translation_is_in_the_catalog(entries):
    missing = sorted(_marked_literals() - {e.msgid for e in entries})
    assert missing == [], "run makemessages -l de and translate the new entries"


GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9,en;q=0.5"}


@pytest.fixture
def german_admin(client, admin_user):
    vc = EndpointFactory(name="vc-prod")
    SnapshotFactory(endpoint=vc, vm=VirtualMachineFactory(endpoint=vc, name="web01"))
    return verify_session(client, admin_user)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "german", "english"),
    [
        ("/", "Snapshots nach Alter", "Snapshots by age"),
        ("/snapshots/", "Snapshots sind keine Datensicherung", "Snapshots are no backups"),
        ("/snapshots/", "Älter als (Tage)", "Older than (days)"),
        ("/vms/", "Virtuelle Maschinen", "Virtual machines and containers"),
        ("/snapshot-policies/new/", "Wochentag", "Day of week"),
        ("/status/", "Datenbank", ">Database<"),
        ("/compliance/checks/", ">ID<", ">Id<"),
    ],
)
def test_main_pages_answer_in_german(german_admin, path, german, english):
    answer = german_admin.get(path, **GERMAN)
    assert answer.status_code == 200
    body = answer.content.decode()
    assert 'lang="de"' in body
    assert german in body
    assert english not in body


@pytest.mark.django_db
def test_without_a_german_request_the_pages_stay_english(german_admin):
    body = german_admin.get("/snapshots/").content.decode()
    assert "Snapshots are no backups" in body and "Datensicherung" not in body
