"""The Prüfbericht: a PDF in the layout of an IT-Grundschutz-Check, in German or English.

Per catalog, one line per requirement: the requirement (number, title, level, responsible role),
its Umsetzungsstatus, the justification with who is responsible and until when, and the
evidence (each check that tests it, with what it judged and when). Then the open findings per
object (full path and platform id, what was observed against what was expected, since when),
then the accepted risks. Every word comes from the translation catalog, so the German report
has no English left but the names the platforms report and the check ids.
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from portal.timefmt import local_text

from ..checks import get_check
from ..choices import STATUS_SYMBOLS, Catalog, ObjectType, Severity
from ..evidence_text import evidence_rows
from ..models import Finding, Waiver
from ..services.status import CheckState
from .content import UMSETZUNG, ObjectFindings, Row, findings_by_object

FONT_PATHS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)
BOLD_PATHS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",)
MAX_EVIDENCE_VALUES = 8  # observed values printed per finding; the CSV/JSON export has them all


def _fonts() -> tuple[str, str]:
    """DejaVu (it has the status symbols and umlauts) where installed, else Helvetica."""
    for path, bold in zip(FONT_PATHS, BOLD_PATHS, strict=True):
        if Path(path).exists():
            if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont("DejaVuSans", path))
                if Path(bold).exists():
                    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", bold))
            has_bold = "DejaVuSans-Bold" in pdfmetrics.getRegisteredFontNames()
            return "DejaVuSans", "DejaVuSans-Bold" if has_bold else "DejaVuSans"
    return "Helvetica", "Helvetica-Bold"


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _check_title(check_id: str) -> str:
    spec = get_check(check_id)
    return str(spec.title) if spec else check_id


def _evidence(checks: list[CheckState]) -> str:
    if not checks:
        return _("No automated check tests this requirement.")
    lines = []
    for c in checks:
        if c.state == "off":
            judged = _("switched off")
        else:
            judged = _("%(evaluated)s checked, %(open)s deviating, %(waived)s waived") % {
                "evaluated": c.evaluated,
                "open": c.open,
                "waived": c.waived,
            }
        when = _("as of %(time)s") % {"time": local_text(c.checked_at)} if c.checked_at else ""
        lines.append(
            f"{c.check_id} {_check_title(c.check_id)}: {judged}" + (f" ({when})" if when else "")
        )
    return "\n".join(lines)


def _assessment_text(row: Row) -> str:
    a = row.assessment
    parts = []
    if a is None:
        parts.append(_("No manual assessment"))
    else:
        parts.append(f"{a.get_status_display()}: {a.justification or _('no justification given')}")
        if a.responsible:
            parts.append(_("Responsible: %(who)s") % {"who": a.responsible})
        if a.due_date:
            parts.append(_("Implement by: %(date)s") % {"date": a.due_date.isoformat()})
        if a.last_review:
            parts.append(_("Last review: %(date)s") % {"date": a.last_review.isoformat()})
        if a.next_review:
            overdue = a.next_review < timezone.localdate()
            parts.append(
                (_("Review overdue since %(date)s") if overdue else _("Next review: %(date)s"))
                % {"date": a.next_review.isoformat()}
            )
    if row.reason:
        parts.append(_(row.reason))  # a reason without values is a catalogue sentence
    return "\n".join(parts)


def _requirement_text(row: Row, language: str) -> str:
    req = row.requirement
    text = f"{req.ref} {req.title(language)}"
    if req.level:
        text += f" ({req.get_level_display()})"
    if req.role:
        text += f" [{req.role}]"
    return text


def _short(value, limit: int = 48) -> str:
    """A value short enough for a table cell (a hash or a long list would run over the column)."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _observed(finding: Finding) -> str:
    """The first evidence values, as the finding's page shows them (compliance.evidence_text)."""
    evidence = finding.evidence if isinstance(finding.evidence, dict) else {}
    items = sorted(evidence_rows(get_check(finding.check_id), evidence, raw_keys=True))
    shown = "; ".join(f"{k} = {_short(v)}" for k, v in items[:MAX_EVIDENCE_VALUES])
    if len(items) > MAX_EVIDENCE_VALUES:
        shown += " …"
    return shown


