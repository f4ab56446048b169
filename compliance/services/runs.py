"""Running the checks: one CheckRun, findings keyed by (check, object) with their history."""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from inventory.models import Endpoint
from inventory.services.progress import ProgressReporter

from ..checks import all_checks, get_check
from ..checks.context import InventoryContext
from ..checks.registry import CheckSpec, Outcome
from ..choices import ObjectType, Resolution, Status
from ..events import findings_opened, requirement_status_changed
from ..models import (
    CheckResult,
    CheckRun,
    CheckSetting,
    Finding,
    Waiver,
    id_ranges,
    observed_key,
    path_text,
)
from .limited import Limit, plan

log = logging.getLogger("compliance.runs")

ISSUE_STATUSES = (Status.FAIL, Status.WARNING, Status.ERROR)
SCOPE_CHANGED = "changed"  # a run judging what changed since the previous one


@dataclass(slots=True)
class Observation:
    """A non-passing outcome of one check on one object, before it becomes a Finding row."""

    spec: CheckSpec
    endpoint_id: int
    cluster_id: int | None
    object_type: str
    object_id: int
    object_name: str
    outcome: Outcome
    path: list[dict[str, Any]]

    @property
    def object_path(self) -> str:
        return path_text(self.path)[:1000]

    @property
    def object_external_id(self) -> str:
        return str(self.path[-1]["external_id"])[:200] if self.path else ""


def _actor_name(actor: Any) -> str:
    if actor is None:
        return ""
    if isinstance(actor, str):
        return actor
    return actor.get_username() if getattr(actor, "is_authenticated", False) else ""


def check_run_create(
    *, endpoint: Endpoint | None, trigger: str, actor: Any = None, changed_only: bool = False
) -> CheckRun:
    """A queued run, for callers that hand the execution to a worker (API, after a sync).

    ``changed_only`` (one endpoint): judge only what changed since the previous run
    (compliance/services/limited.py); the run says so in its counts (``scope``).
    """
    return CheckRun.objects.create(
        endpoint=endpoint,
        trigger=trigger,
        requested_by=_actor_name(actor),
        counts={"scope": SCOPE_CHANGED} if changed_only and endpoint is not None else {},
    )


def evaluate(spec: CheckSpec, obj: Any, params: dict[str, Any], ctx: InventoryContext) -> Outcome:
    """Call one check; an exception on odd data becomes an ``error`` outcome for that object."""
    try:
        outcome = spec.func(obj, params, ctx)
        if not isinstance(outcome, Outcome):
            raise TypeError(f"check returned {type(outcome).__name__}, not an Outcome")
        return outcome
    except Exception as exc:
        log.warning("check %s raised on %s %s: %r", spec.id, spec.target, obj.pk, exc)
        return Outcome(
            Status.ERROR,
            f"The check could not judge this object: {type(exc).__name__}: {exc}"[:500],
            {"exception": type(exc).__name__, "detail": str(exc)[:300]},
        )


