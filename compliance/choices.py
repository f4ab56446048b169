"""Status values shared by checks, findings, requirements and waivers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """What one check said about one object."""

    PASS = "pass", _("pass")
    FAIL = "fail", _("fail")
    WARNING = "warning", _("warning")
    ERROR = "error", _("error")
    NOT_APPLICABLE = "not_applicable", _("not applicable")


class Resolution(models.TextChoices):
    """Why a finding is no longer open: a deviation fixed is not the same as one unseen."""

    FIXED = "fixed", _("fixed")
    OBJECT_REMOVED = "object_removed", _("object removed")
    CHECK_DISABLED = "check_disabled", _("check switched off")
    NOT_APPLICABLE = "not_applicable", _("no longer applicable")


class Severity(models.TextChoices):
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")


class RequirementStatus(models.TextChoices):
    FULFILLED = "fulfilled", _("fulfilled")
    PARTLY = "partly", _("partly fulfilled")
    NOT_FULFILLED = "not_fulfilled", _("not fulfilled")
    # Deviations remain, every one of them waived: accepted, not fixed (never "fulfilled").
    RISK_ACCEPTED = "risk_accepted", _("risk accepted")
    NOT_CHECKED = "not_checked", _("not checked")
    # A withdrawn requirement (SYS.1.5.A1, A18: "ENTFALLEN") is listed but never assessed.
    WITHDRAWN = "withdrawn", _("withdrawn")


# Symbols so that a status reads without colour (pages, dashboard, trend chart, PDF): the one
# definition (templates use the ``status_symbol`` filter of ``compliance_status``).
STATUS_SYMBOLS = {
    RequirementStatus.FULFILLED: "✔",
    RequirementStatus.PARTLY: "◐",
    RequirementStatus.NOT_FULFILLED: "✖",
    RequirementStatus.RISK_ACCEPTED: "≈",
    RequirementStatus.NOT_CHECKED: "-",
    RequirementStatus.WITHDRAWN: "⊘",
    Status.PASS: "✔",
    Status.FAIL: "✖",
    Status.WARNING: "!",
    Status.ERROR: "⚠",
    Status.NOT_APPLICABLE: "-",
    "waived": "≈",
    "resolved": "✔",
}


class Catalog(models.TextChoices):
    M4349 = "M4349", "IT-Grundschutz M 4.349 (and the measures it names)"
    SYS15 = "SYS.1.5", "IT-Grundschutz-Kompendium SYS.1.5 Virtualisierung"


class Level(models.TextChoices):
    """Kompendium levels (Basis, Standard, erhöhter Schutzbedarf) and M 4.349's measures."""

    BASIS = "basis", _("basic")
    STANDARD = "standard", _("standard")
    HIGH = "high", _("elevated protection")
    MEASURE = "measure", _("measure")


class Modal(models.TextChoices):
    """The BSI's modal verbs of a requirement sentence, normalised to the singular."""

    MUSS = "MUSS", "MUSS"
    DARF_NUR = "DARF NUR", "DARF NUR"
    DARF_NICHT = "DARF NICHT", "DARF NICHT"
    SOLLTE = "SOLLTE", "SOLLTE"
    SOLLTE_NICHT = "SOLLTE NICHT", "SOLLTE NICHT"


class ObjectType(models.TextChoices):
    """The kinds of inventory object a finding can be about."""

    ENDPOINT = "endpoint", _("endpoint")
    CLUSTER = "cluster", _("cluster")
    HOST = "host", _("host")
    VM = "vm", _("virtual machine")
    SNAPSHOT = "snapshot", _("snapshot")
    DATASTORE = "datastore", _("datastore")
    NIC = "nic", _("physical NIC")
    SWITCH = "switch", _("virtual switch")
    NETWORK = "network", _("network")
    ACCOUNT = "account", _("platform account")


class Implementation(models.TextChoices):
    """Umsetzungsstatus of a requirement for a target object, as the officer documents it.

    The values are the BSI's words (the verinice export and the Prüfbericht use them as they are).
    """

    JA = "ja", _("yes")
    TEILWEISE = "teilweise", _("partly")
    NEIN = "nein", _("no")
    ENTBEHRLICH = "entbehrlich", _("dispensable")


class ProtectionNeed(models.TextChoices):
    """Schutzbedarf of one protection goal (BSI-Standard 200-2): normal, hoch, sehr hoch."""

    NORMAL = "normal", _("normal")
    HIGH = "high", _("high")
    VERY_HIGH = "very_high", _("very high")


# Ordering of the protection needs for the maximum principle.
NEED_RANK = {ProtectionNeed.NORMAL: 0, ProtectionNeed.HIGH: 1, ProtectionNeed.VERY_HIGH: 2}


def highest_need(needs) -> str:
    """The maximum of protection needs (an empty list is normal)."""
    return max(needs, key=lambda need: NEED_RANK[need], default=ProtectionNeed.NORMAL)


class TargetKind(models.TextChoices):
    """What a Zielobjekt (target object) of the Grundschutz-Check covers."""

    ESTATE = "estate", _("whole estate")
    ENDPOINT = "endpoint", _("endpoint")
    CLUSTER = "cluster", _("cluster")
    TAG = "tag", _("VMs by tag")


class EffectiveStatus(models.TextChoices):
    """What the portal states for a requirement and a target: the documented assessment and the
    automated result together (``compliance.services.assessments.effective_status``)."""

    FULFILLED = "fulfilled", _("fulfilled")
    PARTLY = "partly", _("partly fulfilled")
    NOT_FULFILLED = "not_fulfilled", _("not fulfilled")
    DISPENSABLE = "dispensable", _("dispensable")
    RISK_ACCEPTED = "risk_accepted", _("risk accepted")
    REVIEW_DUE = "review_due", _("review due")
    NOT_CHECKED = "not_checked", _("not checked")
    NOT_APPLICABLE = "not_applicable", _("not applicable (protection need normal)")
    WITHDRAWN = "withdrawn", _("withdrawn")


# Protection goals and needs as words inside a sentence (finding messages), translated when read.
GOAL_WORDS = {
    "confidentiality": _("confidentiality"),
    "integrity": _("integrity"),
    "availability": _("availability"),
}
NEED_WORDS = {value: label for value, label in ProtectionNeed.choices}

# A finding's display status (Finding.display_status) in words: its check status, or beyond it.
DISPLAY_STATUS_LABELS = {
    **{value: label for value, label in Status.choices},
    "waived": _("waived"),
    "open": _("open"),
    "resolved": _("resolved"),
}
