"""Status values shared by checks, findings, requirements and waivers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """What one check said about one object."""

    PASS = "pass", "pass"
    FAIL = "fail", "fail"
    WARNING = "warning", "warning"
    ERROR = "error", "error"
    NOT_APPLICABLE = "not_applicable", "not applicable"


class Resolution(models.TextChoices):
    """Why a finding is no longer open: a deviation fixed is not the same as one unseen."""

    FIXED = "fixed", "fixed"
    OBJECT_REMOVED = "object_removed", "object removed"
    CHECK_DISABLED = "check_disabled", "check switched off"
    NOT_APPLICABLE = "not_applicable", "no longer applicable"


class Severity(models.TextChoices):
    LOW = "low", "low"
    MEDIUM = "medium", "medium"
    HIGH = "high", "high"


class RequirementStatus(models.TextChoices):
    FULFILLED = "fulfilled", "fulfilled"
    PARTLY = "partly", "partly fulfilled"
    NOT_FULFILLED = "not_fulfilled", "not fulfilled"
    # Deviations remain, every one of them waived: accepted, not fixed (never "fulfilled").
    RISK_ACCEPTED = "risk_accepted", "risk accepted"
    NOT_CHECKED = "not_checked", "not checked"
    # A withdrawn requirement (SYS.1.5.A1, A18: "ENTFALLEN") is listed but never assessed.
    WITHDRAWN = "withdrawn", "withdrawn"


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

    ENDPOINT = "endpoint", "endpoint"
    CLUSTER = "cluster", "cluster"
    HOST = "host", "host"
    VM = "vm", "virtual machine"
    SNAPSHOT = "snapshot", "snapshot"
    DATASTORE = "datastore", "datastore"
    NIC = "nic", "physical NIC"
    SWITCH = "switch", "virtual switch"
    NETWORK = "network", "network"
    ACCOUNT = "account", "platform account"
