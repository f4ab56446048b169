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


# Symbols so that a status reads without colour (dashboard, PDF).
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
