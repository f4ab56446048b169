"""Requirement status derived from the latest check results and the open findings.

Per check and endpoint the latest result says how many objects were judged; the open findings
(waived ones aside) say how many still deviate. A check is then

- ``ok``: objects judged, no open finding at all;
- ``waived``: open findings, every one of them under an active waiver (risk accepted);
- ``some``: unwaived open findings, but other objects passed or are waived;
- ``all``: unwaived open findings and nothing passed;
- ``off``: switched off by a security officer (its earlier results no longer count);
- ``none``: nothing judged (no run yet, not applicable).

A status never says more than was checked, and a deviation never reads as fulfilled:

- a requirement with a deviating check (``some``/``all``) is *not fulfilled* when every judged
  check is ``all``, else *partly fulfilled*, whatever else is off or waived;
- otherwise, a requirement with a check switched off is *not checked* for as long as it is off;
- otherwise *not checked* when nothing was judged, *fulfilled* when every judged check is ``ok``,
  and *risk accepted* when deviations remain that are all waived.

A SYS.1.5 requirement is judged per sentence: each sentence combines the checks mapped to it
(``CheckMapping``, one line per sentence and check with its rationale), and the requirement
combines the checks of all its sentences the same way. A sentence no check tests is *not
checked*; a withdrawn requirement (A1, A18) is *withdrawn*, never assessed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext

from ..checks import all_checks
from ..choices import Catalog, RequirementStatus
from ..models import (
    CheckMapping,
    CheckResult,
    CheckRun,
    CheckSetting,
    Finding,
    Requirement,
    RequirementSentence,
    Waiver,
)


@dataclass
class CheckState:
    check_id: str
    title: str
    state: str = "none"  # ok, waived, some, all, off, none
    evaluated: int = 0
    passed: int = 0
    open: int = 0
    waived: int = 0
    not_applicable: int = 0
    reason: str = ""
    checked_at: dt.datetime | None = None  # when the latest run that judged it finished


@dataclass
class MappedCheck:
    """One mapping line with the state of its check."""

    check: CheckState
    rationale: str


@dataclass
class SentenceState:
    sentence: RequirementSentence
    status: str
    mapped: list[MappedCheck] = field(default_factory=list)


@dataclass
class RequirementState:
    requirement: Requirement
    status: str
    checks: list[CheckState] = field(default_factory=list)
    # SYS.1.5: the M 4.349 items whose checks test it, and the state of every sentence.
    sources: list[str] = field(default_factory=list)
    sentences: list[SentenceState] = field(default_factory=list)

    @property
    def sentences_checked(self) -> int:
        return sum(1 for s in self.sentences if s.mapped)

    @property
    def open_findings(self) -> int:
        return sum(c.open for c in self.checks)


def _latest_results(
    endpoint_id: int | None, base: QuerySet[CheckResult] | None = None
) -> list[CheckResult]:
    # The run comes along (its finish time dates the evidence), without its large JSON columns.
    qs = (
        (CheckResult.objects.all() if base is None else base)
        .filter(run__status=CheckRun.Status.SUCCEEDED)
        .select_related("run")
        .defer("run__counts", "run__requirement_summary", "run__progress", "run__error")
    )
    if endpoint_id is not None:
        qs = qs.filter(endpoint_id=endpoint_id)
    if connection.vendor == "postgresql":
        return list(
            qs.order_by("endpoint_id", "check_id", "-run_id").distinct("endpoint_id", "check_id")
        )
    latest: dict[tuple[int, str], CheckResult] = {}
    for result in qs.order_by("endpoint_id", "check_id", "run_id"):
        latest[(result.endpoint_id, result.check_id)] = result
    return list(latest.values())


def check_states(
    endpoint_id: int | None = None,
    *,
    findings: QuerySet[Finding] | None = None,
    results: QuerySet[CheckResult] | None = None,
) -> dict[str, CheckState]:
    """The state of every registered check, over one endpoint or all of them (four queries).

    ``findings`` and ``results`` narrow the rows read (a user's object scopes, see
    ``compliance.scoping``); by default all of them are read.
    """
    now = timezone.now()
    findings = (Finding.objects.all() if findings is None else findings).open()
    if endpoint_id is not None:
        findings = findings.filter(endpoint_id=endpoint_id)
    active = Waiver.active_q("waiver__", now)
    open_counts = {
        row["check_id"]: row
        for row in findings.values("check_id").annotate(
            total=Count("id"), waived=Count("id", filter=active)
        )
    }
    switched_off = {
        s.check_id: s
        for s in CheckSetting.objects.filter(enabled=False).only(
            "check_id", "updated_by", "updated_at"
        )
    }
    states = {spec.id: CheckState(spec.id, spec.title) for spec in all_checks()}
    per_check: dict[str, Counter] = defaultdict(Counter)
    reasons: dict[str, str] = {}
    checked: dict[str, dt.datetime] = {}
    for result in _latest_results(endpoint_id, results):
        c = per_check[result.check_id]
        c["evaluated"] += result.evaluated
        c["passed"] += result.passed
        c["not_applicable"] += result.not_applicable
        if result.not_applicable_reason:
            reasons.setdefault(result.check_id, result.not_applicable_reason)
        finished = result.run.finished_at
        if finished and (result.check_id not in checked or finished > checked[result.check_id]):
            checked[result.check_id] = finished
    for check_id, state in states.items():
        if check_id in switched_off:
            setting = switched_off[check_id]
            state.state = "off"
            state.reason = gettext("switched off by %(user)s on %(date)s") % {
                "user": setting.updated_by or gettext("unknown"),
                "date": formats.date_format(setting.updated_at, "SHORT_DATE_FORMAT"),
            }
            continue
        c = per_check.get(check_id, Counter())
        row = open_counts.get(check_id, {"total": 0, "waived": 0})
        state.evaluated, state.passed = c["evaluated"], c["passed"]
        state.not_applicable, state.reason = c["not_applicable"], reasons.get(check_id, "")
        state.waived = row["waived"]
        state.checked_at = checked.get(check_id)
        state.open = row["total"] - row["waived"]
        if state.open:
            state.state = "some" if state.passed or state.waived else "all"
        elif state.waived:
            state.state = "waived"
        elif state.evaluated:
            state.state = "ok"
    return states


def combine(states: list[str]) -> str:
    """Fold check states into one requirement status (the rules in the module docstring)."""
    deviating = [s for s in states if s in ("some", "all")]
    if deviating:
        judged = [s for s in states if s in ("ok", "waived", "some", "all")]
        if all(s == "all" for s in judged):
            return RequirementStatus.NOT_FULFILLED
        return RequirementStatus.PARTLY
    if "off" in states:
        return RequirementStatus.NOT_CHECKED
    judged = [s for s in states if s in ("ok", "waived")]
    if not judged:
        return RequirementStatus.NOT_CHECKED
    if "waived" in judged:
        return RequirementStatus.RISK_ACCEPTED
    return RequirementStatus.FULFILLED


def requirement_statuses(
    endpoint_id: int | None = None,
    *,
    findings: QuerySet[Finding] | None = None,
    results: QuerySet[CheckResult] | None = None,
) -> list[RequirementState]:
    """Every requirement of both catalogs with its status, checks and (SYS.1.5) sources.

    ``findings`` and ``results`` narrow the rows read, as in :func:`check_states`.
    """
    states = check_states(endpoint_id, findings=findings, results=results)
    specs = all_checks()
    checks_by_ref: dict[str, list[CheckState]] = defaultdict(list)
    for spec in specs:
        for ref in spec.requirements:
            checks_by_ref[ref].append(states[spec.id])
    items_of = {spec.id: spec.requirements for spec in specs}
    requirements = list(
        Requirement.objects.prefetch_related("sentences__mappings").order_by("catalog", "order")
    )
    result: dict[str, RequirementState] = {}
    for req in requirements:
        if req.withdrawn:
            result[req.ref] = RequirementState(req, RequirementStatus.WITHDRAWN)
        elif req.catalog == Catalog.M4349:
            checks = checks_by_ref.get(req.ref, [])
            result[req.ref] = RequirementState(req, combine([c.state for c in checks]), checks)
        else:
            result[req.ref] = _sentence_state(req, states, items_of)
    return [result[r.ref] for r in requirements]


def _sentence_state(
    req: Requirement, states: dict[str, CheckState], items_of: dict[str, tuple[str, ...]]
) -> RequirementState:
    """A SYS.1.5 requirement from its sentences' mapping lines (checks no longer registered
    are left out)."""
    sentences = []
    checks: dict[str, CheckState] = {}
    for sentence in req.sentences.all():
        mapped = [
            MappedCheck(states[m.check_id], m.rationale)
            for m in sentence.mappings.all()
            if m.check_id in states
        ]
        sentences.append(SentenceState(sentence, combine([m.check.state for m in mapped]), mapped))
        checks.update({m.check.check_id: m.check for m in mapped})
    sources = sorted({ref for check_id in checks for ref in items_of.get(check_id, ())})
    return RequirementState(
        req,
        combine([c.state for c in checks.values()]),
        sorted(checks.values(), key=lambda c: c.check_id),
        sources,
        sentences,
    )


def sys15_check_ids(ref: str) -> list[str]:
    """The checks mapped to any sentence of a SYS.1.5 requirement (one query)."""
    return sorted(
        set(
            CheckMapping.objects.filter(sentence__requirement__ref=ref).values_list(
                "check_id", flat=True
            )
        )
    )


def contributions() -> dict[str, list[str]]:
    """M 4.349 ref -> the SYS.1.5 refs its checks test a sentence of (one query).

    Derived from the registry (a check's ``requirements=``) and the mapping lines, so it cannot
    drift from either.
    """
    sys15_of_check: dict[str, set[str]] = defaultdict(set)
    for check_id, ref in CheckMapping.objects.values_list("check_id", "sentence__requirement__ref"):
        sys15_of_check[check_id].add(ref)
    result: dict[str, set[str]] = defaultdict(set)
    for spec in all_checks():
        for item in spec.requirements:
            result[item] |= sys15_of_check.get(spec.id, set())
    number = lambda ref: int(ref.rsplit("A", 1)[1])  # noqa: E731
    return {item: sorted(refs, key=number) for item, refs in result.items()}


BY_ENDPOINT = "by_endpoint"  # key of the per-endpoint summaries in CheckRun.requirement_summary


def summary_of(stored: dict, endpoint_id: int | None = None) -> dict:
    """The requirement summary a run stored, overall or for one endpoint ({} if not stored)."""
    if endpoint_id is None:
        return {k: v for k, v in stored.items() if k != BY_ENDPOINT}
    return stored.get(BY_ENDPOINT, {}).get(str(endpoint_id), {})


def requirement_summary(
    endpoint_id: int | None = None, states: list[RequirementState] | None = None
) -> dict[str, dict[str, int]]:
    """Counts of requirement statuses per catalog, stored on each run for the trend chart
    (of ``states`` when given, already read by :func:`requirement_statuses`)."""
    summary: dict[str, Counter] = defaultdict(Counter)
    for state in requirement_statuses(endpoint_id) if states is None else states:
        summary[state.requirement.catalog][state.status] += 1
    return {catalog: dict(counts) for catalog, counts in summary.items()}
