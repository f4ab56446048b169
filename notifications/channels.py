"""Sending one delivery: a mail, or a webhook in the generic (signed), Teams or Mattermost format.

The generic format is signed with HMAC-SHA256 over ``"<timestamp>." + body`` with the
receiver's secret; the headers ``X-VirtSec-Timestamp`` (Unix seconds) and
``X-VirtSec-Signature`` (``sha256=<hex>``) carry it (docs/integration.md shows the check).
Errors are reported without the receiver's URL path (Teams and Mattermost put their secret
there) and never with the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

if TYPE_CHECKING:
    from .models import Delivery, Event

USER_AGENT = "VirtSec-Portal-Notifications/1"
SIGNATURE_HEADER = "X-VirtSec-Signature"
TIMESTAMP_HEADER = "X-VirtSec-Timestamp"


class DeliveryError(Exception):
    """A delivery attempt failed; ``permanent`` ones are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def send(delivery: Delivery, events: list[Event]) -> None:
    if not events:
        raise DeliveryError("nothing to send: the digest carries no event", permanent=True)
    if delivery.channel == "mail":
        send_mail(delivery, events)
    else:
        send_webhook(delivery, events)


def subject_of(delivery: Delivery, events: list[Event]) -> str:
    if delivery.event_id:
        return events[0].subject
    return f"{len(events)} notifications ({delivery.get_digest_display()})"


def link_of(event: Event) -> str:
    return f"{settings.PORTAL_URL}{event.link}" if event.link else ""


def text_of(events: list[Event]) -> str:
    blocks = []
    for event in events:
        lines = [event.subject, ""]
        lines += [f"  {label}: {value}" for label, value in event.facts]
        if event.link:
            lines.append(f"  In the portal: {link_of(event)}")
        blocks.append("\n".join(lines))
    return (
        "\n\n".join(blocks)
        + "\n\n-- \nVirtSec Portal notifications: choose yours under "
        + (f"{settings.PORTAL_URL}/account/notifications/\n")
    )


def send_mail(delivery: Delivery, events: list[Event]) -> None:
    if not settings.EMAIL_HOST:
        raise DeliveryError("no mail server is set (EMAIL_HOST)", permanent=True)
    if not delivery.address:
        raise DeliveryError("the user has no mail address", permanent=True)
    message = EmailMessage(
        subject=f"[VirtSec Portal] {subject_of(delivery, events)}"[:250],
        body=text_of(events),
        to=[delivery.address],
        headers={"X-VirtSec-Delivery": str(delivery.pk)},
    )
    try:
        connection = get_connection(
            "notifications.mail.VerifiedSMTPBackend", timeout=settings.EMAIL_TIMEOUT
        )
        connection.send_messages([message])
    except OSError as exc:  # smtplib's and ssl's errors are OSErrors
        raise DeliveryError(f"mail to {delivery.address}: {type(exc).__name__}: {exc}") from None


def payload_of(delivery: Delivery, events: list[Event]) -> dict[str, Any]:
    """The generic JSON body (documented in docs/integration.md)."""
    return {
        "delivery": delivery.pk,
        "digest": delivery.digest,
        "sent_at": timezone.now().isoformat(),
        "events": [
            {
                "kind": e.kind,
                "subject": e.subject,
                "occurred_at": e.occurred_at.isoformat(),
                "facts": [{"label": label, "value": value} for label, value in e.facts],
                "link": link_of(e),
            }
            for e in events
        ],
    }


def teams_of(delivery: Delivery, events: list[Event]) -> dict[str, Any]:
    """A Teams message with one Adaptive Card (Workflows' "post to a channel" webhook)."""
    body: list[dict[str, Any]] = []
    actions = []
    for event in events:
        body.append({"type": "TextBlock", "text": event.subject, "weight": "Bolder", "wrap": True})
        body.append(
            {
                "type": "FactSet",
                "facts": [{"title": label, "value": value} for label, value in event.facts],
            }
        )
        if event.link and len(actions) < 5:
            actions.append({"type": "Action.OpenUrl", "title": "Open", "url": link_of(event)})
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": body,
                    "actions": actions,
                },
            }
        ],
    }


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def mattermost_of(delivery: Delivery, events: list[Event]) -> dict[str, Any]:
    """A Mattermost incoming-webhook message: a Markdown table of facts per event."""
    parts = []
    for event in events:
        rows = "\n".join(f"| {_cell(label)} | {_cell(value)} |" for label, value in event.facts)
        link = f"\n[Open in the portal]({link_of(event)})" if event.link else ""
        parts.append(f"#### {_cell(event.subject)}\n| | |\n|:--|:--|\n{rows}{link}")
    return {"username": "VirtSec Portal", "text": "\n\n".join(parts)}


FORMATS = {"generic": payload_of, "teams": teams_of, "mattermost": mattermost_of}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def _safe(text: str, url: str) -> str:
    """``text`` without the URL's path and query (where Teams and Mattermost keep a secret)."""
    parts = urlsplit(url)
    for hidden in (url, parts.path, parts.query):
        if hidden and hidden != "/":
            text = text.replace(hidden, "/…")
    return text


def send_webhook(delivery: Delivery, events: list[Event]) -> None:
    receiver = delivery.receiver
    if receiver is None:
        raise DeliveryError("the receiver was deleted", permanent=True)
    if not receiver.enabled:
        raise DeliveryError(f"receiver {receiver.name} is disabled", permanent=True)
    body = json.dumps(
        FORMATS[receiver.format](delivery, events), separators=(",", ":"), ensure_ascii=False
    ).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-VirtSec-Delivery": str(delivery.pk),
        TIMESTAMP_HEADER: timestamp,
    }
    if receiver.secret:
        headers[SIGNATURE_HEADER] = sign(str(receiver.secret), timestamp, body)
    url = str(receiver.url)
    try:
        answer = requests.post(
            url,
            data=body,
            headers=headers,
            timeout=settings.NOTIFY_TIMEOUT_SECONDS,
            verify=settings.NOTIFY_WEBHOOK_CA_FILE or True,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise DeliveryError(
            _safe(f"{receiver.name}: {type(exc).__name__}: {exc}", url)[:2000]
        ) from None
    if not 200 <= answer.status_code < 300:
        raise DeliveryError(
            _safe(f"{receiver.name}: HTTP {answer.status_code} {answer.text[:300]}", url)
        )
