"""Liveness: the public ``/healthz`` and the detailed status for logged-in users."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from .access import public
from .models import Heartbeat, TaskOutcome

WORKER_STALE = dt.timedelta(seconds=90)


def database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, connection.vendor
    except Exception as exc:
        return False, exc.__class__.__name__


def broker_ok() -> tuple[bool, str]:
    from .celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
            return True, conn.transport_cls if isinstance(conn.transport_cls, str) else "embedded"
    except Exception as exc:
        return False, exc.__class__.__name__


@public
@require_GET
def healthz(request):
    """Public and minimal: up or not, nothing about the inside."""
    ok, _ = database_ok()
    return JsonResponse({"status": "up" if ok else "down"}, status=200 if ok else 503)


def full_status(*, details: bool = True) -> list[dict]:
    """The status rows; ``details=False`` (a scoped user) leaves task errors out: they may
    name objects outside the user's scope."""
    now = timezone.now()
    rows = []
    ok, info = database_ok()
    rows.append({"name": gettext("Database"), "ok": ok, "info": info})
    ok, info = broker_ok()
    broker = settings.CELERY_BROKER_URL.split("://")[0]
    rows.append({"name": gettext("Broker"), "ok": ok, "info": f"{broker} ({info})" if ok else info})
    workers = list(Heartbeat.objects.filter(kind="worker").order_by("-seen_at")[:10])
    alive = [w for w in workers if now - w.seen_at < WORKER_STALE]
    rows.append(
        {
            "name": gettext("Workers"),
            "ok": bool(alive),
            "info": ", ".join(f"{w.name} ({w.seen_at:%H:%M:%S})" for w in workers)
            or gettext("none seen"),
        }
    )
    beat = Heartbeat.objects.filter(kind="beat").order_by("-seen_at").first()
    rows.append(
        {
            "name": gettext("Beat (last tick)"),
            "ok": beat is not None and now - beat.seen_at < WORKER_STALE,
            "info": f"{beat.seen_at:%Y-%m-%d %H:%M:%S %Z}" if beat else gettext("never"),
        }
    )
    failing = list(TaskOutcome.objects.filter(ok=False).order_by("name"))
    rows.append(
        {
            "name": gettext("Periodic tasks"),
            "ok": not failing,
            "info": "; ".join(
                gettext("%(name)s failing since %(since)s (%(n)d in a row): %(error)s")
                % {
                    "name": o.name,
                    "since": f"{o.failing_since:%Y-%m-%d %H:%M:%S %Z}",
                    "n": o.failures,
                    "error": o.error if details else "…",
                }
                for o in failing
            )
            or gettext("no failure in their last runs"),
        }
    )
    if settings.SIEM_SYSLOG_HOST:
        rows.append(siem_row())
    return rows


def siem_row() -> dict:
    """The SIEM destination: how many audit events it has not confirmed, since when it fails."""
    from .siem import backlog, configured_destination

    name = configured_destination().name
    state = next((row for row in backlog() if row["destination"] == name), None)
    if state is None:
        return {"name": gettext("SIEM (syslog)"), "ok": True, "info": gettext("nothing sent yet")}
    info = gettext("%(destination)s: %(n)d events not confirmed") % {
        "destination": name,
        "n": state["pending"],
    }
    if state["failing_since"]:
        info += "; " + gettext("failing since %(since)s: %(error)s") % {
            "since": f"{state['failing_since']:%Y-%m-%d %H:%M:%S %Z}",
            "error": state["error"],
        }
    return {"name": gettext("SIEM (syslog)"), "ok": not state["failing_since"], "info": info}
