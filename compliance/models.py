"""Compliance data: the requirement catalog, check settings, runs, findings, waivers, baselines."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.runs import RunBase

from .choices import (
    NEED_RANK,
    Catalog,
    Implementation,
    Level,
    Modal,
    ObjectType,
    ProtectionNeed,
    RequirementStatus,
    Resolution,
    Severity,
    Status,
    TargetKind,
    highest_need,
)
from .messages import localized


class Requirement(models.Model):
    """One requirement of a catalog (M 4.349 item, named measure, or SYS.1.5.Ax).

    Loaded from ``compliance/catalog/*.json`` by a data migration; never edited in the portal.
    A SYS.1.5 requirement has its sentences (:class:`RequirementSentence`); which checks test
    which sentence is :class:`CheckMapping`. Which M 4.349 item a check serves is the check's
    ``requirements=`` in the registry.
    """

    ref = models.CharField(max_length=40, unique=True)  # "M4349.SNAPSHOTS", "SYS.1.5.A3"
    catalog = models.CharField(max_length=16, choices=Catalog.choices, db_index=True)
    title_de = models.CharField(max_length=255)
    title_en = models.CharField(max_length=255)
    level = models.CharField(max_length=16, choices=Level.choices, blank=True)
    text = models.TextField(blank=True)
    note = models.TextField(blank=True)  # e.g. where a title is uncertain
    order = models.PositiveIntegerField(default=0)
    # The role the Kompendium names as responsible ("Planende"); empty where none is named.
    role = models.CharField(max_length=64, blank=True)
    # Withdrawn by the BSI ("ENTFALLEN"): listed, never assessed.
    withdrawn = models.BooleanField(default=False)

    class Meta:
        ordering = ["catalog", "order"]

    def __str__(self) -> str:
        return f"{self.ref} {self.title_en}"

    def title(self, language: str = "en") -> str:
        return self.title_de if language.startswith("de") else self.title_en


class RequirementSentence(models.Model):
    """One MUSS/SOLLTE/DARF NICHT sentence of a requirement, as the Kompendium words it.

    Numbered from 1 within its requirement in the order of the text; an auditor checks them
    one by one. Loaded with the catalog; never edited in the portal.
    """

    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="sentences")
    number = models.PositiveSmallIntegerField()
    modal = models.CharField(max_length=16, choices=Modal.choices)
    text = models.TextField()

    class Meta:
        ordering = ["requirement__order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["requirement", "number"], name="sentence_key")
        ]

    def __str__(self) -> str:
        return f"{self.requirement.ref} ({self.number})"


class CheckMapping(models.Model):
    """One line of the mapping: this check tests this sentence, and why (one sentence).

    Loaded from ``compliance/catalog/mapping.json``. A sentence no check tests has no line and
    is "not checked"; see docs/compliance.md, "Mapping".
    """

    sentence = models.ForeignKey(
        RequirementSentence, on_delete=models.CASCADE, related_name="mappings"
    )
    check_id = models.CharField(max_length=16, db_index=True)
    rationale = models.TextField()

    class Meta:
        ordering = ["sentence__requirement__order", "sentence__number", "check_id"]
        constraints = [
            models.UniqueConstraint(fields=["sentence", "check_id"], name="check_mapping_key")
        ]

    def __str__(self) -> str:
        return f"{self.sentence} <- {self.check_id}"


class CheckSetting(models.Model):
    """The parameters a security officer set for one check (defaults live in the registry)."""

    check_id = models.CharField(max_length=16, unique=True)
    parameters = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    updated_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.check_id


class CheckRun(RunBase):
    """One execution of the checks over one endpoint or all of them."""

    class Trigger(models.TextChoices):
        SYNC = "sync", _("after sync")
        SCHEDULE = "schedule", _("schedule")
        COMMAND = "command", _("management command")
        API = "api", "API"
        WEB = "web", _("browser")

    endpoint = models.ForeignKey(
        "inventory.Endpoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    requested_by = models.CharField(max_length=150, blank=True)
    # {"pass": n, "fail": n, ...} over every outcome of the run, plus opened / resolved.
    counts = models.JSONField(default=dict, blank=True)
    # Requirement status counts after the run ({"M4349": {"fulfilled": n, ...}}), for the trend.
    requirement_summary = models.JSONField(default=dict, blank=True)
    # Each requirement's status per endpoint after the run ({"12": {"SYS.1.5.A3": "partly"}}):
    # the next run compares against it to tell who is notified of a change (compliance.signals).
    requirement_states = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [
            # The dashboard reads the newest finished run's summary (compliance.tiles): a walk
            # down this index from the top instead of a scan of every run's JSON.
            models.Index(
                fields=["-finished_at", "-id"],
                condition=Q(status="succeeded"),
                name="checkrun_succeeded_newest",
            )
        ]

    def __str__(self) -> str:
        return f"check run #{self.pk} {self.status}"


class CheckResult(models.Model):
    """How many objects one check judged per status on one endpoint in one run.

    Passing objects are counted here rather than stored as findings one by one, so a run over
    10,000 VMs writes a handful of rows for the healthy majority (see docs/compliance.md).
    """

    run = models.ForeignKey(CheckRun, on_delete=models.CASCADE, related_name="results")
    endpoint = models.ForeignKey("inventory.Endpoint", on_delete=models.CASCADE, related_name="+")
    check_id = models.CharField(max_length=16, db_index=True)
    passed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    not_applicable = models.PositiveIntegerField(default=0)
    not_applicable_reason = models.CharField(max_length=255, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    # Evidence that lasts (append-only: a result is written once and never updated): the ids of
    # the objects that passed, as [first, last] ranges of consecutive ids, and what was observed
    # on each object that did not ({"o<id>": {"status", "message", "evidence", "path"}}; the
    # letter keeps the key a name, which JSON key lookups in SQL need). So the portal can
    # show that a given VM complied in a given run without a row per object and run.
    passed_ranges = models.JSONField(default=list, blank=True)
    observed = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["check_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "endpoint", "check_id"], name="result_key")
        ]

    def __str__(self) -> str:
        return f"{self.check_id} on {self.endpoint_id} in run {self.run_id}"

    @property
    def evaluated(self) -> int:
        return self.passed + self.failed + self.warnings + self.errors

    def outcome_of(self, object_id: int) -> dict | None:
        """What this run said of one object: its observation, a pass, or None (not judged)."""
        seen = self.observed.get(observed_key(object_id))
        if seen is not None:
            return seen
        if any(first <= object_id <= last for first, last in self.passed_ranges):
            return {"status": Status.PASS}
        return None


def observed_key(object_id: int) -> str:
    return f"o{object_id}"


def id_ranges(ids: list[int]) -> list[list[int]]:
    """Sorted ids as [first, last] runs of consecutive ids (objects are mostly made in bulk)."""
    ranges: list[list[int]] = []
    for value in sorted(ids):
        if ranges and value == ranges[-1][1] + 1:
            ranges[-1][1] = value
        else:
            ranges.append([value, value])
    return ranges


class Waiver(models.Model):
    """A security officer's accepted deviation: one check, one scope, a reason and an expiry.

    Whether it still holds is derived at read time from ``expires_at`` and ``revoked_at``.
    """

    class Scope(models.TextChoices):
        ENDPOINT = "endpoint", _("endpoint")
        CLUSTER = "cluster", _("cluster")
        OBJECT = "object", _("object")

    check_id = models.CharField(max_length=16, db_index=True)
    scope = models.CharField(max_length=16, choices=Scope.choices)
    endpoint = models.ForeignKey(
        "inventory.Endpoint", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    cluster = models.ForeignKey(
        "inventory.Cluster", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    object_type = models.CharField(max_length=16, choices=ObjectType.choices, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    object_name = models.CharField(max_length=255, blank=True)
    reason = models.TextField()
    expires_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    # Four eyes: a waiver is requested by one security officer and holds only once another
    # one approved it. Revoking one that was never approved rejects the request.
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.CharField(max_length=150, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=150, blank=True)
    revoke_reason = models.TextField(blank=True)  # required when revoking (page and API)
    # Set by the expiry task once it wrote the audit event (conditional update: once only).
    expiry_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"waiver {self.check_id} {self.scope} until {self.expires_at:%Y-%m-%d}"

    @staticmethod
    def active_q(prefix: str = "", now=None) -> Q:
        """The waivers in force: approved, not revoked, not expired (``prefix`` "waiver__")."""
        return Q(
            **{
                f"{prefix}approved_at__isnull": False,
                f"{prefix}revoked_at__isnull": True,
                f"{prefix}expires_at__gt": now or timezone.now(),
            }
        )

    def audit_label(self) -> str:
        """E.g. "waiver of VM-003 for VM web01" or "waiver of NET-003 for cluster prod"."""
        if self.object_name:
            subject = f"{self.get_object_type_display() or self.scope} {self.object_name}"
        elif self.cluster_id:
            subject = f"cluster {self.cluster.name}"
        elif self.endpoint_id:
            subject = f"endpoint {self.endpoint.name}"
        else:
            subject = "every object"
        return f"waiver of {self.check_id} for {subject}"

    @property
    def is_active(self) -> bool:
        return (
            self.approved_at is not None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked" if self.approved_at is not None else "rejected"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active" if self.approved_at is not None else "requested"

    def covers(
        self,
        *,
        check_id: str,
        endpoint_id: int,
        cluster_id: int | None,
        object_type: str,
        object_id: int,
    ) -> bool:
        if self.check_id != check_id:
            return False
        if self.scope == self.Scope.ENDPOINT:
            return self.endpoint_id == endpoint_id
        if self.scope == self.Scope.CLUSTER:
            return cluster_id is not None and self.cluster_id == cluster_id
        return self.object_type == object_type and self.object_id == object_id


PATH_SEPARATOR = " › "


def path_text(path: list[dict]) -> str:
    """A finding's path as people read it: the names from the endpoint to the object."""
    return PATH_SEPARATOR.join(str(segment.get("name", "")) for segment in path)


class FindingQuerySet(models.QuerySet):
    def open(self) -> FindingQuerySet:
        return self.filter(resolved_at__isnull=True)

    def waived(self, now=None) -> FindingQuerySet:
        return self.filter(Waiver.active_q("waiver__", now))

    def unwaived(self, now=None) -> FindingQuerySet:
        return self.exclude(Waiver.active_q("waiver__", now))


class Finding(models.Model):
    """A deviation one check found on one object, from first to last sight.

    Keyed by (check, object) while open; once resolved the row stays as history and a
    recurrence opens a new row.
    """

    check_id = models.CharField(max_length=16, db_index=True)
    endpoint = models.ForeignKey("inventory.Endpoint", on_delete=models.CASCADE, related_name="+")
    cluster = models.ForeignKey(
        "inventory.Cluster", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_type = models.CharField(max_length=16, choices=ObjectType.choices)
    object_id = models.BigIntegerField()
    object_name = models.CharField(max_length=255)
    # Where the object stands ("vc1 › Cluster A › esx01 › web01 › before-patch") and its
    # platform id (vCenter moref, Proxmox qemu/100): the object an administrator must fix.
    object_path = models.CharField(max_length=1000, blank=True)
    object_external_id = models.CharField(max_length=200, blank=True)
    # The same path as segments {type, id, name, external_id}, outermost first, for links.
    path = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, db_index=True)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    message = models.CharField(max_length=500)
    # The message's template and values ({"t": ..., "p": {...}}), so that pages show it in the
    # reader's language (compliance.messages); empty for findings written before or as plain text.
    message_args = models.JSONField(default=dict, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Why it was resolved: a deviation fixed, or only no longer seen (object gone, check off).
    resolution = models.CharField(max_length=16, choices=Resolution.choices, blank=True)
    first_run = models.ForeignKey(CheckRun, null=True, on_delete=models.SET_NULL, related_name="+")
    last_run = models.ForeignKey(CheckRun, null=True, on_delete=models.SET_NULL, related_name="+")
    waiver = models.ForeignKey(
        Waiver, null=True, blank=True, on_delete=models.SET_NULL, related_name="findings"
    )

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["check_id", "object_type", "object_id"],
                condition=Q(resolved_at__isnull=True),
                name="finding_open_key",
            )
        ]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.check_id} {self.object_type} {self.object_name}: {self.status}"

    @property
    def is_waived(self) -> bool:
        return self.waiver_id is not None and self.waiver.is_active

    @property
    def message_text(self) -> str:
        """The message in the active language (the stored English text where none fits)."""
        return localized(self.message, self.message_args)

    @property
    def display_status(self) -> str:
        if self.resolved_at is not None:
            return "resolved"
        return "waived" if self.is_waived else self.status


class Baseline(models.Model):
    """The configuration of a host or VM that an officer or administrator approved (M 4.93).

    Approving again adds a row and marks the previous one superseded, so the history stays.
    """

    endpoint = models.ForeignKey("inventory.Endpoint", on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=16, choices=ObjectType.choices)
    object_id = models.BigIntegerField()
    object_name = models.CharField(max_length=255)
    config_hash = models.CharField(max_length=64)
    config = models.JSONField(default=dict, blank=True)
    approved_by = models.CharField(max_length=150)
    approved_at = models.DateTimeField(default=timezone.now)
    comment = models.CharField(max_length=500, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-approved_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "object_id"],
                condition=Q(superseded_at__isnull=True),
                name="baseline_current",
            )
        ]

    def __str__(self) -> str:
        return f"baseline {self.object_type} {self.object_name} {self.config_hash[:12]}"


PROTECTION_GOALS = ("confidentiality", "integrity", "availability")


class TargetObject(models.Model):
    """A Zielobjekt of the Grundschutz-Check: the estate, an endpoint, a cluster or tagged VMs.

    Each has its Schutzbedarf (protection need) per protection goal. A cluster target also
    stores its cluster's endpoint, and a tag target may be limited to one endpoint, so object
    scopes narrow targets like every other list (the estate and a tag group over all
    endpoints are not inside any scope). A tag matches the ``tags`` a VM carries on its
    platform (Proxmox VE ``tag``, vSphere ``Category:Tag``; a VM whose tags could not be read
    is covered by none; see docs/compliance.md, "Target objects").
    """

    kind = models.CharField(max_length=16, choices=TargetKind.choices)
    name = models.CharField(max_length=255)
    endpoint = models.ForeignKey(
        "inventory.Endpoint", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    cluster = models.ForeignKey(
        "inventory.Cluster", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    tag = models.CharField(max_length=100, blank=True)
    confidentiality = models.CharField(
        max_length=16, choices=ProtectionNeed.choices, default=ProtectionNeed.NORMAL
    )
    integrity = models.CharField(
        max_length=16, choices=ProtectionNeed.choices, default=ProtectionNeed.NORMAL
    )
    availability = models.CharField(
        max_length=16, choices=ProtectionNeed.choices, default=ProtectionNeed.NORMAL
    )
    # Why the officer set this protection need (BSI-Standard 200-2 asks for the reasoning).
    need_justification = models.TextField(blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind=TargetKind.ESTATE), name="target_one_estate"
            ),
            models.UniqueConstraint(
                fields=["endpoint"],
                condition=Q(kind=TargetKind.ENDPOINT),
                name="target_endpoint_once",
            ),
            models.UniqueConstraint(
                fields=["cluster"], condition=Q(kind=TargetKind.CLUSTER), name="target_cluster_once"
            ),
            models.UniqueConstraint(
                fields=["tag"],
                condition=Q(kind=TargetKind.TAG, endpoint__isnull=True),
                name="target_tag_once",
            ),
            models.UniqueConstraint(
                fields=["tag", "endpoint"],
                condition=Q(kind=TargetKind.TAG, endpoint__isnull=False),
                name="target_tag_endpoint_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"

    def audit_label(self) -> str:
        return f"target object {self.name} ({self.kind})"

    def needs(self) -> dict[str, str]:
        """Its own protection need per goal (without what it inherits)."""
        return {goal: getattr(self, goal) for goal in PROTECTION_GOALS}

    @property
    def protection_need(self) -> str:
        """Its own overall protection need: the highest of the three goals."""
        return highest_need(self.needs().values())

    @property
    def elevated(self) -> bool:
        return NEED_RANK[self.protection_need] > 0


class AssessmentContent(models.Model):
    """What an officer documents for a requirement and a target: the assessment holds it now,
    each of its versions holds it as it was saved."""

    status = models.CharField(max_length=16, choices=Implementation.choices)
    justification = models.TextField(blank=True)
    responsible = models.CharField(max_length=150, blank=True)
    due_date = models.DateField(null=True, blank=True)  # Realisierungsplan: done by
    last_review = models.DateField(null=True, blank=True)
    next_review = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True


class Assessment(AssessmentContent):
    """The officer's documented Umsetzungsstatus of one requirement for one target object.

    The current state; every change appends an :class:`AssessmentVersion` (with the diff) and
    writes an audit event, both in the same transaction
    (``compliance.services.assessments.assessment_save``).
    """

    requirement = models.ForeignKey(
        Requirement, on_delete=models.CASCADE, related_name="assessments"
    )
    target = models.ForeignKey(TargetObject, on_delete=models.CASCADE, related_name="assessments")
    version = models.PositiveIntegerField(default=1)
    updated_by = models.CharField(max_length=150)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["requirement__order", "target_id"]
        constraints = [
            models.UniqueConstraint(fields=["requirement", "target"], name="assessment_key")
        ]

    def __str__(self) -> str:
        return f"{self.requirement.ref} for {self.target.name}: {self.status}"

    def audit_label(self) -> str:
        return f"assessment of {self.requirement.ref} for {self.target.name}"

    def review_due(self, today=None) -> bool:
        """True once the date of the next review has passed."""
        today = today or timezone.localdate()
        return self.next_review is not None and self.next_review < today


ASSESSMENT_FIELDS = tuple(field.name for field in AssessmentContent._meta.local_fields)


class AssessmentVersion(AssessmentContent):
    """One version of an assessment as it was saved: append-only, never updated or deleted.

    ``changes`` holds the fields that changed from the version before, ``{field: [before,
    after]}`` (dates as ISO text; the first version has ``before`` null).
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    changes = models.JSONField(default=dict, blank=True)
    changed_by = models.CharField(max_length=150)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assessment_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "version"], name="assessment_version")
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} v{self.version}"


__all__ = [
    "Assessment",
    "AssessmentVersion",
    "Baseline",
    "CheckMapping",
    "CheckResult",
    "CheckRun",
    "CheckSetting",
    "Finding",
    "Requirement",
    "RequirementSentence",
    "RequirementStatus",
    "TargetObject",
    "Waiver",
]
