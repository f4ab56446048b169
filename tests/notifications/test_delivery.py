"""Deliveries through a real worker: mail over STARTTLS to aiosmtpd, signed webhooks to a
local HTTPS receiver, retries with backoff, a dead receiver that holds no one else up, digests.

Runs on both backends (PostgreSQL + Redis, SQLite + the embedded broker).
"""

from __future__ import annotations

import threading

import pytest
from django.utils import timezone

from notifications.kinds import Kind
from notifications.models import Delivery, Event, Subscription
from notifications.tasks import digest
from tests.notifications.conftest import MAX_ATTEMPTS, RETRY_BASE, SECRET
from tests.notifications.helpers import event, hook, receiver, user, wait_for_status
from tests.peers.webhook import Behaviour, verify

pytestmark = [pytest.mark.slow]


def test_a_role_is_mailed_over_starttls_and_a_receiver_gets_a_signed_webhook(notifier, smtp, hooks):
    officer = user("mail-officer")
    Subscription.objects.create(role="security_officer", kind=Kind.OPERATION_FAILED)
    hook(receiver("ops", hooks.url("/signed")))

    event("op:1", subject="Operation failed: create snapshot 'pre' on VM web01 (vm-42) at vc1")

    mail = smtp.box.wait_for(officer.email)[0]
    assert mail["Subject"] == (
        "[VirtSec Portal] Operation failed: create snapshot 'pre' on VM web01 (vm-42) at vc1"
    )
    assert "Object: vc1 › web01 (op:1)" in mail.get_content()
    assert all(tls for _, _, tls in smtp.box.messages), "every mail came over STARTTLS"
    [request] = hooks.wait_for("/signed")
    assert request.signature_ok
    body = request.json
    assert body["events"][0]["kind"] == "operation_failed"
    assert {"label": "Observed", "value": "failed"} in body["events"][0]["facts"]
    # The check a receiver makes: the HMAC over "<timestamp>." + body with the shared secret.
    assert verify(SECRET, request.headers["X-VirtSec-Timestamp"],
                  request.headers["X-VirtSec-Signature"], request.body)  # fmt: skip
    assert not verify("another-secret-of-some-length", request.headers["X-VirtSec-Timestamp"],
                      request.headers["X-VirtSec-Signature"], request.body)  # fmt: skip
    wait_for_status({"receiver__name": "ops"}, Delivery.Status.SENT)
    sent = wait_for_status({"user": officer}, Delivery.Status.SENT)
    assert sent.attempts == 1 and sent.recipient == "mail-officer <mail-officer@example.test>"


def test_a_receiver_failing_twice_gets_it_on_the_third_attempt_with_backoff(
    notifier, hooks, client_for
):
    hooks.behaviours["/flaky"] = Behaviour(fail_first=2)
    hook(receiver("flaky", hooks.url("/flaky")))

    event("op:flaky")

    delivery = wait_for_status({"receiver__name": "flaky"}, Delivery.Status.SENT)
    requests = hooks.at("/flaky")
    assert len(requests) == 3 and delivery.attempts == 3
    assert delivery.last_error == "flaky: HTTP 503 "  # kept: the log says what went wrong before
    # The delivery log shows who, what, when, the status, the attempts and the last error.
    page = client_for(user("log-reader")).get("/notifications/deliveries/").content.decode()
    row = page[page.index(f'id="delivery-{delivery.pk}"') :].split("</tr>")[0]
    for text in ("webhook flaky", "test event op:flaky", "sent", "<td>3</td>", "HTTP 503"):
        assert text in row, (text, row)
    # Exponential backoff: at least 1 s before the second try, at least 2 s before the third.
    stamps = [int(r.headers["X-VirtSec-Timestamp"]) for r in requests]
    assert stamps[1] - stamps[0] >= RETRY_BASE - 1 and stamps[2] - stamps[1] >= 2 * RETRY_BASE - 1


def test_a_receiver_that_keeps_failing_ends_failed_after_the_last_attempt(notifier, hooks):
    hooks.behaviours["/down"] = Behaviour(fail_first=100)
    hook(receiver("down", hooks.url("/down")))

    event("op:down")

    delivery = wait_for_status({"receiver__name": "down"}, Delivery.Status.FAILED)
    assert delivery.attempts == MAX_ATTEMPTS == len(hooks.at("/down"))
    assert delivery.last_error == "down: HTTP 503 "
    assert "/down" not in delivery.last_error  # the URL path can hold a secret


def test_a_dead_receiver_does_not_hold_up_the_others(notifier, hooks, smtp):
    release = threading.Event()
    hooks.behaviours["/dead"] = Behaviour(hang=release)
    hook(receiver("dead", hooks.url("/dead")), kind=Kind.OPERATION_FAILED)
    officer = user("patient-officer")
    Subscription.objects.create(user=officer, kind=Kind.SYNC_FAILING)
    hook(receiver("alive", hooks.url("/alive")), kind=Kind.SYNC_FAILING)
    try:
        event("op:dead")
        hooks.wait_for("/dead")  # the dead receiver has the request and does not answer
        event("sync:later", kind=Kind.SYNC_FAILING)
        hooks.wait_for("/alive")
        smtp.box.wait_for(officer.email)
        wait_for_status({"receiver__name": "alive"}, Delivery.Status.SENT)
        dead = Delivery.objects.get(receiver__name="dead")
        assert dead.status == Delivery.Status.PENDING and dead.sent_at is None
    finally:
        release.set()
    wait_for_status({"receiver__name": "dead"}, Delivery.Status.SENT)


def test_an_hourly_digest_bundles_what_waited_into_one_mail(notifier, smtp):
    officer = user("digest-officer")
    Subscription.objects.create(user=officer, kind=Kind.OPERATION_FAILED, digest="hourly")
    event("op:d1", subject="first failure")
    event("op:d2", subject="second failure")
    assert set(Delivery.objects.filter(user=officer).values_list("status", flat=True)) == {
        Delivery.Status.WAITING
    }

    digest.delay("hourly")

    [mail] = smtp.box.wait_for(officer.email)
    assert mail["Subject"] == "[VirtSec Portal] 2 notifications (hourly digest)"
    text = mail.get_content()
    assert text.index("first failure") < text.index("second failure")
    carrier = wait_for_status({"user": officer, "event": None}, Delivery.Status.SENT)
    assert set(carrier.carried.values_list("status", flat=True)) == {Delivery.Status.IN_DIGEST}
    assert Event.objects.filter(deliveries__digest_of=carrier).count() == 2


def test_the_same_report_twice_is_one_event(notifier, hooks):
    hook(receiver("once", hooks.url("/once")))
    event("op:same")
    event("op:same")
    wait_for_status({"receiver__name": "once"}, Delivery.Status.SENT)
    assert Event.objects.filter(key="op:same").count() == 1
    assert Delivery.objects.filter(receiver__name="once").count() == 1
    assert timezone.now() >= Event.objects.get(key="op:same").created_at
