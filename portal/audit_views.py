"""The audit trail page and its exports (CSV, JSON Lines), with the same filters and scope.

Filters: free text, actor, action (an exact action or its start: ``snapshot.`` ...), target
type, source, result and a time range (``since``/``until``: a date or an ISO date-time; without
a zone the portal's). The page shows local time with the zone's name and, per event, what
changed (``detail.changes``: ``{field: [before, after]}``) and a link to the target's page; the
exports carry every matching event with UTC times (``portal.timefmt``), streamed row by row.
A scoped reader gets exactly the events the page shows them (``visible_events``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .audit import audit
from .audit_links import target_url
from .csv_export import Column, stream_csv
from .models import AuditEvent
from .pages import paginate, query_without, role_required, sorted_queryset
from .roles import AUDITOR, SECURITY_OFFICER
from .security.audit_scope import visible_events
from .timefmt import parse_moment, utc_iso

TEXT_FILTERS = ("actor", "action", "target_type", "result", "source")
FILTERS = ("q", *TEXT_FILTERS, "since", "until")
EXPORT_LIMIT = 100_000  # events per export; narrow the time range for more


def filtered_events(user: Any, params: Any) -> tuple[QuerySet, dict[str, str]]:
    """The events ``user`` may read that match ``params``, and the errors of bad filters."""
    qs = visible_events(user, AuditEvent.objects.all())
    errors: dict[str, str] = {}
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(actor__icontains=q) | Q(action__icontains=q) | Q(target_repr__icontains=q))
    for name in TEXT_FILTERS:
        value = (params.get(name) or "").strip()
        if not value:
            continue
        if name == "action":
            qs = qs.filter(Q(action=value) | Q(action__startswith=value.rstrip(".") + "."))
        else:
            qs = qs.filter(**{name: value})
    moments = {}
    for name in ("since", "until"):
        value = (params.get(name) or "").strip()
        if not value:
            continue
        try:
            moments[name] = parse_moment(value, end=name == "until")
        except (ValueError, OverflowError):
            errors[name] = _("give a date (2026-11-30) or a date and time (2026-11-30T08:00Z)")
    if "since" in moments:
        qs = qs.filter(occurred_at__gte=moments["since"])
    if "until" in moments:
        qs = qs.filter(occurred_at__lt=moments["until"])
    if errors:
        qs = qs.none()
    return qs, errors


def changes_of(event: AuditEvent) -> list[tuple[str, Any, Any]]:
    """(field, before, after) per changed field the event carries, for the diff on the page.

    ``detail.changes`` as ``{field: [before, after]}``; a value the trail redacted (a secret)
    shows as redacted on both sides."""
    changes = event.detail.get("changes") if isinstance(event.detail, dict) else None
    if not isinstance(changes, dict):
        return []
    rows = []
    for field, pair in changes.items():
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            rows.append((field, pair[0], pair[1]))
        else:
            rows.append((field, pair, pair))
    return rows


@require_safe
@role_required(SECURITY_OFFICER, AUDITOR)
def audit_list(request: HttpRequest) -> HttpResponse:
    qs, errors = filtered_events(request.user, request.GET)
    qs, sort = sorted_queryset(
        request, qs, ["occurred_at", "actor", "action", "result"], "-occurred_at"
    )
    page = paginate(request, qs)
    for event in page:
        event.url = target_url(event.target_type, event.target_id)
        event.changes = changes_of(event)
    export_query = query_without(request, "page", "sort", "page_size")
    return render(
        request,
        "portal/audit_list.html",
        {
            "page": page,
            "sort": sort,
            "q": request.GET.get("q", "").strip(),
            "filters": {n: request.GET.get(n, "") for n in FILTERS},
            "errors": errors,
            "results": AuditEvent.Result.choices,
            "sources": AuditEvent.Source.choices,
            "base_query": query_without(request, "page"),
            "export_query": export_query,
        },
        status=400 if errors else 200,
    )


COLUMNS = (
    Column("occurred_at", lambda e: e.occurred_at),
    Column("actor", lambda e: e.actor),
    Column("actor_role", lambda e: e.actor_role),
    Column("source", lambda e: e.source),
    Column("source_address", lambda e: e.source_address),
    Column("action", lambda e: e.action),
    Column("target_type", lambda e: e.target_type),
    Column("target_id", lambda e: e.target_id),
    Column("target", lambda e: e.target_repr),
    Column("result", lambda e: e.result),
    Column("request_id", lambda e: e.request_id),
    Column("changes", lambda e: e.detail.get("changes") if isinstance(e.detail, dict) else None),
    Column("detail", lambda e: e.detail),
)


def _export(request: HttpRequest, fmt: str) -> HttpResponse:
    qs, errors = filtered_events(request.user, request.GET)
    if errors:
        text = "; ".join(f"{k}: {v}" for k, v in errors.items())
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    rows = qs.order_by("occurred_at", "id")[:EXPORT_LIMIT].iterator(chunk_size=2000)
    # Who took the trail with them, and which part of it (the filters).
    audit(
        action="audit.export",
        request=request,
        detail={"format": fmt} | {n: request.GET[n] for n in FILTERS if request.GET.get(n)},
    )
    if fmt == "csv":
        return stream_csv(rows, COLUMNS, "audit-trail")
    response = StreamingHttpResponse(_json_lines(rows), content_type="application/x-ndjson")
    response["Content-Disposition"] = 'attachment; filename="audit-trail.jsonl"'
    return response


def _json_lines(rows) -> Iterator[str]:
    for e in rows:
        yield (
            json.dumps(
                {
                    "id": e.pk,
                    "occurred_at": utc_iso(e.occurred_at),
                    "actor": e.actor,
                    "actor_role": e.actor_role,
                    "source": e.source,
                    "source_address": e.source_address,
                    "action": e.action,
                    "target_type": e.target_type,
                    "target_id": e.target_id,
                    "target": e.target_repr,
                    "result": e.result,
                    "request_id": e.request_id,
                    "detail": e.detail,
                },
                ensure_ascii=False,
                sort_keys=True,
                default=str,
            )
            + "\n"
        )


@require_safe
@role_required(SECURITY_OFFICER, AUDITOR)
def audit_export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


@require_safe
@role_required(SECURITY_OFFICER, AUDITOR)
def audit_export_jsonl(request: HttpRequest) -> HttpResponse:
    return _export(request, "jsonl")
