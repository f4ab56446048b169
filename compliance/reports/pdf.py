"""A PDF in the style of an IT-Grundschutz-Check result, in German or English (reportlab)."""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..choices import STATUS_SYMBOLS, Catalog
from ..models import Finding, Waiver
from ..services.status import RequirementState

FONT_PATHS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)
TEXT = {
    "de": {
        "title": "IT-Grundschutz-Check: Ergebnis",
        "generated": "Erstellt",
        "scope": "Geltungsbereich",
        "all": "alle Endpunkte",
        "req": "Anforderung",
        "status": "Umsetzung",
        "evidence": "Nachweis",
        "open": "Offene Feststellungen",
        "waivers": "Ausnahmen",
        "none": "keine",
        "fulfilled": "ja",
        "partly": "teilweise",
        "not_fulfilled": "nein",
        "risk_accepted": "Risiko akzeptiert",
        "not_checked": "nicht geprüft",
        "withdrawn": "entfallen",
        "checked": "{n} Objekte geprüft durch {checks}",
        "more": "… und {n} weitere",
        "until": "bis",
        "m4349": "M 4.349 und genannte Maßnahmen",
        "sys15": "SYS.1.5 Virtualisierung",
    },
    "en": {
        "title": "IT-Grundschutz check: result",
        "generated": "Generated",
        "scope": "Scope",
        "all": "all endpoints",
        "req": "Requirement",
        "status": "Implemented",
        "evidence": "Evidence",
        "open": "Open findings",
        "waivers": "Waivers",
        "none": "none",
        "fulfilled": "yes",
        "partly": "partly",
        "not_fulfilled": "no",
        "risk_accepted": "risk accepted",
        "not_checked": "not checked",
        "withdrawn": "withdrawn",
        "checked": "{n} objects checked by {checks}",
        "more": "… and {n} more",
        "until": "until",
        "m4349": "M 4.349 and the measures it names",
        "sys15": "SYS.1.5 Virtualisation",
    },
}
MAX_FINDINGS = 15


def _font() -> str:
    for path in FONT_PATHS:
        if Path(path).exists():
            if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont("DejaVuSans", path))
            return "DejaVuSans"
    return "Helvetica"  # without DejaVu the status symbols fall back to words only


def compliance_pdf(
    states: list[RequirementState],
    findings: list[Finding],
    waivers: list[Waiver],
    *,
    language: str = "en",
    scope: str = "",
) -> bytes:
    t = TEXT["de" if language.startswith("de") else "en"]
    font = _font()
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName=font, fontSize=8, leading=10)
    head = ParagraphStyle("head", parent=styles["Heading1"], fontName=font)
    sub = ParagraphStyle("sub", parent=styles["Heading2"], fontName=font)
    by_check: dict[str, list[Finding]] = {}
    for f in findings:
        by_check.setdefault(f.check_id, []).append(f)
    waivers_by_check: dict[str, list[Waiver]] = {}
    for w in waivers:
        waivers_by_check.setdefault(w.check_id, []).append(w)

    story = [
        Paragraph(escape(t["title"]), head),
        Paragraph(
            f"{t['generated']}: {timezone.localtime():%Y-%m-%d %H:%M %Z} · "
            f"{t['scope']}: {escape(scope or t['all'])}",
            body,
        ),
        Spacer(1, 4 * mm),
    ]
    for catalog, label in ((Catalog.M4349, t["m4349"]), (Catalog.SYS15, t["sys15"])):
        story.append(Paragraph(escape(label), sub))
        rows = [
            [
                Paragraph(f"<b>{t[k]}</b>", body)
                for k in ("req", "status", "evidence", "open", "waivers")
            ]
        ]
        for state in (s for s in states if s.requirement.catalog == catalog):
            req = state.requirement
            checks = [c for c in state.checks if c.evaluated or c.waived]
            evidence = t["checked"].format(
                n=sum(c.evaluated for c in checks),
                checks=", ".join(c.check_id for c in checks) or t["none"],
            )
            related = [f for c in state.checks for f in by_check.get(c.check_id, [])]
            lines = [
                escape(f"{f.check_id} {f.object_path or f.object_name}: {f.message}")
                for f in related[:MAX_FINDINGS]
            ]
            if len(related) > MAX_FINDINGS:
                lines.append(escape(t["more"].format(n=len(related) - MAX_FINDINGS)))
            ws = [w for c in state.checks for w in waivers_by_check.get(c.check_id, [])]
            wlines = [
                escape(
                    f"{w.check_id} {w.object_name or w.scope}: {w.reason} ({t['until']} {w.expires_at:%Y-%m-%d})"
                )
                for w in ws[:MAX_FINDINGS]
            ]
            symbol = STATUS_SYMBOLS.get(state.status, "") if font != "Helvetica" else ""
            with translation.override("de" if language.startswith("de") else "en"):
                level = (
                    f" ({req.get_level_display()})" if req.level else ""
                )  # the report's language
            rows.append(
                [
                    Paragraph(
                        f"<b>{escape(req.ref)}</b> {escape(req.title(language))}{escape(level)}",
                        body,
                    ),
                    Paragraph(f"{symbol} {escape(t[state.status])}", body),
                    Paragraph(evidence, body),
                    Paragraph("<br/>".join(lines) or t["none"], body),
                    Paragraph("<br/>".join(wlines) or t["none"], body),
                ]
            )
        table = Table(rows, colWidths=[48 * mm, 20 * mm, 32 * mm, 55 * mm, 30 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [table, Spacer(1, 6 * mm)]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=t["title"],
    ).build(story)
    return buffer.getvalue()
