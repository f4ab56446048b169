"""Audit events to the SIEM: RFC 5424 syslog over TLS (RFC 5425) or UDP (RFC 5426).

The audit trail is append-only, so the queue is the trail itself: a :class:`SiemCursor` per
destination remembers the id of the last event the receiver confirmed, and :func:`drain` sends
everything after it, in id order, in batches. A receiver that is down leaves the cursor where
it is; the next drain (the ``portal.siem_drain`` task, on beat's schedule and kicked after each
audit event) starts from there again. Delivery is at least once and in order:

- TLS: one connection per batch; the batch counts as delivered when the receiver answers our
  TLS ``close_notify`` with its own, which it can only do after reading every record before it
  (rsyslog's and syslog-ng's TLS inputs do). A reset, timeout or a close without
  ``close_notify`` leaves the cursor, and the batch is sent again: the receiver may see an
  event twice, never a gap.
- UDP (only where asked): datagrams are not confirmed; the cursor moves once they are sent.

Ids are handed out when a row is inserted, not when its transaction commits: on PostgreSQL a
later id can become visible before an earlier one. A drain stops in front of such a gap and
waits ``SIEM_SYSLOG_GAP_SECONDS`` for it to fill (a rolled-back insert leaves a gap for good);
a gap given up on is remembered, and an event that still arrives in it is sent late, out of
order, rather than not at all.

Only one sender runs per destination: a drain claims the cursor's lease with a conditional
update (no transaction is held open while the network is slow) and renews it per batch.

Format (docs/integration.md, "Syslog / SIEM"):
``<PRI>1 TIMESTAMP HOSTNAME virtsec-portal - MSGID [virtsec@PEN eventId=".." ...] BOM MSG``
with facility 13 (log audit), severity notice (5) for a success and warning (4) for a failure
or denial, MSGID the action (32 characters at most), the structured data below and a readable
sentence as MSG. The details are scrubbed again (:func:`portal.audit.scrub`): no secret leaves.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Func, OuterRef, Q, Subquery
from django.utils import timezone

from .audit import scrub
from .models import AuditEvent, SiemCursor

log = logging.getLogger("portal.siem")

FACILITY_LOG_AUDIT = 13
SEVERITY = {
    AuditEvent.Result.SUCCESS: 5,  # notice
    AuditEvent.Result.FAILURE: 4,  # warning
    AuditEvent.Result.DENIED: 4,
}
APP_NAME = "virtsec-portal"
BOM = "\ufeff"
# The structured-data parameters, in the order they are written (docs/integration.md).
PARAMS = (
    "eventId",
    "occurredAt",
    "action",
    "actor",
    "role",
    "source",
    "address",
    "targetType",
    "targetId",
    "target",
    "outcome",
    "requestId",
    "detail",
)
UDP_MAX_OCTETS = 2048  # RFC 5426: what every receiver must accept
GAPS_KEPT = dt.timedelta(days=1)


class DeliveryError(Exception):
    """The receiver did not confirm a batch (it is sent again)."""


@dataclass(frozen=True)
class Destination:
    host: str
    port: int
    transport: str  # "tls" or "udp"
    ca_file: str = ""
    client_cert: str = ""
    client_key: str = ""
    timeout: float = 10.0

    @property
    def name(self) -> str:
        return f"{self.transport}://{self.host}:{self.port}"[:200]


def configured_destination() -> Destination | None:
    """The destination from the settings (``SIEM_SYSLOG_*``), or None when none is set."""
    if not settings.SIEM_SYSLOG_HOST:
        return None
    return Destination(
        host=settings.SIEM_SYSLOG_HOST,
        port=settings.SIEM_SYSLOG_PORT,
        transport=settings.SIEM_SYSLOG_TRANSPORT,
        ca_file=settings.SIEM_SYSLOG_CA_FILE,
        client_cert=settings.SIEM_SYSLOG_CLIENT_CERT,
        client_key=settings.SIEM_SYSLOG_CLIENT_KEY,
        timeout=settings.SIEM_SYSLOG_TIMEOUT,
    )


# --- Format -------------------------------------------------------------------------------


def _header_field(value: str, limit: int) -> str:
    """A header field: printable US-ASCII without spaces (RFC 5424, PRINTUSASCII), or ``-``."""
    clean = "".join(ch for ch in value if 33 <= ord(ch) <= 126)[:limit]
    return clean or "-"


def escape_param(value: str) -> str:
    """PARAM-VALUE escaping of RFC 5424 section 6.3.3: ``"``, ``\\`` and ``]``."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def _timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sd_params(event: AuditEvent) -> dict[str, str]:
    detail = scrub(event.detail) if event.detail else {}
    return {
        "eventId": str(event.pk),
        "occurredAt": _timestamp(event.occurred_at),
        "action": event.action,
        "actor": event.actor,
        "role": event.actor_role,
        "source": event.source,
        "address": event.source_address or "",
        "targetType": event.target_type,
        "targetId": event.target_id,
        "target": event.target_repr,
        "outcome": event.result,
        "requestId": event.request_id,
        "detail": json.dumps(detail, sort_keys=True, ensure_ascii=False, default=str)
        if detail
        else "",
    }