def run_all_checks(
    ctx: InventoryContext,
    settings_by_id: dict[str, CheckSetting],
    progress: Callable[[int, int], None] | None = None,
    limit: Limit | None = None,
):
    """Every enabled check over every object of ``ctx``.

    Returns the non-passing observations, the counts per (endpoint, check), the reasons for
    not applicable, and the ids of the objects that passed per (endpoint, check). ``progress``
    hears how many checks are done of how many, after each. With a ``limit``
    (compliance/services/limited.py) an object whose inputs did not change keeps its base
    outcome: it is counted, and its observation kept in ``limit.kept_observed``, unjudged.
    """
    observations: list[Observation] = []
    passed_ids: dict[tuple[int, str], list[int]] = defaultdict(list)
    counts: dict[tuple[int, str], Counter] = defaultdict(Counter)
    reasons: dict[tuple[int, str], str] = {}
    objects_by_endpoint: dict[str, dict[int, list[Any]]] = {}
    for target, objs in ctx.objects.items():
        grouped: dict[int, list[Any]] = defaultdict(list)
        for obj in objs:
            grouped[obj.pk if target == ObjectType.ENDPOINT else obj.endpoint_id].append(obj)
        objects_by_endpoint[target] = grouped
    checks = all_checks()
    for done, spec in enumerate(checks):
        if progress is not None:
            progress(done, len(checks))
        setting = settings_by_id.get(spec.id)
        if setting is not None and not setting.enabled:
            continue
        params = spec.effective(setting.parameters if setting else None)
        for endpoint_id, endpoint in ctx.endpoints.items():
            key = (endpoint_id, spec.id)
            counts[key]
            if endpoint.kind not in spec.platforms:
                counts[key][Status.NOT_APPLICABLE] += 1
                reasons[key] = spec.not_applicable_reason or f"Not applicable to {endpoint.kind}."
                continue
            judged = limit.judged_ids.setdefault(spec.id, set()) if limit else None
            for obj in objects_by_endpoint.get(spec.target, {}).get(endpoint_id, ()):
                if limit is not None:
                    kept = limit.kept(spec, obj, ctx)
                    if kept is not None:
                        _keep(limit, key, obj.pk, kept, counts, passed_ids, reasons)
                        continue
                    judged.add(obj.pk)
                    limit.judged += 1
                outcome = evaluate(spec, obj, params, ctx)
                counts[key][outcome.status] += 1
                if outcome.status == Status.PASS:
                    passed_ids[key].append(obj.pk)
                elif outcome.status == Status.NOT_APPLICABLE:
                    reasons.setdefault(key, outcome.message)
                elif outcome.status in ISSUE_STATUSES:
                    evidence = dict(outcome.evidence)
                    evidence["synced_at"] = (
                        obj.last_seen.isoformat()
                        if getattr(obj, "last_seen", None)
                        else (
                            endpoint.last_success_at.isoformat()
                            if endpoint.last_success_at
                            else None
                        )
                    )
                    if spec.params:
                        evidence.setdefault("parameters", params)
                    observations.append(
                        Observation(
                            spec=spec,
                            endpoint_id=endpoint_id,
                            cluster_id=ctx.cluster_id_of(spec.target, obj),
                            object_type=spec.target,
                            object_id=obj.pk,
                            object_name=str(obj)[:255],
                            outcome=Outcome(
                                outcome.status,
                                outcome.message[:500],
                                evidence,
                                outcome.severity,
                                outcome.text,
                            ),
                            path=ctx.path_of(spec.target, obj),
                        )
                    )
    if progress is not None:
        progress(len(checks), len(checks))
    return observations, counts, reasons, passed_ids


def _keep(
    limit: Limit,
    key: tuple[int, str],
    pk: int,
    kept: tuple[str, Any],
    counts: dict[tuple[int, str], Counter],
    passed_ids: dict[tuple[int, str], list[int]],
    reasons: dict[tuple[int, str], str],
) -> None:
    """Count a base outcome kept by a limited run as a full run counts the same outcome."""
    status, detail = kept
    counts[key][status] += 1
    limit.carried += 1
    if status == Status.PASS:
        passed_ids[key].append(pk)
    elif status == Status.NOT_APPLICABLE:
        if detail:
            reasons.setdefault(key, detail)
    else:
        limit.kept_observed.setdefault(key[1], {})[observed_key(pk)] = detail


def _observed_by_key(observations: list[Observation]) -> dict[tuple[int, str], dict[str, Any]]:
    """Each (endpoint, check)'s non-passing observations as the run keeps them."""
    observed: dict[tuple[int, str], dict[str, Any]] = defaultdict(dict)
    for obs in observations:
        observed[(obs.endpoint_id, obs.spec.id)][observed_key(obs.object_id)] = {
            "status": obs.outcome.status,
            "message": obs.outcome.message,
            "args": obs.outcome.text,
            "evidence": obs.outcome.evidence,
            "path": obs.object_path,
        }
    return observed


def matching_waiver(waivers: list[Waiver], obs: Observation) -> Waiver | None:
    for waiver in waivers:
        if waiver.covers(
            check_id=obs.spec.id,
            endpoint_id=obs.endpoint_id,
            cluster_id=obs.cluster_id,
            object_type=obs.object_type,
            object_id=obs.object_id,
        ):
            return waiver
    return None


