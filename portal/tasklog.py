"""The task log: sync runs, check runs, policy runs and snapshot operations in one list.

``portal`` knows no feature app: each app registers its kinds in ``AppConfig.ready()`` with
:func:`register_task_kind`. A provider gets the user (it narrows its queryset to the user's
scopes, like every list), the filters and a row limit, and answers with at most ``limit`` rows,
newest first, in one query. :func:`task_page` asks every kind once and merges: a page costs one
query per kind whatever the size of the estate or the page number (the rows fetched grow with
the page number, up to :data:`MAX_PAGE`; the queries do not).

No total is counted: a count over every kind would be one more query per kind, and "page 3 of
7" says little about a log that grows while it is read. A page says whether an older one exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from .registry import labelled
from .runs import ACTIVE_STATES, RunStatus
from .timefmt import parse_moment

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 20  # the rows fetched per kind grow with the page; older ones through the filters


@dataclass(frozen=True, slots=True)
class TaskRow:
    """One line of the task log: what ran, on what, for whom, how it went, and where to read more."""

    kind: str
    id: int
    title: str  # "sync of vc1", "create snapshot 'x' on VM web01 (vm-42) at vc1"
    endpoint: str  # the endpoint's name; "" for work over several (a policy, a check run of all)
    status: str  # queued, running, succeeded, failed
    who: str  # the user or system actor that asked; "" for the schedule
    trigger: str  # web, api, command, schedule, sync, policy ...
    queued_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: str
    url: str
    progress: str = ""  # while running: "reading VMs: 1,200" (inventory.services.progress)
    # What else the kind knows, as (label, value) pairs for the detail page and the API.
    facts: tuple[tuple[Any, Any], ...] = ()

    @classmethod
    def from_run(
        cls,
        kind: str,
        run: Any,
        *,
        title: str,
        endpoint: str,
        progress: str = "",
        facts: tuple[tuple[Any, Any], ...] = (),
    ) -> TaskRow:
        """The row of a run model (:class:`portal.runs.Run`: status, requester, trigger, times,
        error), linked to its page in the task log; the kind says the rest."""
        return cls(
            kind=kind,
            id=run.pk,
            title=title,
            endpoint=endpoint,
            status=run.status,
            who=run.requested_by,
            trigger=run.trigger,
            queued_at=run.queued_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
            error=run.error,
            url=reverse("task-detail", args=[kind, run.pk]),
            progress=progress,
            facts=facts,
        )

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATES

    @property
    def tone(self) -> str:
        return {RunStatus.SUCCEEDED: "ok", RunStatus.FAILED: "bad"}.get(self.status, "warn")


@dataclass(frozen=True, slots=True)
class TaskFilters:
    kind: str = ""
    status: str = ""
    endpoint: int | None = None
    who: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    id: int | None = None  # one row only (the detail page); never from the query string


Provider = Callable[[Any, TaskFilters, int], list[TaskRow]]
KINDS: dict[str, tuple[Any, Provider]] = {}


def register_task_kind(kind: str, label: Any) -> Callable[[Provider], Provider]:
    """Register ``func(user, filters, limit) -> list[TaskRow]`` (one query) as ``kind``."""
    return labelled(KINDS, kind, label)


class FilterError(ValueError):
    """Bad filter input; ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def parse_filters(params: Any) -> TaskFilters:
    """Filters from a query string; :class:`FilterError` naming each bad field."""
    errors: dict[str, str] = {}
    get = lambda name: (params.get(name) or "").strip()  # noqa: E731
    kind, status, endpoint_text = get("kind"), get("status"), get("endpoint")
    if kind and kind not in KINDS:
        errors["kind"] = _("choose one of: %(values)s") % {"values": ", ".join(sorted(KINDS))}
    if status and status not in RunStatus.values:
        errors["status"] = _("choose one of: %(values)s") % {"values": ", ".join(RunStatus.values)}
    endpoint = None
    if endpoint_text:
        if endpoint_text.isdigit() and len(endpoint_text) < 12:
            endpoint = int(endpoint_text)
        else:
            errors["endpoint"] = _("give an endpoint's id (a whole number)")
    moments: dict[str, dt.datetime | None] = {}
    for name in ("since", "until"):
        text = get(name)
        moments[name] = None
        if text:
            try:
                moments[name] = parse_moment(text, end=name == "until")
            except (ValueError, OverflowError):
                errors[name] = _("give a date (2026-11-30) or a date and time (2026-11-30T08:00Z)")
    if moments["since"] and moments["until"] and moments["since"] >= moments["until"]:
        errors["until"] = _("must lie after “since”")
    if errors:
        raise FilterError(errors)
    return TaskFilters(
        kind=kind,
        status=status,
        endpoint=endpoint,
        who=get("who")[:150],
        since=moments["since"],
        until=moments["until"],
    )


