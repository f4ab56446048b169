"""The findings list's columns, declared once (portal.tables); drawn by templates/portal/_table.html.

The findings page and a requirement's page show them. The findings report (CSV and JSON,
compliance/reports/tabular.py) has its own, wider columns shared by both formats.
"""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from portal.tables import Column, Table
from portal.templatetags.portal_time import when

FINDINGS = Table(
    (
        Column("status", _l("Status"), template="compliance/cells/finding_status.html"),
        Column("check_id", _l("Check"), fmt=str),
        Column("severity", _l("Severity"), value=lambda f: f.get_severity_display(), fmt=str),
        Column("object", _l("Object"), template="compliance/cells/finding_object.html"),
        Column("endpoint", _l("Endpoint"), accessor="endpoint.name", fmt=str),
        # In the reader's language (compliance.messages); the CSV/JSON report keeps the English.
        Column("message", _l("Message"), accessor="message_text", fmt=str),
        Column("first_seen", _l("First seen"), fmt=when),
        Column("last_seen", _l("Last seen"), fmt=when),
    ),
    caption=_l("Findings"),
    empty=_l("No findings."),
)


def _select(finding, context) -> SafeString | str:
    """A checkbox of the findings' bulk form (security officers); none where nothing is to ask."""
    if finding.resolved_at is not None:
        return ""
    return format_html(
        '<input type="checkbox" form="finding-bulk" name="finding" value="{}" aria-label="{}">',
        finding.pk,
        _("Select %(check)s on %(object)s")
        % {"check": finding.check_id, "object": finding.object_name},
    )


# The same list with a checkbox in front of each row, for security officers (waiver requests).
FINDINGS_SELECTABLE = Table(
    (Column("select", _l("Select"), cell=_select), *FINDINGS.columns),
    caption=FINDINGS.caption,
    empty=FINDINGS.empty,
)
