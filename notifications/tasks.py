"""Celery tasks of the notifications: one task per delivery attempt, digests on beat's schedule."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

# A webhook or mail attempt waits NOTIFY_TIMEOUT_SECONDS / EMAIL_TIMEOUT at most.
_LIMIT = int(max(settings.NOTIFY_TIMEOUT_SECONDS, settings.EMAIL_TIMEOUT)) * 3 + 30


@shared_task(name="notifications.deliver", soft_time_limit=_LIMIT, time_limit=_LIMIT + 30)
def deliver(delivery_id: int) -> None:
    """One attempt; a failure schedules the next one with exponential backoff."""
    from .services import attempt

    delay = attempt(delivery_id)
    if delay is not None:
        deliver.apply_async(args=[delivery_id], countdown=delay)


@shared_task(name="notifications.digest", soft_time_limit=120, time_limit=180)
def digest(frequency: str) -> int:
    """Send the hourly or daily digests (beat), and resume deliveries whose task was lost."""
    from .services import collect_digest, stalled

    ids = collect_digest(frequency)
    for delivery_id in ids + stalled():
        deliver.apply_async(args=[delivery_id])
    return len(ids)