def resolution_of(
    finding: Finding, ctx: InventoryContext, settings_by_id: dict[str, CheckSetting]
) -> str:
    """Why an open finding was not seen again: fixed, object removed, check off, or n/a.

    Re-judges the object (pure, from the context) only for the findings a run resolves.
    """
    setting = settings_by_id.get(finding.check_id)
    if setting is not None and not setting.enabled:
        return Resolution.CHECK_DISABLED
    spec = get_check(finding.check_id)
    if finding.object_type == ObjectType.ENDPOINT:
        obj = ctx.endpoints.get(finding.object_id)
    else:
        obj = ctx.by_id.get(finding.object_type, {}).get(finding.object_id)
    if obj is None:
        return Resolution.OBJECT_REMOVED
    endpoint = ctx.endpoints.get(finding.endpoint_id)
    if spec is None or endpoint is None or endpoint.kind not in spec.platforms:
        return Resolution.NOT_APPLICABLE
    params = spec.effective(setting.parameters if setting else None)
    if evaluate(spec, obj, params, ctx).status == Status.NOT_APPLICABLE:
        return Resolution.NOT_APPLICABLE
    return Resolution.FIXED


def store_findings(
    run: CheckRun,
    ctx: InventoryContext,
    observations: list[Observation],
    settings_by_id: dict[str, CheckSetting] | None = None,
    limit: Limit | None = None,
) -> tuple[dict[str, int], list[Finding]]:
    """Open, update and resolve findings in a fixed number of statements; return the counts
    and the findings opened. With a ``limit``, only the findings of the objects it judged
    and of removed objects are decided on; the others stay as they are."""
    now = timezone.now()
    settings_by_id = settings_by_id or {}
    open_findings = {
        (f.check_id, f.object_type, f.object_id): f
        for f in Finding.objects.open().filter(endpoint_id__in=list(ctx.endpoints))
        if limit is None or limit.in_scope(f, ctx)
    }
    waivers_by_check: dict[str, list[Waiver]] = defaultdict(list)
    for waiver in Waiver.objects.filter(Waiver.active_q(now=now)):
        waivers_by_check[waiver.check_id].append(waiver)
    created: list[Finding] = []
    changed: list[Finding] = []
    unchanged: list[Finding] = []
    for obs in observations:
        key = (obs.spec.id, obs.object_type, obs.object_id)
        waiver = matching_waiver(waivers_by_check.get(obs.spec.id, []), obs)
        finding = open_findings.pop(key, None)
        if finding is None:
            created.append(
                Finding(
                    check_id=obs.spec.id,
                    endpoint_id=obs.endpoint_id,
                    cluster_id=obs.cluster_id,
                    object_type=obs.object_type,
                    object_id=obs.object_id,
                    object_name=obs.object_name,
                    object_path=obs.object_path,
                    object_external_id=obs.object_external_id,
                    path=obs.path,
                    status=obs.outcome.status,
                    severity=obs.outcome.severity or obs.spec.severity,
                    message=obs.outcome.message,
                    message_args=obs.outcome.text,
                    evidence=obs.outcome.evidence,
                    first_seen=now,
                    last_seen=now,
                    first_run=run,
                    last_run=run,
                    waiver=waiver,
                )
            )
            continue
        before = [getattr(finding, f) for f in CONTENT_ATTRIBUTES]
        finding.status = obs.outcome.status
        finding.severity = obs.outcome.severity or obs.spec.severity
        finding.message = obs.outcome.message
        finding.message_args = obs.outcome.text
        finding.evidence = obs.outcome.evidence
        finding.object_name = obs.object_name
        finding.object_path = obs.object_path
        finding.object_external_id = obs.object_external_id
        finding.path = obs.path
        finding.cluster_id = obs.cluster_id
        if waiver is not None:  # an expired waiver stays linked; its expiry is read at display
            finding.waiver = waiver
        after = [getattr(finding, f) for f in CONTENT_ATTRIBUTES]
        (changed if after != before else unchanged).append(finding)
    Finding.objects.bulk_create(created)
    seen_ids = [f.pk for f in changed + unchanged]
    if seen_ids:
        Finding.objects.filter(pk__in=seen_ids).update(last_seen=now, last_run=run)
    _update_contents(changed)
    resolved: dict[str, list[int]] = defaultdict(list)
    for finding in open_findings.values():
        resolved[resolution_of(finding, ctx, settings_by_id)].append(finding.pk)
    for resolution, ids in resolved.items():  # at most one statement per reason
        Finding.objects.filter(pk__in=ids).update(
            resolved_at=now, last_run=run, resolution=resolution
        )
    return {
        "opened": len(created),
        "still_open": len(changed) + len(unchanged),
        "resolved": sum(len(ids) for ids in resolved.values()),
    }, created