def _object_rows(groups: list[ObjectFindings], styles) -> list[list]:
    th, small = styles
    header = [
        _p(_("Object"), th),
        _p(_("Check"), th),
        _p(_("Finding and observed values"), th),
        _p(_("Open since"), th),
    ]
    table = [header]
    for group in groups:
        obj = f"{group.path}\n{ObjectType(group.object_type).label} · {group.external_id or '-'}"
        for f in group.findings:  # the object on every line: a page break never orphans one
            severity = Severity(f.severity).label if f.severity in Severity.values else f.severity
            waived = f" · {_('waived')}" if f.display_status == "waived" else ""
            table.append(
                [
                    _p(obj, small),
                    _p(f"{f.check_id} {_check_title(f.check_id)}\n{severity}{waived}", small),
                    _p(f"{f.message_text}\n{_observed(f)}", small),
                    _p(
                        f"{local_text(f.first_seen)}\n{_('last seen')} {local_text(f.last_seen)}",
                        small,
                    ),
                ]
            )
    return table


def _grid(rows: list[list], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.9, 0.93)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def compliance_pdf(
    report_rows: list[Row],
    findings: list[Finding],
    waivers: list[Waiver],
    *,
    language: str = "en",
    scope: str = "",
    target: str = "",
) -> bytes:
    language = "de" if language.startswith("de") else "en"
    with translation.override(language):
        return _build(report_rows, findings, waivers, language=language, scope=scope, target=target)


def _build(report_rows, findings, waivers, *, language, scope, target) -> bytes:
    font, bold = _fonts()
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName=font, fontSize=8, leading=10)
    th = ParagraphStyle("th", parent=body, fontName=bold)
    small = ParagraphStyle("small", parent=body, fontSize=7, leading=9)
    head = ParagraphStyle("head", parent=styles["Heading1"], fontName=bold)
    sub = ParagraphStyle("sub", parent=styles["Heading2"], fontName=bold)
    symbols = font != "Helvetica"  # Helvetica has no status symbols: words alone
    story = [
        _p(_("IT-Grundschutz-Check: audit report"), head),
        _p(
            _("Generated: %(time)s · Target object: %(target)s · Scope: %(scope)s")
            % {
                "time": local_text(timezone.now()),
                "target": target or _("the whole estate"),
                "scope": scope or _("all endpoints"),
            },
            body,
        ),
        _p(
            _(
                "Umsetzungsstatus per requirement: the manual assessment where one exists, never "
                "better than a failing automated check; evidence from the latest successful check "
                "run."
            ),
            small,
        ),
        Spacer(1, 4 * mm),
    ]
    catalogs = (
        (Catalog.M4349, _("M 4.349 and the measures it names")),
        (Catalog.SYS15, _("SYS.1.5 Virtualisation (IT-Grundschutz-Kompendium, Edition 2023)")),
    )
    for catalog, label in catalogs:
        story.append(_p(label, sub))
        table = [
            [
                _p(_("Requirement"), th),
                _p(_("Implementation status"), th),
                _p(_("Justification, responsible, dates"), th),
                _p(_("Evidence"), th),
            ]
        ]
        for row in (r for r in report_rows if r.requirement.catalog == catalog):
            symbol = f"{STATUS_SYMBOLS.get(row.status, '')} " if symbols else ""
            status = symbol + row.umsetzung
            if row.automated != row.status:
                status += "\n" + _("checks: %(status)s") % {"status": _status_word(row.automated)}
            table.append(
                [
                    _p(_requirement_text(row, language), body),
                    _p(status, body),
                    _p(_assessment_text(row), small),
                    _p(_evidence(row.checks), small),
                ]
            )
        story += [_grid(table, [70 * mm, 36 * mm, 61 * mm, 106 * mm]), Spacer(1, 6 * mm)]

    story.append(_p(_("Open findings per object"), sub))
    groups = findings_by_object(findings)
    if groups:
        story.append(
            _grid(_object_rows(groups, (th, small)), [75 * mm, 58 * mm, 105 * mm, 35 * mm])
        )
    else:
        story.append(_p(_("none"), body))
    story += [Spacer(1, 6 * mm), _p(_("Accepted risks (waivers)"), sub)]
    if waivers:
        table = [
            [
                _p(_("Check"), th),
                _p(_("Object or scope"), th),
                _p(_("Reason"), th),
                _p(_("Requested, approved"), th),
                _p(_("Until"), th),
            ]
        ]
        for w in waivers:
            table.append(
                [
                    _p(f"{w.check_id} {_check_title(w.check_id)}", small),
                    _p(w.object_name or w.get_scope_display(), small),
                    _p(w.reason, small),
                    _p(f"{w.created_by or '-'}, {w.approved_by or '-'}", small),
                    _p(local_text(w.expires_at, "date"), small),
                ]
            )
        story.append(_grid(table, [60 * mm, 60 * mm, 88 * mm, 40 * mm, 25 * mm]))
    else:
        story.append(_p(_("none"), body))
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=_("IT-Grundschutz-Check: audit report"),
        lang=language,
    ).build(story)
    return buffer.getvalue()


def _status_word(status: str) -> str:
    return str(UMSETZUNG.get(status, status))
