"""Build ``sys15.json`` from the Kompendium text of SYS.1.5 (Edition 2023).

Usage::

    python compliance/catalog/build_sys15.py ../shared/reference/SYS.1.5-Edition2023.txt

The reference text is the BSI's section 3 (Anforderungen) of the module, one requirement per
heading line ``SYS.1.5.A8 Planung einer virtuellen Infrastruktur (S) [Planende]`` followed by
its sentences, one a line. The product never reads the reference at run time: this script
writes the JSON the data migration loads, and ``tests/compliance/test_catalog_reference.py``
compares the loaded catalog with the reference on its own.

Design notes:
- A requirement is withdrawn when its title is ``ENTFALLEN`` (A1, A18): it keeps its number
  and level and has no sentences.
- A sentence is a sub-requirement when it carries one of the BSI's upper-case modal verbs
  (MUSS/MÜSSEN, SOLLTE/SOLLTEN, DARF/DÜRFEN with NICHT, NUR or KEIN..., SOLLTE(N) NICHT/KEIN...).
  The modal is normalised to the BSI's singular forms: MUSS, DARF NUR, DARF NICHT, SOLLTE,
  SOLLTE NICHT (KEIN/KEINE counts as NICHT, as the BSI's table of modal verbs says). A line with
  no modal verb or with two different ones is an error: the script refuses rather than guesses.
- English titles are the project's translation; they are kept in ``TITLES_EN`` here, checked
  against the German title they were written for, so a changed German title fails the build.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HEADING = re.compile(
    r"^(?P<ref>SYS\.1\.5\.A(?P<number>\d+)) (?P<title>.+?) \((?P<level>[BSH])\)"
    r"(?: \[(?P<role>[^\]]+)\])?\s*$"
)
MODAL = re.compile(
    r"\b(?P<verb>MUSS|MÜSSEN|SOLLTE|SOLLTEN|DARF|DÜRFEN)\b(?: (?P<particle>NICHT|NUR|KEINE?[NRS]?)\b)?"
)
LEVELS = {"B": "basis", "S": "standard", "H": "high"}
WITHDRAWN = "ENTFALLEN"

# English titles (the project's translation), keyed by number, with the German title they
# translate: a German title that changes makes the build fail until the English is reviewed.
TITLES_EN: dict[int, tuple[str, str]] = {
    1: ("ENTFALLEN", "Withdrawn"),
    2: ("Sicherer Einsatz virtueller IT-Systeme", "Secure use of virtual IT systems"),
    3: (
        "Sichere Konfiguration virtueller IT-Systeme",
        "Secure configuration of virtual IT systems",
    ),
    4: (
        "Sichere Konfiguration eines Netzes für virtuelle Infrastrukturen",
        "Secure configuration of a network for virtual infrastructures",
    ),
    5: ("Schutz der Administrationsschnittstellen", "Protection of the administration interfaces"),
    6: ("Protokollierung in der virtuellen Infrastruktur", "Logging in the virtual infrastructure"),
    7: (
        "Zeitsynchronisation in virtuellen IT-Systemen",
        "Time synchronisation in virtual IT systems",
    ),
    8: ("Planung einer virtuellen Infrastruktur", "Planning a virtual infrastructure"),
    9: (
        "Netzplanung für virtuelle Infrastrukturen",
        "Network planning for virtual infrastructures",
    ),
    10: (
        "Einführung von Verwaltungsprozessen für virtuelle IT-Systeme",
        "Introduction of administration processes for virtual IT systems",
    ),
    11: (
        "Administration der Virtualisierungsinfrastruktur über ein gesondertes Managementnetz",
        "Administration of the virtualization infrastructure over a separate management network",
    ),
    12: (
        "Rechte- und Rollenkonzept für die Administration einer virtuellen Infrastruktur",
        "Rights and roles concept for administering a virtual infrastructure",
    ),
    13: (
        "Auswahl geeigneter Hardware für Virtualisierungsumgebungen",
        "Selection of suitable hardware for virtualization environments",
    ),
    14: (
        "Einheitliche Konfigurationsstandards für virtuelle IT-Systeme",
        "Uniform configuration standards for virtual IT systems",
    ),
    15: (
        "Betrieb von Gast-Betriebssystemen mit unterschiedlichem Schutzbedarf",
        "Operating guest systems with different protection needs",
    ),
    16: ("Kapselung der virtuellen Maschinen", "Encapsulation of virtual machines"),
    17: (
        "Überwachung des Betriebszustands und der Konfiguration der virtuellen Infrastruktur",
        "Monitoring of the operating status and configuration of the virtual infrastructure",
    ),
    18: ("ENTFALLEN", "Withdrawn"),
    19: (
        "Regelmäßige Audits der Virtualisierungsinfrastruktur",
        "Regular audits of the virtualization infrastructure",
    ),
    20: ("Verwendung von hochverfügbaren Architekturen", "Use of highly available architectures"),
    21: (
        "Sichere Konfiguration virtueller IT-Systeme bei erhöhtem Schutzbedarf",
        "Secure configuration of virtual IT systems with elevated protection needs",
    ),
    22: ("Härtung des Virtualisierungsservers", "Hardening of the virtualization server"),
    23: (
        "Rechte-Einschränkung der virtuellen Maschinen",
        "Restricting the rights of virtual machines",
    ),
    24: (
        "Deaktivierung von Snapshots virtueller IT-Systeme",
        "Deactivating snapshots of virtual IT systems",
    ),
    25: (
        "Minimale Nutzung von Konsolenzugriffen auf virtuelle IT-Systeme",
        "Minimal use of console access to virtual IT systems",
    ),
    26: ("Einsatz einer PKI", "Use of a PKI"),
    27: (
        "Einsatz zertifizierter Virtualisierungssoftware",
        "Use of certified virtualization software",
    ),
    28: ("Verschlüsselung von virtuellen IT-Systemen", "Encryption of virtual IT systems"),
}


class CatalogError(ValueError):
    """The reference text is not what this script understands; the message names the line."""


def normalise_modal(verb: str, particle: str | None) -> str:
    """The BSI's singular modal for one occurrence (MÜSSEN -> MUSS, SOLLTEN KEINE -> SOLLTE NICHT)."""
    base = {"MÜSSEN": "MUSS", "SOLLTEN": "SOLLTE", "DÜRFEN": "DARF"}.get(verb, verb)
    if particle is None:
        if base == "DARF":
            raise CatalogError(f"{verb} without NICHT or NUR is not a modal of the Kompendium")
        return base
    if particle == "NUR":
        return f"{base} NUR"
    return f"{base} NICHT"  # NICHT, KEIN, KEINE, KEINEN, ...


