"""Check runs limited to what changed since the previous run over an endpoint (issue 17).

An incremental sync stores a few changed objects; running every check over every object after
each one would undo what the change feed saves. A run with ``scope="changed"`` (queued by the
after-sync receiver for a partial change set) judges only:

- the objects of each check's target that were written since the *base* (the previous
  successful run over the endpoint: its results are the latest per check), i.e. whose
  ``last_seen`` is at or after ``since`` (the upsert writes ``last_seen`` only on rows that
  changed, so an unchanged object keeps it); an object written since is judged whatever wrote it;
- every object, for a check that reads an input which changed since (other objects' kinds, host
  samples, baselines, its own parameters or waivers), or that reads the clock, the Grundschutz
  target objects or the console history (which have no change times): "wide" checks;
- every object whose stored observation names a path that is no longer its path (an ancestor was
  renamed or moved).

Every other object keeps the outcome its base result recorded (pass, observation or not
applicable): its inputs did not change, so judging it again would give the same. The run writes,
per check, a whole result (counts, passed ids and observations over *all* objects) from the
outcomes judged now and those kept, so the requirement statuses equal those of a full run and
never count an object that no run judged with its current inputs. Findings of objects not judged
are left as they are (their ``last_seen`` and ``last_run`` say when they were last judged); the
findings of removed objects are resolved.

Which inputs a check reads is not declared by hand: :func:`check_reads` reads the source of the
check's function and of the functions of ``compliance.checks`` it names, and collects every
``ctx.<attribute>``; tests/compliance/test_limited_runs.py runs every check through a recording
context and fails if a check reads an attribute the scan missed. When there is no base (no run
yet, a check without a result) the check is wide; when nothing can be carried the run is a full one.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db.models import Min, Q

from inventory.models import Endpoint, SyncRun, UtilizationSample

from ..checks.context import TARGET_MODELS, InventoryContext
from ..checks.registry import CheckSpec
from ..choices import ObjectType, Status
from ..models import Baseline, CheckResult, CheckSetting, Waiver, observed_key, path_text

# Inputs that are not inventory objects.
TIME, SAMPLES, CONSOLE, BASELINES, TARGETS = "time", "samples", "console", "baselines", "targets"
EVERYTHING = "*"  # an attribute not listed below: treat the check as reading everything

# What the check reads through each attribute of the InventoryContext.
ATTRIBUTE_INPUTS: dict[str, frozenset[str]] = {
    "traits": frozenset(),  # the endpoint's platform: fixed for an endpoint
    "endpoint": frozenset(),
    "now": frozenset({TIME}),
    "host": frozenset({ObjectType.HOST}),
    "cluster": frozenset({ObjectType.CLUSTER}),
    "vm": frozenset({ObjectType.VM}),
    "host_by_external_id": frozenset({ObjectType.HOST}),
    "vms_by_host": frozenset({ObjectType.VM}),
    "hosts_by_cluster": frozenset({ObjectType.HOST}),
    "snapshots_by_vm": frozenset({ObjectType.SNAPSHOT}),
    "nics_by_host": frozenset({ObjectType.NIC}),
    "switches_by_host": frozenset({ObjectType.SWITCH}),
    "networks_by_switch": frozenset({ObjectType.NETWORK}),
    "distributed_switches": frozenset({ObjectType.SWITCH}),
    "uplinks_by_host": frozenset({ObjectType.SWITCH, ObjectType.HOST}),
    "accounts_by_endpoint": frozenset({ObjectType.ACCOUNT}),
    "host_net_sample": frozenset({SAMPLES}),
    "vm_net_sample": frozenset({SAMPLES}),
    "host_load_history": frozenset({SAMPLES, TIME}),
    "console_sessions_by_vm": frozenset({CONSOLE}),
    "console_history": frozenset({CONSOLE}),
    "baselines": frozenset({BASELINES}),
    "targets": frozenset({TARGETS}),
    "path_of": frozenset({ObjectType.CLUSTER, ObjectType.HOST, ObjectType.VM, ObjectType.SWITCH}),
    "cluster_id_of": frozenset({ObjectType.HOST, ObjectType.VM}),
}
# Inputs without a change time: a check reading one judges every object at every run.
ALWAYS_CHANGED = frozenset({TIME, CONSOLE, TARGETS, EVERYTHING})

# Clocks of workers and database differ a little; a sync's rows carry the time it started.
CLOCK_MARGIN = dt.timedelta(minutes=2)

_CTX_ATTRIBUTE = re.compile(r"\bctx\.(\w+)")
_NAME = re.compile(r"\b([A-Za-z_]\w*)\b")
_DYNAMIC = re.compile(r"getattr\(\s*ctx\b|\bvars\(\s*ctx\b|ctx\.__dict__")


def _reads(func: Any, seen: set[Any]) -> set[str]:
    if func in seen:
        return set()
    seen.add(func)
    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        return {EVERYTHING}
    reads = set(_CTX_ATTRIBUTE.findall(source))
    if _DYNAMIC.search(source):
        reads.add(EVERYTHING)
    names = getattr(func, "__globals__", {})
    for name in set(_NAME.findall(source)):
        other = names.get(name)
        if (
            inspect.isfunction(other)
            and other.__module__.startswith("compliance.checks")
            and other.__module__ not in ("compliance.checks.registry", "compliance.checks.context")
        ):
            reads |= _reads(other, seen)
    return reads


@cache
def check_reads(check_id: str, func: Any) -> frozenset[str]:
    """The attributes of the context the check's function and its helpers read (source scan)."""
    return frozenset(_reads(func, set()))


def check_inputs(spec: CheckSpec) -> frozenset[str]:
    inputs: set[str] = set()
    for attribute in check_reads(spec.id, spec.func):
        inputs |= ATTRIBUTE_INPUTS.get(attribute, {EVERYTHING})
    return frozenset(inputs)