def message_text(event: AuditEvent) -> str:
    """The readable sentence after the structured data."""
    who = event.actor or "-"
    if event.actor_role:
        who += f" ({event.actor_role})"
    text = f"{who} {event.action} {event.result}"
    if event.target_repr or event.target_id:
        text += f": {event.target_repr or f'{event.target_type}:{event.target_id}'}"
    return text


def format_event(event: AuditEvent, *, limit: int | None = None) -> bytes:
    """One RFC 5424 message (without transport framing), UTF-8.

    Longer than ``limit`` (UDP), the readable sentence and then the details are left out; the
    other fields are bounded by their columns and always fit in 2048 octets.
    """
    pri = FACILITY_LOG_AUDIT * 8 + SEVERITY.get(event.result, 5)
    host = _header_field(settings.SIEM_SYSLOG_HOSTNAME or socket.getfqdn(), 255)
    msgid = _header_field(event.action, 32)
    sd_id = f"virtsec@{settings.SIEM_SYSLOG_ENTERPRISE_ID}"
    values = sd_params(event)

    def build(values: dict[str, str], text: str) -> bytes:
        params = " ".join(f'{k}="{escape_param(v)}"' for k, v in values.items())
        head = f"<{pri}>1 {_timestamp(event.occurred_at)} {host} {APP_NAME} - {msgid}"
        return f"{head} [{sd_id} {params}]{' ' + BOM + text if text else ''}".encode()

    message = build(values, message_text(event))
    if limit is not None and len(message) > limit:
        message = build(values, "")
    if limit is not None and len(message) > limit:
        message = build({**values, "detail": "(left out: too long for UDP)"}, "")
    return message


def octet_counted(message: bytes) -> bytes:
    """RFC 5425 / RFC 6587 octet-counting framing: ``LENGTH SP MESSAGE``."""
    return str(len(message)).encode("ascii") + b" " + message


# --- Transport ----------------------------------------------------------------------------


def tls_context(destination: Destination) -> ssl.SSLContext:
    """Verified TLS, always: the CA file given (else the system's), the host name checked."""
    context = ssl.create_default_context(cafile=destination.ca_file or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if destination.client_cert:
        context.load_cert_chain(destination.client_cert, destination.client_key or None)
    return context


def send_tls(destination: Destination, messages: list[bytes]) -> None:
    """Send one batch over one TLS connection and wait for the receiver's close_notify."""
    payload = b"".join(octet_counted(m) for m in messages)
    try:
        raw = socket.create_connection(
            (destination.host, destination.port), timeout=destination.timeout
        )
        with tls_context(destination).wrap_socket(raw, server_hostname=destination.host) as tls:
            tls.sendall(payload)
            # close_notify out, and back: the receiver has read everything before it.
            tls.unwrap()
    except (OSError, ssl.SSLError) as exc:
        raise DeliveryError(f"{exc.__class__.__name__}: {exc}") from None


def send_udp(destination: Destination, messages: list[bytes]) -> None:
    try:
        family = socket.getaddrinfo(destination.host, destination.port, type=socket.SOCK_DGRAM)
        af, _, _, _, address = family[0]
        with socket.socket(af, socket.SOCK_DGRAM) as sock:
            sock.settimeout(destination.timeout)
            for message in messages:
                sock.sendto(message, address)
    except OSError as exc:
        raise DeliveryError(f"{exc.__class__.__name__}: {exc}") from None


def send(destination: Destination, events: Iterable[AuditEvent]) -> None:
    if destination.transport == "udp":
        send_udp(destination, [format_event(e, limit=UDP_MAX_OCTETS) for e in events])
    else:
        send_tls(destination, [format_event(e) for e in events])


# --- The queue ----------------------------------------------------------------------------


def _claim(cursor: SiemCursor, owner: str) -> bool:
    """Take (or renew) the cursor's lease; False when another sender holds it."""
    now = timezone.now()
    lease = dt.timedelta(seconds=settings.SIEM_SYSLOG_TIMEOUT * 3 + 30)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=owner)
    return bool(
        SiemCursor.objects.filter(free, pk=cursor.pk).update(
            lease_until=now + lease, lease_owner=owner
        )
    )