def parse_page(params: Any, default_size: int = PAGE_SIZE) -> tuple[int, int]:
    """(page, size) from ``?page=&page_size=``, kept within bounds."""
    try:
        page = int(params.get("page") or 1)
    except ValueError:
        page = 1
    try:
        size = int(params.get("page_size") or default_size)
    except ValueError:
        size = default_size
    return min(max(page, 1), MAX_PAGE), min(max(size, 10), MAX_PAGE_SIZE)


@dataclass(frozen=True, slots=True)
class TaskPage:
    rows: list[TaskRow]
    number: int
    size: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def live(self) -> bool:
        """Something on the page has not ended yet: worth updating live."""
        return any(row.active for row in self.rows)


def _order(row: TaskRow) -> tuple:
    return (row.queued_at, row.kind, row.id)


def task_page(user: Any, filters: TaskFilters, page: int = 1, size: int = PAGE_SIZE) -> TaskPage:
    """The rows of page ``page`` (newest first), one query per kind."""
    page = min(max(page, 1), MAX_PAGE)
    limit = page * size + 1
    rows: list[TaskRow] = []
    for kind, (_label, provider) in KINDS.items():
        if filters.kind and filters.kind != kind:
            continue
        rows.extend(provider(user, filters, limit))
    rows.sort(key=_order, reverse=True)
    start = (page - 1) * size
    return TaskPage(
        rows=rows[start : start + size],
        number=page,
        size=size,
        has_next=len(rows) > start + size and page < MAX_PAGE,
    )


def task_row(user: Any, kind: str, pk: int) -> TaskRow | None:
    """One row by kind and id, as the user may see it (None: unknown or outside the scope)."""
    if kind not in KINDS:
        return None
    rows = KINDS[kind][1](user, TaskFilters(id=pk), 1)
    return rows[0] if rows else None


def kind_choices() -> list[tuple[str, Any]]:
    return [(kind, label) for kind, (label, _provider) in KINDS.items()]


def run_filters(qs: Any, filters: TaskFilters, *, time: str, status: str, who: str) -> Any:
    """Apply the status, who and time filters to a queryset of one kind (the endpoint filter
    differs per kind and is the provider's)."""
    if filters.id is not None:
        qs = qs.filter(pk=filters.id)
    if filters.status:
        qs = qs.filter(**{status: filters.status})
    if filters.who:
        qs = qs.filter(**{f"{who}__iexact": filters.who})
    if filters.since:
        qs = qs.filter(**{f"{time}__gte": filters.since})
    if filters.until:
        qs = qs.filter(**{f"{time}__lt": filters.until})
    return qs


# The endpoint drop-down of the filters: inventory registers who may choose which endpoints.
EndpointChoices = Callable[[Any], list[tuple[int, str]]]
_ENDPOINT_CHOICES: list[EndpointChoices] = []


def register_endpoint_choices(func: EndpointChoices) -> EndpointChoices:
    """``func(user) -> [(id, name)]``: the endpoints ``user`` may filter by (in scope only)."""
    _ENDPOINT_CHOICES[:] = [func]
    return func


def endpoint_choices(user: Any) -> list[tuple[int, str]]:
    return _ENDPOINT_CHOICES[0](user) if _ENDPOINT_CHOICES else []