@dataclass
class Limit:
    """What a run over one endpoint judges again and what it keeps from its base results."""

    endpoint_id: int
    base_run_id: int
    since: dt.datetime
    base: dict[str, CheckResult]  # check id -> the latest result the run carries from
    changed: dict[str, set[int]]  # target -> present objects written since
    inputs_changed: frozenset[str]
    wide: set[str] = field(default_factory=set)  # checks that judge every object
    judged: int = 0
    carried: int = 0
    # Filled by the run: the objects judged per check, the observations kept per check.
    judged_ids: dict[str, set[int]] = field(default_factory=dict)
    kept_observed: dict[str, dict[str, Any]] = field(default_factory=dict)
    _passed: dict[str, set[int]] = field(default_factory=dict)

    def judges_all(self, spec: CheckSpec) -> bool:
        return spec.id in self.wide

    def kept(self, spec: CheckSpec, obj: Any, ctx: InventoryContext) -> tuple[str, Any] | None:
        """The base outcome of ``obj`` (status, observation or None), or None: judge it."""
        if spec.id in self.wide or obj.pk in self.changed.get(spec.target, ()):
            return None
        result = self.base[spec.id]
        seen = result.observed.get(observed_key(obj.pk))
        if seen is not None:
            if seen.get("path") != path_text(ctx.path_of(spec.target, obj))[:1000]:
                return None  # moved, or an ancestor renamed: the observation names a new path
            return seen["status"], seen
        if spec.id not in self._passed:
            self._passed[spec.id] = {
                pk for first, last in result.passed_ranges for pk in range(first, last + 1)
            }
        if obj.pk in self._passed[spec.id]:
            return Status.PASS, None
        if not result.not_applicable:
            return None  # the base judged no object not applicable: this one it did not judge
        return Status.NOT_APPLICABLE, result.not_applicable_reason

    def in_scope(self, finding: Any, ctx: InventoryContext) -> bool:
        """Whether the run decides about an open finding: its object was judged or is gone."""
        if finding.check_id in self.wide or finding.object_id in self.judged_ids.get(
            finding.check_id, ()
        ):
            return True
        if finding.object_type == ObjectType.ENDPOINT:
            return finding.object_id not in ctx.endpoints
        return finding.object_id not in ctx.by_id.get(finding.object_type, {})

    def counts(self) -> dict[str, Any]:
        return {
            "scope": "changed",
            "base_run": self.base_run_id,
            "judged": self.judged,
            "carried": self.carried,
            "wide_checks": len(self.wide),
        }


def _since(endpoint: Endpoint, base: Iterable[CheckResult]) -> dt.datetime:
    """The earliest moment a row the base runs did not see can carry (one query)."""
    start = min(r.run.started_at or r.run.queued_at for r in base)
    # A sync that was running when the base started wrote its rows with its own start time.
    overlapping = SyncRun.objects.filter(endpoint=endpoint, started_at__lt=start).filter(
        Q(finished_at__gte=start) | Q(finished_at__isnull=True)
    )
    earliest = overlapping.aggregate(first=Min("started_at"))["first"]
    return min(start, earliest or start) - CLOCK_MARGIN


def _inputs_changed(endpoint: Endpoint, ctx: InventoryContext, since: dt.datetime) -> set[str]:
    """The kinds of input that changed on the endpoint since ``since`` (a query per kind)."""
    changed = set(ALWAYS_CHANGED)
    for target, model in TARGET_MODELS.items():
        written = any(o.last_seen >= since for o in ctx.objects.get(target, ()))
        if written or model.objects.filter(endpoint=endpoint, absent_since__gte=since).exists():
            changed.add(target)
    if UtilizationSample.objects.filter(endpoint=endpoint, taken_at__gte=since).exists():
        changed.add(SAMPLES)
    if (
        Baseline.objects.filter(endpoint=endpoint)
        .filter(Q(approved_at__gte=since) | Q(superseded_at__gte=since))
        .exists()
    ):
        changed.add(BASELINES)
    return changed


def plan(
    endpoint: Endpoint, ctx: InventoryContext, settings_by_id: dict[str, CheckSetting]
) -> Limit | None:
    """The limit of a run over ``endpoint`` (None: nothing to carry from, judge everything).

    A fixed number of queries, whatever the size of the inventory.
    """
    from ..checks import all_checks
    from .status import _latest_results

    enabled = {
        spec.id
        for spec in all_checks()
        if spec.id not in settings_by_id or settings_by_id[spec.id].enabled
    }
    base = {r.check_id: r for r in _latest_results(endpoint.pk) if r.check_id in enabled}
    if not base:
        return None
    since = _since(endpoint, base.values())
    changed = {
        target: {o.pk for o in ctx.objects.get(target, ()) if o.last_seen >= since}
        for target in TARGET_MODELS
    }
    inputs = frozenset(_inputs_changed(endpoint, ctx, since))
    waived_checks = set(
        Waiver.objects.filter(
            Q(created_at__gte=since) | Q(approved_at__gte=since) | Q(revoked_at__gte=since)
        ).values_list("check_id", flat=True)
    )
    limit = Limit(
        endpoint_id=endpoint.pk,
        base_run_id=max(r.run_id for r in base.values()),
        since=since,
        base=base,
        changed=changed,
        inputs_changed=inputs,
    )
    for spec in all_checks():
        setting = settings_by_id.get(spec.id)
        if (
            spec.target == ObjectType.ENDPOINT  # one object; its evidence dates every sync
            or spec.id not in base
            or spec.id in waived_checks
            or (setting is not None and setting.updated_at >= since)
            or check_inputs(spec) & inputs
        ):
            limit.wide.add(spec.id)
    return limit