def _announce(run: CheckRun, opened: list[Finding]) -> None:
    """After commit: the findings opened, and each requirement whose status on an endpoint
    changed since the previous run over that endpoint (one query per endpoint)."""
    before: dict[str, dict[str, str]] = {}
    for pk in run.requirement_states:
        earlier = (
            CheckRun.objects.filter(
                Q(endpoint_id=int(pk)) | Q(endpoint__isnull=True),
                status=CheckRun.Status.SUCCEEDED,
                pk__lt=run.pk,
            )
            .exclude(requirement_states={})
            .order_by("-pk")
            .values_list("requirement_states", flat=True)
            .first()
        )
        before[pk] = (earlier or {}).get(pk, {})
    changed = [
        (int(pk), ref, before[pk].get(ref, ""), status)
        for pk, statuses in run.requirement_states.items()
        for ref, status in statuses.items()
        if before[pk].get(ref, "") != status
    ]
    finding_ids = [f.pk for f in opened if f.pk is not None]

    def send() -> None:
        if finding_ids:
            findings_opened.send_robust(sender=CheckRun, run_id=run.pk, finding_ids=finding_ids)
        for endpoint_id, ref, was, now in changed:
            requirement_status_changed.send_robust(
                sender=CheckRun,
                run_id=run.pk,
                endpoint_id=endpoint_id,
                ref=ref,
                before=was,
                after=now,
            )

    transaction.on_commit(send)


# What a run rewrites on a finding still open (the object may have been renamed or moved).
CONTENT_FIELDS = [
    "status",
    "severity",
    "message",
    "message_args",
    "evidence",
    "object_name",
    "object_path",
    "object_external_id",
    "path",
    "cluster",
    "waiver",
]
CONTENT_ATTRIBUTES = [f if f not in ("cluster", "waiver") else f"{f}_id" for f in CONTENT_FIELDS]


