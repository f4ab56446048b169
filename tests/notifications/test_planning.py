"""Who is told: own subscriptions, roles, a snapshot's owner, receivers, and scopes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.kinds import Kind
from notifications.models import Delivery, Event, Subscription
from notifications.services import record
from portal.models import AuditEvent
from portal.security.models import ObjectScope
from tests.inventory.factories import EndpointFactory
from tests.notifications.helpers import hook, receiver, user

pytestmark = pytest.mark.django_db


def _record(key: str, kind: str = Kind.OPERATION_FAILED, **fields) -> list[Delivery]:
    fields.setdefault("subject", key)
    record(kind=kind, key=key, facts=[], occurred_at=None, **fields)
    return list(Delivery.objects.filter(event__key=key).order_by("recipient"))


def test_a_scoped_user_hears_only_of_objects_in_the_scope():
    inside, outside = EndpointFactory(), EndpointFactory()
    scoped = user("scoped-admin", role="administrator")
    ObjectScope.objects.create(user=scoped, endpoint=inside)
    free = user("free-admin", role="administrator")
    Subscription.objects.create(role="administrator", kind=Kind.OPERATION_FAILED)

    told_inside = [d.user for d in _record("in", endpoint_id=inside.pk)]
    told_outside = [d.user for d in _record("out", endpoint_id=outside.pk)]
    told_nowhere = [d.user for d in _record("none")]

    assert told_inside == [free, scoped]
    assert told_outside == [free]
    assert told_nowhere == [free]  # an event of no endpoint is not inside any scope


def test_own_choice_wins_over_the_role_and_only_usable_accounts_are_mailed():
    Subscription.objects.create(role="security_officer", kind=Kind.SYNC_FAILING)
    own = user("own-officer")
    Subscription.objects.create(user=own, kind=Kind.SYNC_FAILING, digest="daily")
    user("no-mail-officer", email="")
    gone = user("gone-officer")
    gone.is_active = False
    gone.save()
    user("an-auditor", role="auditor")
    deliveries = _record("sync", kind=Kind.SYNC_FAILING)
    assert [(d.recipient, d.digest, d.status) for d in deliveries] == [
        ("own-officer <own-officer@example.test>", "daily", Delivery.Status.WAITING)
    ]


def test_the_owner_of_an_expiring_snapshot_is_told_at_once_without_subscribing():
    owner = user("snap-owner", role="administrator")
    [delivery] = _record("expiry", kind=Kind.SNAPSHOT_EXPIRING, owner_id=owner.pk)
    assert delivery.user == owner and delivery.status == Delivery.Status.PENDING
    # Any other kind: an owner is told only what they subscribed to.
    assert _record("other", kind=Kind.OPERATION_FAILED, owner_id=owner.pk) == []


def test_receivers_get_what_they_subscribed_unless_disabled():
    on = receiver("on", "https://hooks.example.test/on")
    off = receiver("off", "https://hooks.example.test/off")
    off.enabled = False
    off.save()
    hook(on)
    hook(off)
    hook(on, kind=Kind.FINDING_HIGH, digest="hourly")
    assert [d.recipient for d in _record("op")] == ["webhook on"]


def test_planning_costs_the_same_queries_for_few_and_many_recipients():
    Subscription.objects.create(role="administrator", kind=Kind.OPERATION_FAILED)
    endpoint = EndpointFactory()

    def cost(n: int, key: str) -> int:
        for i in range(n):
            u = user(f"{key}-admin-{i}", role="administrator")
            ObjectScope.objects.create(user=u, endpoint=endpoint)
        with CaptureQueriesContext(connection) as queries:
            record(kind=Kind.OPERATION_FAILED, key=key, subject=key, facts=[],
                   occurred_at=None, endpoint_id=endpoint.pk)  # fmt: skip
        return len(queries.captured_queries)

    assert cost(2, "few") == cost(20, "many")
    assert Event.objects.get(key="many").deliveries.count() == 22


def test_the_delivery_log_of_a_scoped_administrator_shows_only_its_scope(client_for):
    inside, outside = EndpointFactory(), EndpointFactory()
    scoped = user("log-scoped-admin", role="administrator")
    ObjectScope.objects.create(user=scoped, endpoint=inside)
    hook(receiver("log-hook", "https://hooks.example.test/log"))
    _record("inside-op", endpoint_id=inside.pk, subject=f"failed on {inside.name}")
    _record("outside-op", endpoint_id=outside.pk, subject=f"failed on {outside.name}")

    scoped_page = client_for(scoped).get("/notifications/deliveries/").content.decode()
    assert f"failed on {inside.name}" in scoped_page
    assert outside.name not in scoped_page
    full = client_for(user("log-officer")).get("/notifications/deliveries/").content.decode()
    assert f"failed on {outside.name}" in full and f"failed on {inside.name}" in full


def test_any_role_subscribes_on_its_own_page_and_is_then_told(client_for):
    auditor = user("self-auditor", role="auditor")
    page = client_for(auditor)
    answer = page.post("/account/notifications/", {"kind": Kind.SYNC_FAILING, "digest": "daily"})
    assert answer.status_code == 302
    sub = Subscription.objects.get(user=auditor)
    assert (sub.kind, sub.digest, sub.channel) == (Kind.SYNC_FAILING, "daily", "mail")
    assert AuditEvent.objects.filter(action="notification.subscribe", actor="self-auditor").exists()
    [delivery] = _record("own-sync", kind=Kind.SYNC_FAILING)
    assert (delivery.user, delivery.digest, delivery.status) == (
        auditor,
        "daily",
        Delivery.Status.WAITING,
    )
    # Bad input names the field and changes nothing.
    bad = page.post("/account/notifications/", {"kind": "everything", "digest": "daily"})
    assert bad.status_code == 200 and 'id="id_kind_error"' in bad.content.decode()
    assert Subscription.objects.filter(user=auditor).count() == 1