def _release(cursor: SiemCursor, owner: str) -> None:
    SiemCursor.objects.filter(pk=cursor.pk, lease_owner=owner).update(
        lease_until=None, lease_owner=""
    )


def next_batch(cursor: SiemCursor, size: int) -> tuple[list[AuditEvent], list[int]]:
    """Events after the cursor, contiguous in id (late arrivals in remembered gaps first);
    and the ids of gaps given up on (skipped) in this batch."""
    late_ids = [gap[0] for gap in cursor.gaps]
    late = list(AuditEvent.objects.filter(pk__in=late_ids).order_by("pk")) if late_ids else []
    rows = list(AuditEvent.objects.filter(pk__gt=cursor.last_event_id).order_by("pk")[:size])
    batch, skipped = [], []
    # A new destination starts at the first event there is, wherever the ids begin.
    expected = cursor.last_event_id + 1 if cursor.last_event_id else (rows[0].pk if rows else 0)
    wait = dt.timedelta(seconds=settings.SIEM_SYSLOG_GAP_SECONDS)
    now = timezone.now()
    for event in rows:
        if event.pk != expected:
            # A gap: ids not (yet) visible. Wait for it unless the event after it is old.
            if now - event.occurred_at < wait:
                break
            skipped.extend(range(expected, event.pk))
        batch.append(event)
        expected = event.pk + 1
    return late + batch, skipped


def _advance(cursor: SiemCursor, batch: list[AuditEvent], skipped: list[int]) -> None:
    now = timezone.now()
    sent = {e.pk for e in batch}
    gaps = [g for g in cursor.gaps if g[0] not in sent and now - _parse(g[1]) < GAPS_KEPT]
    gaps += [[pk, now.isoformat()] for pk in skipped[:1000]]
    cursor.last_event_id = max([cursor.last_event_id, *(e.pk for e in batch)])
    cursor.gaps = gaps
    cursor.delivered_at = now
    cursor.error = ""
    cursor.failing_since = None
    SiemCursor.objects.filter(pk=cursor.pk).update(
        last_event_id=cursor.last_event_id,
        gaps=gaps,
        delivered_at=now,
        error="",
        failing_since=None,
    )


def _parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _failed(cursor: SiemCursor, error: str) -> None:
    now = timezone.now()
    SiemCursor.objects.filter(pk=cursor.pk).update(
        error=error[:500], failing_since=cursor.failing_since or now, attempted_at=now
    )


@dataclass
class DrainResult:
    sent: int = 0
    batches: int = 0
    error: str = ""
    busy: bool = False  # another sender holds the lease


def drain(destination: Destination | None = None, *, max_batches: int = 100) -> DrainResult:
    """Send what the destination has not confirmed yet, in order, until caught up."""
    destination = destination or configured_destination()
    result = DrainResult()
    if destination is None:
        return result
    cursor, _ = SiemCursor.objects.get_or_create(destination=destination.name)
    owner = secrets.token_hex(8)
    if not _claim(cursor, owner):
        result.busy = True
        return result
    try:
        for _ in range(max_batches):
            cursor.refresh_from_db()
            batch, skipped = next_batch(cursor, settings.SIEM_SYSLOG_BATCH)
            if not batch:
                break
            try:
                send(destination, batch)
            except DeliveryError as exc:
                result.error = str(exc)
                log.warning("SIEM %s: delivery failed: %s", destination.name, exc)
                _failed(cursor, result.error)
                break
            _advance(cursor, batch, skipped)
            result.sent += len(batch)
            result.batches += 1
            if not _claim(cursor, owner):  # renew; lost only if a batch outlived the lease
                break
    finally:
        _release(cursor, owner)
    return result


def backlog() -> list[dict]:
    """Per destination known: events not yet confirmed, last delivery, last error (1 query)."""
    after = AuditEvent.objects.filter(pk__gt=OuterRef("last_event_id")).order_by()
    pending = after.annotate(n=Func(F("id"), function="COUNT")).values("n")
    return [
        {
            "destination": c.destination,
            "pending": c.pending or 0,
            "delivered_at": c.delivered_at,
            "error": c.error,
            "failing_since": c.failing_since,
        }
        for c in SiemCursor.objects.annotate(pending=Subquery(pending)).order_by("destination")
    ]