def sentence_modal(text: str) -> str:
    """The one normalised modal verb of a sentence; none or two different ones is an error."""
    modals = {normalise_modal(m["verb"], m["particle"]) for m in MODAL.finditer(text)}
    if len(modals) != 1:
        found = ", ".join(sorted(modals)) or "none"
        raise CatalogError(f"expected one modal verb, found {found}: {text!r}")
    return modals.pop()


def parse(text: str) -> list[dict]:
    """Every requirement of the reference text, in order, with its sentences."""
    requirements: list[dict] = []
    current: dict | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        heading = HEADING.match(line)
        if heading:
            number = int(heading["number"])
            title = heading["title"].strip()
            withdrawn = title == WITHDRAWN
            expected_de, title_en = TITLES_EN.get(number, ("", ""))
            if expected_de != title:
                raise CatalogError(
                    f"line {lineno}: the German title of A{number} is {title!r}; "
                    f"TITLES_EN was written for {expected_de!r}: review the English title"
                )
            current = {
                "ref": heading["ref"],
                "number": number,
                "level": LEVELS[heading["level"]],
                "title_de": title,
                "title_en": title_en,
                "role": heading["role"] or "",
                "withdrawn": withdrawn,
                "text": "",
                "sentences": [],
            }
            requirements.append(current)
            continue
        if current is None:
            continue  # preamble and section headings before the first requirement
        if re.match(r"^\d+(\.\d+)*\.\s", line):
            current = None  # a section heading ("3.2. Standard-Anforderungen") ends a block
            continue
        if current["withdrawn"]:
            current["text"] = (current["text"] + " " + line).strip()
            continue
        try:
            modal = sentence_modal(line)
        except CatalogError as exc:
            raise CatalogError(f"line {lineno} ({current['ref']}): {exc}") from None
        current["sentences"].append(
            {"number": len(current["sentences"]) + 1, "modal": modal, "text": line}
        )
    numbers = [r["number"] for r in requirements]
    if numbers != list(range(1, len(numbers) + 1)):
        raise CatalogError(f"requirement numbers are not 1..n in order: {numbers}")
    for req in requirements:
        if not req["withdrawn"] and not req["sentences"]:
            raise CatalogError(f"{req['ref']} has no sentence")
    return requirements


def build(reference: Path) -> dict:
    return {
        "catalog": "SYS.1.5",
        "source": "BSI IT-Grundschutz-Kompendium, Edition 2023, SYS.1.5 Virtualisierung, "
        "section 3 (Anforderungen); generated by compliance/catalog/build_sys15.py from "
        f"{reference.name}. English titles are the project's translation.",
        "requirements": parse(reference.read_text(encoding="utf-8")),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: {argv[0]} PATH/TO/SYS.1.5-Edition2023.txt", file=sys.stderr)
        return 2
    data = build(Path(argv[1]))
    out = Path(__file__).resolve().parent / "sys15.json"
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    sentences = sum(len(r["sentences"]) for r in data["requirements"])
    print(f"{out}: {len(data['requirements'])} requirements, {sentences} sentences")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
