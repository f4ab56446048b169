"""The portal's own words in each language, and a populated estate to look for them on.

``terms(lang)`` builds the list a page in the other language must not show: for German pages
the English msgids of the catalogue whose German msgstr differs (placeholders cut out, only the
literal runs of at least two words are kept), plus the raw state values of the platforms
(``poweredOn``, ``stopped``); for English pages the German msgstrs that differ from their
msgid. ``ALLOWED`` is the reviewed list of words that are the same in both languages or are
names. ``page_text`` is what a reader sees: text and the visible attributes (``title``,
``placeholder``, ``aria-label``, ``alt``), without scripts, styles and option values.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from compliance.services import check_run_execute
from inventory.models import Endpoint, PlatformAccount
from tests.compliance import factories as cf
from tests.portal.test_translations import po_entries

CATALOG = Path(settings.BASE_DIR) / "locale" / "de" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[-+ #0-9.]*[sdfr]|%[sd]|\{\w*\}|%%")

# Same in both languages, or a name; reviewed: each entry says why it may appear either way.
ALLOWED = {
    # names of products, platforms, standards, protocols and units
    "vCenter", "Proxmox", "Proxmox VE", "ESXi", "vSphere", "VMware", "LDAP", "OIDC", "TOTP",
    "SSH", "NTP", "CPU", "VM", "VMs", "ID", "IP", "URL", "API", "CSV", "PDF", "JSON", "OSCAL",
    "HA", "DRS", "LXC", "QEMU", "VNC", "STIG", "DISA", "BSI", "SYS.1.5", "TLS", "SIEM",
    "IT-Grundschutz-Check",  # the BSI's name of the report, in both languages
    # German words too: "Filter" (plural), "Operation", "Hosts" (genitive and plural of the
    # German msgstr "Host"), "Portal" ("VirtSec Portal", the product's name)
    "Filter", "Operation", "Hosts", "Portal",
    # English technical terms the German msgstrs use as they are
    "Webhook", "Quiesce",
    # the BSI's own words, kept in both languages: the Umsetzungsstatus and its values
    "Umsetzungsstatus", "ja", "teilweise", "nein", "entbehrlich",
}  # fmt: skip
# Phrases that are the same in German texts (the German msgstrs use them as technical terms).
ALLOWED_PHRASES = (
    "Promiscuous Mode",
    "user@realm!tokenname",  # the format of a Proxmox token id, in the endpoint form's help
    "snapshot.",  # the audit filter's placeholder: an action prefix to type
    "die Last",  # German: the load ("Wie lange die Last über dem Grenzwert liegen muss")
    "„Last backup:“",  # BAK-001: the words a backup product writes into a VM's notes, quoted
)
# Names the test estates give their objects and one finding message they store without a
# template (tests/security/fuzz_estate.py): test data, not the portal's words.
TEST_DATA = ("VM Network", "snapshot older than the limit")

# Words a German page may not show because they are the platforms' raw values; their labels
# are translated (inventory/connectors/platforms.py).
RAW_STATES = (
    "poweredOn", "poweredOff", "suspended", "notResponding", "disconnected", "connected",
    "standBy", "running", "stopped", "paused", "guestToolsRunning", "guestToolsNotRunning",
    "lockdownNormal", "lockdownDisabled", "lockdownStrict", "security_officer", "administrator",
    "auditor",
)  # fmt: skip


def _runs(text: str) -> list[str]:
    """The literal runs of ``text`` between placeholders, whitespace collapsed."""
    return [" ".join(part.split()) for part in PLACEHOLDER.split(text) if part.strip()]


def _words(text: str) -> int:
    return len(re.findall(r"[A-Za-zÄÖÜäöüß]{2,}", text))


@cache
def terms(lang: str) -> tuple[str, ...]:
    """What a page in ``lang`` must not show: the other language's words of the catalogue."""
    found: set[str] = set()
    entries = po_entries(CATALOG)
    # A word that is a whole translation in the page's own language is that language's too
    # ("Host", "Status"): never listed.
    own = {
        run.strip(" .,:;()\u2013-")
        for entry in entries
        for text in ((entry.msgstrs[0],) if lang == "de" else (entry.msgid, entry.plural or ""))
        for run in _runs(text)
    }
    for entry in entries:
        pairs = [(entry.msgid, entry.msgstrs[0])]
        if entry.plural:
            pairs.append((entry.plural, entry.msgstrs[-1]))
        for english, german in pairs:
            if english.strip() == german.strip():
                continue
            source, other = (english, german) if lang == "de" else (german, english)
            runs = _runs(source)
            whole = len(runs) == 1 and not PLACEHOLDER.search(source)
            for run in runs:
                run = run.strip(" .,:;()\u2013-")
                if not run or run in _runs(other) or run in own or run in ALLOWED:
                    continue
                if (whole and _words(run) >= 1) or _words(run) >= 2:
                    found.add(run)
    if lang == "de":
        found |= set(RAW_STATES)
    return tuple(sorted(found, key=len, reverse=True))