def _update_contents(findings: list[Finding]) -> None:
    """Write the changed findings' contents in one statement.

    Django's bulk_update builds one CASE WHEN per row and field, which PostgreSQL evaluates per
    row: quadratic, minutes for 10,000 rows. UPDATE ... FROM (VALUES ...) is one linear join.
    """
    if not findings:
        return
    if connection.vendor != "postgresql":
        Finding.objects.bulk_update(findings, CONTENT_FIELDS)
        return
    rows = ", ".join(
        ["(%s, %s, %s, %s, %s::jsonb, %s::jsonb, %s, %s, %s, %s::jsonb, %s::bigint, %s::bigint)"]
        * len(findings)
    )
    params: list[Any] = []
    for f in findings:
        params += [
            f.pk,
            f.status,
            f.severity,
            f.message,
            json.dumps(f.message_args, cls=DjangoJSONEncoder),
            json.dumps(f.evidence, cls=DjangoJSONEncoder),
            f.object_name,
            f.object_path,
            f.object_external_id,
            json.dumps(f.path, cls=DjangoJSONEncoder),
            f.cluster_id,
            f.waiver_id,
        ]
    table = Finding._meta.db_table
    # Only placeholders and our own table name are formatted in; every value is a parameter.
    sql = (
        f'UPDATE "{table}" AS f SET status = v.status, severity = v.severity, message = v.message, '  # noqa: S608
        "message_args = v.message_args, evidence = v.evidence, object_name = v.object_name, object_path = v.object_path, "
        "object_external_id = v.object_external_id, path = v.path, cluster_id = v.cluster_id, "
        f"waiver_id = v.waiver_id FROM (VALUES {rows}) AS v(id, status, severity, message, message_args, evidence, "
        "object_name, object_path, object_external_id, path, cluster_id, waiver_id) "
        "WHERE f.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _milestone(report: ProgressReporter, done: int, total: int) -> None:
    """Write the checks' progress at each quarter: a fixed number of statements per run,
    however large the inventory and however long the run."""
    if total and done in {total * quarter // 4 for quarter in range(5)}:
        report("checks", done, total, now=True)


def check_run_execute(
    *,
    endpoint: Endpoint | None = None,
    trigger: str,
    actor: Any = None,
    run: CheckRun | None = None,
) -> CheckRun:
    """Run every enabled check over one endpoint (or all enabled ones) and record the result.

    Writes a CheckRun with status, counts and timing; opens findings for new deviations,
    refreshes the ones still seen and resolves the ones gone (resolved rows stay as history).
    The number of queries does not depend on the size of the inventory. A check that raises
    gives an ``error`` finding for that object; the run goes on. ``run`` is a queued run to
    execute (from :func:`check_run_create`).
    """
    from .status import BY_ENDPOINT, requirement_statuses, requirement_summary

    if run is None:
        run = check_run_create(endpoint=endpoint, trigger=trigger, actor=actor)
    endpoint = run.endpoint if endpoint is None else endpoint
    run.start()
    try:
        report = ProgressReporter(CheckRun, run.pk)
        report("loading", 0, now=True)
        ctx = InventoryContext.load([endpoint.pk] if endpoint is not None else None)
        settings_by_id = {s.check_id: s for s in CheckSetting.objects.all()}
        limit = None
        if run.counts.get("scope") == SCOPE_CHANGED and endpoint is not None:
            limit = plan(endpoint, ctx, settings_by_id)
        observations, counts, reasons, passed_ids = run_all_checks(
            ctx, settings_by_id, lambda done, total: _milestone(report, done, total), limit
        )
        report("recording", len(observations), now=True)  # the write is one transaction
        with transaction.atomic():
            changes, created = store_findings(run, ctx, observations, settings_by_id, limit)
            observed = _observed_by_key(observations)
            if limit is not None:
                for (_endpoint_id, check_id), seen in observed.items():
                    limit.kept_observed.setdefault(check_id, {}).update(seen)
                observed = {
                    (limit.endpoint_id, check_id): seen
                    for check_id, seen in limit.kept_observed.items()
                }
            CheckResult.objects.bulk_create(
                [
                    CheckResult(
                        run=run,
                        endpoint_id=endpoint_id,
                        check_id=check_id,
                        passed=c[Status.PASS],
                        failed=c[Status.FAIL],
                        warnings=c[Status.WARNING],
                        errors=c[Status.ERROR],
                        not_applicable=c[Status.NOT_APPLICABLE],
                        not_applicable_reason=reasons.get((endpoint_id, check_id), "")[:255],
                        synced_at=ctx.endpoints[endpoint_id].last_success_at,
                        passed_ranges=id_ranges(passed_ids.get((endpoint_id, check_id), [])),
                        observed=observed.get((endpoint_id, check_id), {}),
                    )
                    for (endpoint_id, check_id), c in counts.items()
                ]
            )
            totals: Counter = Counter()
            for c in counts.values():
                totals.update(c)
            run.finish(
                counts={
                    **{str(k): v for k, v in totals.items()},
                    **changes,
                    "endpoints": len(ctx.endpoints),
                    **(limit.counts() if limit is not None else {"scope": "all"}),
                }
            )
            # Per endpoint too: the trend of one endpoint, and of a user limited to it, reads
            # its own slice rather than the whole estate's (a few queries per endpoint).
            states = {pk: requirement_statuses(pk) for pk in sorted(ctx.endpoints)}
            run.requirement_summary = {
                **requirement_summary(),
                BY_ENDPOINT: {str(pk): requirement_summary(pk, s) for pk, s in states.items()},
            }
            run.requirement_states = {
                str(pk): {s.requirement.ref: s.status for s in listed}
                for pk, listed in states.items()
            }
            run.save(update_fields=["requirement_summary", "requirement_states"])
            _announce(run, created)
    except Exception as exc:
        log.exception("check run %s failed", run.pk)
        run.fail(f"{type(exc).__name__}: {exc}"[:2000])
    return run
