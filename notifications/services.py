"""Recording events, planning their deliveries, attempting one delivery, collecting digests.

No Celery here: :mod:`notifications.receivers` and :mod:`notifications.tasks` queue the work.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from portal.roles import ROLES
from portal.security.models import ObjectScope

from .channels import DeliveryError, send
from .kinds import Channel, Digest, Kind
from .models import Delivery, Event, Subscription

log = logging.getLogger(__name__)

# A delivery still pending this long after its planned attempt lost its task (a worker died
# while holding it): the periodic sweep queues it again.
STALLED_AFTER = dt.timedelta(minutes=15)


def record(
    *,
    kind: str,
    key: str,
    subject: str,
    facts: list[list[str]],
    occurred_at: dt.datetime | None,
    link: str = "",
    endpoint_id: int | None = None,
    cluster_id: int | None = None,
    owner_id: int | None = None,
) -> list[int]:
    """Store the event once (by ``key``) with its deliveries; return the immediate ones' ids."""
    with transaction.atomic():
        if Event.objects.filter(key=key).exists():
            return []
        try:
            with transaction.atomic():
                event = Event.objects.create(
                    kind=kind,
                    key=key[:200],
                    subject=subject[:300],
                    facts=[[str(label), str(value)] for label, value in facts],
                    occurred_at=occurred_at or timezone.now(),
                    link=link[:500],
                    endpoint_id=endpoint_id,
                    cluster_id=cluster_id,
                    owner_id=owner_id,
                )
        except IntegrityError:  # the same report, recorded at the same moment elsewhere
            return []
        deliveries = Delivery.objects.bulk_create(plan(event))
    return [d.pk for d in deliveries if d.status == Delivery.Status.PENDING]


def record_many(kind: str, items: list[dict]) -> list[int]:
    """Store many events of one kind (each once, by its ``key``) with their deliveries, in a
    fixed number of queries however many there are (a check run that opens thousands of
    findings); return the immediate deliveries' ids. ``items`` hold :func:`record`'s fields."""
    if not items:
        return []
    with transaction.atomic():
        seen = set(
            Event.objects.filter(key__in=[i["key"][:200] for i in items]).values_list(
                "key", flat=True
            )
        )
        fresh = [i for i in items if i["key"][:200] not in seen]
        try:
            with transaction.atomic():
                events = Event.objects.bulk_create(
                    [
                        Event(
                            kind=kind,
                            key=i["key"][:200],
                            subject=i["subject"][:300],
                            facts=[[str(label), str(value)] for label, value in i["facts"]],
                            occurred_at=i.get("occurred_at") or timezone.now(),
                            link=i.get("link", "")[:500],
                            endpoint_id=i.get("endpoint_id"),
                            cluster_id=i.get("cluster_id"),
                            owner_id=i.get("owner_id"),
                        )
                        for i in fresh
                    ]
                )
        except IntegrityError:  # recorded at the same moment elsewhere: one by one, once each
            return [pk for i in fresh for pk in record(kind=kind, **i)]
        deliveries = Delivery.objects.bulk_create(plan_many(events))
    return [d.pk for d in deliveries if d.status == Delivery.Status.PENDING]


def _role_from(groups: list[str]) -> str:
    return next((r for r in ROLES if r in groups), "")


def plan(event: Event) -> list[Delivery]:
    """Who is told of ``event``, how and when (a fixed number of queries): :func:`plan_many`."""
    return plan_many([event])