@cache
def term_pattern(lang: str) -> re.Pattern[str]:
    words = "|".join(re.escape(t) for t in terms(lang))
    return re.compile(rf"(?<![\w/.#-])(?:{words})(?![\w/-])")


# Scripts, styles and a filter box's suggestions (<datalist>: values to type, such as audit
# action prefixes, not words) are no text a reader reads.
_DROP = re.compile(r"<(script|style|template|datalist)\b.*?</\1>|<!--.*?-->", re.S | re.I)
# Text marked as English on a German page: what has no German text yet (config keys, stored
# reasons; compliance.evidence_text); the sweep counts these instead of reading them.
MARKED_ENGLISH = re.compile(r'<span lang="en" class="untranslated">(.*?)</span>', re.S)
_PDF_PAIR = re.compile(r"\b[\w.]+ = ")
_PDF_TEXT = re.compile(r"\(((?:\\.|[^\\)])*)\)\s*Tj")


def pdf_text(raw: str) -> str:
    """The strings a PDF's content streams show (``(...) Tj``), not its fonts or metadata.

    The observed values ("key = value; ...", cut at 48 characters and wrapped over lines) are
    the evidence as stored, keys and values as the platform or the check gave them (as in the
    CSV export), not the report's own words: each line from its first "key = " on, and the
    lines that continue such a value, are left out. Lines are joined by one space, so a phrase
    broken over two lines of a cell is still found."""
    kept, in_evidence = [], False
    for m in _PDF_TEXT.finditer(raw):
        line = m.group(1).replace("\\(", "(").replace("\\)", ")")
        pair = _PDF_PAIR.search(line)
        if pair:
            if not in_evidence:  # else the text before the pair continues the last value
                kept.append(line[: pair.start()])
            in_evidence = True
        elif in_evidence and ("; " in line or " " not in line.strip() or line.endswith("\\015")):
            continue
        else:
            kept.append(line)
            in_evidence = False
    return " ".join(kept)


def catalogue_data() -> list[str]:
    """The BSI requirements' titles (German and English), texts, sentences and notes: the
    catalogue's data, shown in its own language by design (the requirement list has a column
    for each title), not the portal's words; and the test estates' own names."""
    from compliance.models import Requirement, RequirementSentence

    texts = {
        t
        for row in Requirement.objects.values_list("title_de", "title_en", "text", "note")
        for t in row
        if t
    }
    texts |= set(RequirementSentence.objects.values_list("text", flat=True))
    return sorted(texts | set(TEST_DATA), key=len, reverse=True)


_VISIBLE_ATTR = re.compile(r"""\s(?:title|placeholder|aria-label|alt)=(["'])(.*?)\1""", re.S)
_TAG = re.compile(r"<[^>]+>")


def page_text(body: str, data: list[str] = ()) -> str:
    """The text a reader sees, one space between runs, without the ``data`` strings and
    without text marked English."""
    body = MARKED_ENGLISH.sub(" ", _DROP.sub(" ", body))
    attrs = " | ".join(
        m.group(2) for tag in _TAG.findall(body) for m in _VISIBLE_ATTR.finditer(tag)
    )
    text = html.unescape(_TAG.sub(" | ", body) + (" | " + attrs if attrs else ""))
    for item in data:
        text = text.replace(item, " ")
    return " ".join(text.split())


def hits(lang: str, text: str) -> list[tuple[str, str]]:
    """(term, context) of each listed term of the other language in ``text``."""
    for phrase in ALLOWED_PHRASES:
        text = text.replace(phrase, " ")
    return [
        (m.group(0), f"…{text[max(0, m.start() - 60) : m.end() + 40]}…")
        for m in term_pattern(lang).finditer(text)
    ]


