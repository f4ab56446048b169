"""Small builders shared by the notification tests."""

from __future__ import annotations

import time

from django.utils import timezone

from notifications.kinds import Kind
from notifications.models import Delivery, Receiver, Subscription
from notifications.receivers import _send
from tests.factories import UserFactory
from tests.notifications.conftest import SECRET


def user(name: str, role: str = "security_officer", email: str | None = None):
    u = UserFactory(username=name, role=role)
    u.email = email if email is not None else f"{name}@example.test"
    u.save(update_fields=["email"])
    return u


def receiver(name: str, url: str, fmt: str = "generic", secret: str = SECRET) -> Receiver:
    r = Receiver(name=name, format=fmt, url=url, secret=secret)
    r.url_display = Receiver.display_of(url)
    r.save()
    return r


def hook(r: Receiver, kind: str = Kind.OPERATION_FAILED, digest: str = "immediate"):
    return Subscription.objects.create(receiver=r, channel="webhook", kind=kind, digest=digest)


def event(key: str, kind: str = Kind.OPERATION_FAILED, endpoint_id=None, **extra) -> None:
    """Record an event the way the signal listeners do (deliveries queued after commit)."""
    _send(
        kind=kind,
        key=key,
        endpoint_id=endpoint_id,
        subject=extra.pop("subject", f"test event {key}"),
        facts=extra.pop("facts", [["Object", f"vc1 › web01 ({key})"], ["Observed", "failed"]]),
        occurred_at=timezone.now(),
        **extra,
    )


def wait_for_status(delivery_filter: dict, status: str, timeout: float = 120) -> Delivery:
    deadline = time.monotonic() + timeout
    found = None
    while time.monotonic() < deadline:
        found = Delivery.objects.filter(**delivery_filter).first()
        if found is not None and found.status == status:
            return found
        time.sleep(0.2)
    raise AssertionError(f"delivery {delivery_filter} not {status}: {found and found.__dict__}")