def plan_many(events: list[Event]) -> list[Delivery]:
    """Who is told of each of ``events`` (all of one kind), how and when, in a fixed number of
    queries however many events there are.

    A user's own subscription wins over their role's; a snapshot's owner is told of its expiry
    at once unless they chose a digest. Only active users with a role and a mail address, and
    only when the event's object is inside their scopes; receivers get every event of the kinds
    they are subscribed to (only unscoped officers and administrators set them up).
    """
    if not events:
        return []
    kind = events[0].kind
    subs = list(Subscription.objects.filter(kind=kind).select_related("receiver"))
    chosen: dict[int, str] = {s.user_id: s.digest for s in subs if s.user_id}
    by_role = {s.role: s.digest for s in subs if s.role}
    User = get_user_model()
    candidates = User.objects.filter(is_active=True).exclude(email="").prefetch_related("groups")
    owners = {e.owner_id for e in events if e.owner_id}
    wanted = set(chosen) | owners
    if by_role:
        candidates = candidates.filter(Q(pk__in=wanted) | Q(groups__name__in=by_role)).distinct()
    else:
        candidates = candidates.filter(pk__in=wanted)
    users = list(candidates)
    scopes: dict[int, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for user_id, endpoint_id, cluster_id in ObjectScope.objects.filter(
        user_id__in=[u.pk for u in users]
    ).values_list("user_id", "endpoint_id", "cluster_id"):
        if endpoint_id:
            scopes[user_id][0].add(endpoint_id)
        if cluster_id:
            scopes[user_id][1].add(cluster_id)
    roles = {user.pk: _role_from([g.name for g in user.groups.all()]) for user in users}
    receivers = [sub for sub in subs if sub.receiver_id and sub.receiver.enabled]
    out: list[Delivery] = []
    for event in events:
        for user in users:
            role = roles[user.pk]
            if not role:
                continue
            digest = chosen.get(user.pk) or by_role.get(role)
            if (
                digest is None
                and user.pk == event.owner_id
                and event.kind == Kind.SNAPSHOT_EXPIRING
            ):
                digest = Digest.IMMEDIATE
            if digest is None or not in_scope(event, scopes.get(user.pk)):
                continue
            out.append(
                Delivery(
                    event=event,
                    channel=Channel.MAIL,
                    user=user,
                    address=user.email,
                    recipient=f"{user.get_username()} <{user.email}>"[:200],
                    digest=digest,
                    status=_first_status(digest),
                )
            )
        for sub in receivers:
            out.append(
                Delivery(
                    event=event,
                    channel=Channel.WEBHOOK,
                    receiver=sub.receiver,
                    recipient=f"webhook {sub.receiver.name}"[:200],
                    digest=sub.digest,
                    status=_first_status(sub.digest),
                )
            )
    return out


def in_scope(event: Event, scopes: tuple[set[int], set[int]] | None) -> bool:
    """True when a user with these (endpoint ids, cluster ids) may hear of the event."""
    if not scopes or not (scopes[0] or scopes[1]):
        return True  # no scopes: no limit
    endpoints, clusters = scopes
    return (event.endpoint_id in endpoints) or (
        event.cluster_id is not None and event.cluster_id in clusters
    )


def _first_status(digest: str) -> str:
    return Delivery.Status.PENDING if digest == Digest.IMMEDIATE else Delivery.Status.WAITING


def backoff(attempts: int) -> int:
    """Seconds before the next attempt after ``attempts`` failed ones: base, 2x, 4x, ..."""
    return settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)


def attempt(delivery_id: int) -> int | None:
    """Try one delivery once; return the seconds until the next try, or None when done."""
    delivery = (
        Delivery.objects.filter(pk=delivery_id).select_related("event", "receiver", "user").first()
    )
    if delivery is None or delivery.status not in (
        Delivery.Status.PENDING,
        Delivery.Status.RETRYING,
    ):
        return None  # sent, failed or still waiting for its digest: nothing to do (idempotent)
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    fields = ["attempts", "last_attempt_at", "status", "last_error", "next_attempt_at", "sent_at"]
    try:
        send(delivery, events_of(delivery))
    except DeliveryError as exc:
        delivery.last_error = str(exc)[:2000]
        log.warning("notification delivery %s failed (attempt %s): %s", delivery.pk,
                    delivery.attempts, delivery.last_error)  # fmt: skip
        if exc.permanent or delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            delivery.status = Delivery.Status.FAILED
            delivery.next_attempt_at = None
            delivery.save(update_fields=fields)
            return None
        delay = backoff(delivery.attempts)
        delivery.status = Delivery.Status.RETRYING
        delivery.next_attempt_at = now + dt.timedelta(seconds=delay)
        delivery.save(update_fields=fields)
        return delay
    delivery.status = Delivery.Status.SENT
    delivery.sent_at = timezone.now()
    delivery.next_attempt_at = None
    delivery.save(update_fields=fields)
    return None


def events_of(delivery: Delivery) -> list[Event]:
    """The event of a delivery, or the events a digest carries (oldest first)."""
    if delivery.event_id:
        return [delivery.event]
    return list(
        Event.objects.filter(deliveries__digest_of=delivery).order_by("created_at", "id").distinct()
    )


def collect_digest(frequency: str) -> list[int]:
    """Bundle the waiting deliveries of ``frequency`` into one digest per recipient; return the
    digests' ids (each then delivered like any other)."""
    groups: dict[tuple, list[Delivery]] = defaultdict(list)
    with transaction.atomic():
        waiting = Delivery.objects.filter(status=Delivery.Status.WAITING, digest=frequency)
        for d in waiting.order_by("id"):
            groups[(d.channel, d.user_id, d.address, d.receiver_id, d.recipient)].append(d)
        digests = []
        for (channel, user_id, address, receiver_id, recipient), items in groups.items():
            digest = Delivery.objects.create(
                channel=channel,
                user_id=user_id,
                address=address,
                receiver_id=receiver_id,
                recipient=recipient,
                digest=frequency,
            )
            Delivery.objects.filter(pk__in=[d.pk for d in items]).update(
                digest_of=digest, status=Delivery.Status.IN_DIGEST
            )
            digests.append(digest.pk)
    return digests


def stalled() -> list[int]:
    """Deliveries whose planned attempt is long overdue (their task was lost)."""
    cutoff = timezone.now() - STALLED_AFTER
    pending = Delivery.objects.filter(
        status__in=(Delivery.Status.PENDING, Delivery.Status.RETRYING)
    )
    overdue = pending.filter(next_attempt_at__lt=cutoff) | pending.filter(
        next_attempt_at__isnull=True, created_at__lt=cutoff
    )
    return list(overdue.values_list("pk", flat=True)[:1000])