def populate_findings() -> dict[str, object]:
    """A vCenter and a Proxmox VE estate with something wrong everywhere, checked once: the
    pages then show findings, evidence and messages of most checks (which ones: the return)."""
    from compliance.models import Finding

    old = timezone.now() - dt.timedelta(days=40)
    # Each platform's own words for a host that is down, a guest kind and a running guest.
    estates = (
        (Endpoint.Kind.VCENTER, "disconnected", "vm", "poweredOn"),
        (Endpoint.Kind.PROXMOX, "offline", "lxc", "running"),
    )
    for kind, host_down, guest_kind, guest_running in estates:
        endpoint = cf.EndpointFactory(
            kind=kind, last_sync_status="failed", last_success_at=old, last_sync_at=old
        )
        cluster = cf.ClusterFactory(
            endpoint=endpoint, ha_enabled=False, quorate=False, firewall_enabled=False, extra={}
        )
        host = cf.HostFactory(
            endpoint=endpoint, cluster=cluster, lockdown_mode="lockdownDisabled",
            connection_state=host_down,
            maintenance_mode=True, cpu_usage_percent=99.0, memory_used_bytes=250 * cf.GIB,
            ksm_shared_bytes=cf.GIB, ntp_servers=[], syslog_target="", version="7.0.0",
            build="1000", updates_pending=12, security_updates=["openssl 3.0.1 (security)"],
            updates_pending_since=old, management_addresses=["198.51.100.7"], cpu_threads=2,
            services=[{"key": "TSM-SSH", "label": "SSH", "running": True, "policy": "on"}],
        )  # fmt: skip
        lonely = cf.HostFactory(endpoint=endpoint, cluster=None)
        vm = cf.VmFactory(
            endpoint=endpoint, host=host, cluster=cluster, tools_state="guestToolsNotRunning",
            extra_config={}, console_connections=3, ballooned_bytes=cf.GIB, vcpus=16,
            memory_bytes=512 * cf.GIB, backup_covered=False, last_backup_at=None,
            passthrough_devices=[{"id": "hostpci0", "device": "0000:01:00.0"}],
            guest_time={"synchronised": False, "source": "tools"},
            kind=guest_kind,
            power_state=guest_running,
            config={"unprivileged": 0, "features": "nesting=1"},
        )  # fmt: skip
        for _ in range(4):
            cf.SnapshotFactory(
                vm=vm, created_at=old, with_memory=True, made_by_portal=False, owner=None,
                expires_at=old,
            )  # fmt: skip
        cf.DatastoreFactory(
            endpoint=endpoint, free_bytes=cf.GIB, uncommitted_bytes=5000 * cf.GIB,
            accessible=False,
        )  # fmt: skip
        nic = cf.NicFactory(host=host, link_up=False, speed_mbps=100)
        cf.SwitchFactory(host=host, uplinks=[nic.name], allow_promiscuous=True)
        cf.NetworkFactory(endpoint=endpoint, allow_forged_transmits=True, allow_mac_changes=True)
        cf.SampleFactory(endpoint=endpoint, object_id=host.pk, net_rx_bps=9e9, net_tx_bps=9e9)
        cf.AccountFactory(
            endpoint=endpoint, name="root@pam", two_factor=False, roles=["Administrator"],
            directory=False, kind=PlatformAccount.Kind.USER, privsep=False,
            api_tokens=[{"tokenid": "automation", "privsep": 0, "expire": 0}],
            grants=[{"path": "/", "role": "Administrator", "propagate": True}],
        )  # fmt: skip
        del lonely
    check_run_execute(trigger="command", actor="test")
    return {
        "checks": sorted(set(Finding.objects.values_list("check_id", flat=True))),
    }


def populated_world() -> dict:
    """The scope sweep's estate (one object of every kind) plus ``populate_findings``, in the
    form ``tests/security/sweep.py`` fills path parameters from."""
    from compliance.models import Requirement
    from tests.security.fuzz_estate import estate_objects
    from tests.security.objects import make_estate
    from tests.security.sweep import inside_ids

    estate = make_estate()
    inside = estate_objects(estate)
    checked = populate_findings()
    return {
        "estate": estate,
        "by_prefix": inside_ids(estate, inside),
        "requirement": Requirement.objects.order_by("ref").first().ref,
        "checked": checked,
    }
