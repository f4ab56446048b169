"""Sending in this process against the real local receiver: TLS verified, formats, and
secrets (the signing secret, the URL path of Teams and Mattermost) nowhere but the request."""

from __future__ import annotations

import logging

import pytest
from django.db import connection

from notifications.models import Delivery, Receiver
from notifications.services import attempt
from portal.models import AuditEvent
from tests.notifications.conftest import SECRET
from tests.notifications.helpers import event, hook, receiver
from tests.peers.tlsca import make_ca
from tests.peers.webhook import WebhookReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def direct(settings, test_ca, django_capture_on_commit_callbacks):
    """Send here, not through a worker: the immediate delivery ids of one recorded event."""
    settings.NOTIFY_WEBHOOK_CA_FILE = str(test_ca.ca_file)
    settings.NOTIFY_TIMEOUT_SECONDS = 20

    def send(key: str) -> Delivery:
        with django_capture_on_commit_callbacks(execute=False):
            event(key)
        delivery = Delivery.objects.get(event__key=key)
        attempt(delivery.pk)
        delivery.refresh_from_db()
        return delivery

    return send


def test_teams_gets_an_adaptive_card_and_mattermost_markdown(direct, hooks):
    hook(receiver("teams", hooks.url("/teams/abc"), fmt="teams", secret=""))
    delivery = direct("op:teams")
    assert delivery.status == Delivery.Status.SENT
    card = hooks.at("/teams/abc")[0].json
    content = card["attachments"][0]["content"]
    assert card["type"] == "message" and content["type"] == "AdaptiveCard"
    assert content["body"][0]["text"] == "test event op:teams"
    assert {"title": "Observed", "value": "failed"} in content["body"][1]["facts"]

    Receiver.objects.filter(name="teams").delete()
    hook(receiver("mm", hooks.url("/hooks/mm"), fmt="mattermost", secret=""))
    direct("op:mm")
    text = hooks.at("/hooks/mm")[0].json["text"]
    assert text.startswith("#### test event op:mm") and "| Observed | failed |" in text


def test_a_receiver_whose_certificate_another_ca_signed_is_refused(
    direct, tmp_path, caplog, settings
):
    other = make_ca(tmp_path / "other", "someone else's CA")
    path = "/hooks/s3cr3t-path-token"
    with WebhookReceiver(other, SECRET) as stranger:
        hook(receiver("stranger", stranger.url(path), fmt="mattermost"))
        with caplog.at_level(logging.DEBUG):
            delivery = direct("op:tls")
        assert stranger.received == []  # the TLS handshake failed before any request
    assert delivery.status == Delivery.Status.RETRYING and delivery.attempts == 1
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
    for text in (delivery.last_error, caplog.text):
        assert "s3cr3t-path-token" not in text and SECRET not in text


def test_secrets_are_stored_encrypted_and_never_audited(client_for, hooks):
    from tests.notifications.helpers import user

    officer = user("hook-admin", role="administrator")
    answer = client_for(officer).post(
        "/notifications/",
        {
            "action": "receiver",
            "rcv-name": "chat",
            "rcv-format": "mattermost",
            "rcv-url": "https://chat.example.test/hooks/very-secret-hook-id",
            "rcv-secret": "another-long-signing-secret",
            "rcv-enabled": "on",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    stored = Receiver.objects.get(name="chat")
    assert stored.url == "https://chat.example.test/hooks/very-secret-hook-id"
    assert stored.url_display == "https://chat.example.test/…"
    with connection.cursor() as cursor:
        cursor.execute("SELECT url, secret FROM notifications_receiver WHERE id = %s", [stored.pk])
        raw_url, raw_secret = cursor.fetchone()
    assert "very-secret-hook-id" not in raw_url and "another-long" not in raw_secret
    page = client_for(officer).get(f"/notifications/receivers/{stored.pk}/").content.decode()
    page += client_for(officer).get("/notifications/").content.decode()
    trail = str(list(AuditEvent.objects.values()))
    for text in (page, trail):
        assert "very-secret-hook-id" not in text and "another-long-signing-secret" not in text
    assert AuditEvent.objects.filter(action="notification.receiver_create").exists()


def test_mail_goes_over_verified_starttls_and_a_server_of_another_ca_is_refused(
    settings, smtp, test_ca, tmp_path, django_capture_on_commit_callbacks
):
    from notifications.kinds import Kind
    from notifications.models import Subscription
    from tests.notifications.helpers import user
    from tests.peers.smtp import SmtpServer

    officer = user("tls-mail-officer")
    Subscription.objects.create(user=officer, kind=Kind.OPERATION_FAILED)
    settings.EMAIL_HOST, settings.EMAIL_USE_TLS = "127.0.0.1", True
    settings.EMAIL_CA_FILE, settings.EMAIL_TIMEOUT = str(test_ca.ca_file), 20

    def mail(key: str, port: int) -> Delivery:
        settings.EMAIL_PORT = port
        with django_capture_on_commit_callbacks(execute=False):
            event(key)
        delivery = Delivery.objects.get(event__key=key, user=officer)
        attempt(delivery.pk)
        delivery.refresh_from_db()
        return delivery

    # The server the CA file vouches for gets the mail, over STARTTLS.
    assert mail("op:mail-ok", smtp.port).status == Delivery.Status.SENT
    assert smtp.box.to(officer.email) and all(tls for _, _, tls in smtp.box.messages)
    # One whose certificate another CA signed: the handshake fails, nothing is sent.
    other = make_ca(tmp_path / "other", "someone else's CA")
    with SmtpServer(other) as stranger:
        refused = mail("op:mail-stranger", stranger.port)
        assert stranger.box.messages == []
    assert refused.status == Delivery.Status.RETRYING and refused.attempts == 1
    assert "CERTIFICATE_VERIFY_FAILED" in refused.last_error
