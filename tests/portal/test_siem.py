"""Audit events to the SIEM (issue 18, item 4): RFC 5424 over verified TLS and UDP, in order,
at least once, through a receiver that dies mid-stream and comes back.

The receiver is real (tests/peers/syslog_receiver.py, TLS with a CA this test makes); every
message it gets is parsed with a strict RFC 5424 parser (tests/portal/syslog_parse.py).
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid

import pytest
from django.utils import timezone

from portal.audit import audit
from portal.models import AuditEvent, SiemCursor
from portal.siem import configured_destination, drain, sd_params
from tests.factories import UserFactory
from tests.peers.syslog_receiver import TlsSyslogReceiver, UdpSyslogReceiver
from tests.peers.tlsca import make_ca
from tests.portal.syslog_parse import parse


@pytest.fixture
def syslog_ca(tmp_path):
    return make_ca(tmp_path / "syslog-ca")


@pytest.fixture
def receiver(syslog_ca):
    peer = TlsSyslogReceiver(syslog_ca).start()
    yield peer
    peer.stop()


def point_at(settings, port: int, ca_file) -> None:
    settings.SIEM_SYSLOG_HOST = "127.0.0.1"
    settings.SIEM_SYSLOG_PORT = port
    settings.SIEM_SYSLOG_TRANSPORT = "tls"
    settings.SIEM_SYSLOG_CA_FILE = str(ca_file)
    settings.SIEM_SYSLOG_HOSTNAME = "portal.example.org"
    settings.SIEM_SYSLOG_TIMEOUT = 10.0


@pytest.fixture
def siem(settings, receiver, syslog_ca):
    point_at(settings, receiver.port, syslog_ca.ca_file)
    return settings


def ids_of(messages: list[bytes]) -> list[int]:
    return [int(parse(m).params["eventId"]) for m in messages]


def events(count: int, prefix: str = "test.event") -> list[int]:
    return [audit(action=f"{prefix}", actor="script", target_id=str(n)).pk for n in range(count)]


@pytest.mark.django_db
def test_each_event_is_one_rfc5424_message_with_the_documented_structured_data(siem, receiver):
    user = UserFactory(username="jürgen-admin", role="administrator")
    event = audit(
        action="snapshot.create",
        actor=user,
        target_type="inventory.virtualmachine",
        target_id="42",
        target_repr='VM "web]01\\prod" (vm-42) at vc1 Größe',
        detail={"reason": "before patch", "nested": {"api_key": "s3cr3t"}},
        address="192.0.2.7",
    )
    denied = audit(action="access.denied", actor=user, result=AuditEvent.Result.DENIED)
    # Written past audit() (which scrubs), the SIEM scrubs again: no secret leaves.
    raw = AuditEvent.objects.create(
        action="endpoint.update", source="command", detail={"password": "hunter2hunter2"}
    )

    result = drain()

    assert (result.sent, result.error) == (3, "")
    first, second, third = (parse(m) for m in receiver.messages)
    assert (first.pri, first.version) == (13 * 8 + 5, 1)  # log audit, notice
    assert second.pri == 13 * 8 + 4  # a denial is a warning
    assert first.timestamp == event.occurred_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert (first.hostname, first.app, first.procid, first.msgid) == (
        "portal.example.org",
        "virtsec-portal",
        "-",
        "snapshot.create",
    )
    assert first.sd_id == "virtsec@32473"
    assert first.params == {
        "eventId": str(event.pk),
        "occurredAt": first.timestamp,
        "action": "snapshot.create",
        "actor": "jürgen-admin",
        "role": "administrator",
        "source": "command",
        "address": "192.0.2.7",
        "targetType": "inventory.virtualmachine",
        "targetId": "42",
        "target": 'VM "web]01\\prod" (vm-42) at vc1 Größe',
        "outcome": "success",
        "requestId": "",
        "detail": json.dumps(
            {"nested": {"api_key": "[redacted]"}, "reason": "before patch"},
            sort_keys=True,
            ensure_ascii=False,
        ),
    }
    assert first.msg == (
        'jürgen-admin (administrator) snapshot.create success: VM "web]01\\prod" (vm-42) '
        "at vc1 Größe"
    )
    assert second.params["outcome"] == "denied" and second.params["eventId"] == str(denied.pk)
    assert third.params["detail"] == '{"password": "[redacted]"}'
    assert b"hunter2" not in b"".join(receiver.messages) and b"s3cr3t" not in receiver.messages[0]
    assert SiemCursor.objects.get().last_event_id == raw.pk


@pytest.mark.django_db
def test_a_receiver_that_dies_mid_stream_and_returns_gets_every_event_in_order(siem, receiver):
    siem.SIEM_SYSLOG_BATCH = 4
    before = events(5)
    assert drain().sent == 5

    receiver.crash_after(3)  # dies while reading the next batch, without confirming it
    during = events(10)
    crashed = drain()
    assert crashed.sent == 0 and "Error" in crashed.error
    assert not receiver.running
    cursor = SiemCursor.objects.get()
    assert cursor.last_event_id == before[-1] and cursor.failing_since is not None

    late = events(2)  # while the receiver is down: kept, nothing is lost
    refused = drain()
    assert refused.sent == 0 and "ConnectionRefused" in refused.error

    receiver.start()  # same port, same certificate
    resumed = drain()
    assert resumed.sent == 12 and resumed.error == ""
    # The receiver's last life got everything not confirmed, in order, exactly once.
    assert ids_of(receiver.sessions[-1]) == during + late
    # Over all its lives: every event, in order; only the unconfirmed batch arrived twice.
    seen = ids_of(receiver.messages)
    assert list(dict.fromkeys(seen)) == before + during + late
    assert len(seen) - len(set(seen)) == 3
    cursor.refresh_from_db()
    assert (cursor.last_event_id, cursor.error, cursor.failing_since) == (late[-1], "", None)


@pytest.mark.django_db
def test_rsyslog_takes_the_messages_as_rfc5424_and_gets_every_event_across_a_restart(
    settings, syslog_ca, tmp_path
):
    """Debian's rsyslogd with the configuration of docs/integration.md: it confirms each
    batch (answers close_notify), parses the messages as RFC 5424 (its re-serialised output
    keeps every field) and misses nothing while it was down."""
    from tests.peers.rsyslog import Rsyslog

    peer = Rsyslog(tmp_path / "rsyslog", syslog_ca).start()
    try:
        point_at(settings, peer.port, syslog_ca.ca_file)
        first = [
            audit(
                action="snapshot.delete",
                actor="jürgen",
                target_repr='VM "a]b\\c" Größe',
                detail={"reason": "x"},
            ).pk,
            *events(2),
        ]
        assert drain().sent == 3
        peer.stop()
        during = events(4)
        assert "ConnectionRefused" in drain().error
        peer.start()
        assert drain().sent == 4
        deadline = time.monotonic() + 30
        while len(peer.lines()) < 7 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        peer.stop()
    received = [parse(line) for line in peer.lines()]
    assert [int(m.params["eventId"]) for m in received] == first + during
    one = received[0]
    assert (one.pri, one.hostname, one.app, one.msgid, one.sd_id) == (
        109,
        "portal.example.org",
        "virtsec-portal",
        "snapshot.delete",
        "virtsec@32473",
    )
    assert one.params == sd_params(AuditEvent.objects.get(pk=first[0]))
    assert one.msg == 'jürgen snapshot.delete success: VM "a]b\\c" Größe'


@pytest.mark.django_db
def test_the_tls_receiver_is_verified(siem, receiver, syslog_ca, tmp_path):
    other = make_ca(tmp_path / "other-ca")  # the receiver's certificate is not from this CA
    siem.SIEM_SYSLOG_CA_FILE = str(other.ca_file)
    sent = events(2)
    refused = drain()
    assert refused.sent == 0 and "CERTIFICATE_VERIFY_FAILED" in refused.error
    assert receiver.messages == []
    siem.SIEM_SYSLOG_CA_FILE = str(syslog_ca.ca_file)  # the right CA: the events were kept
    assert drain().sent == 2 and ids_of(receiver.messages) == sent


@pytest.mark.django_db
def test_only_one_sender_runs_at_a_time(siem, receiver):
    events(3)
    destination = configured_destination()
    SiemCursor.objects.create(
        destination=destination.name,
        lease_owner="other-sender",
        lease_until=timezone.now() + dt.timedelta(minutes=1),
    )
    busy = drain()
    assert busy.busy and busy.sent == 0 and receiver.messages == []

    SiemCursor.objects.update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    assert drain().sent == 3  # a lease that ran out (a crashed sender) is taken over
    assert SiemCursor.objects.get().lease_owner == ""  # and given back


def _event_with_id(pk: int, when: dt.datetime) -> AuditEvent:
    (event,) = AuditEvent.objects.bulk_create(
        [AuditEvent(id=pk, action="test.gap", source="command", occurred_at=when)]
    )
    return event


@pytest.mark.django_db
def test_an_id_not_yet_visible_is_waited_for_then_given_up_and_still_sent_when_it_comes(
    siem, receiver
):
    """Ids are taken at insert, visible at commit: a later id may show before an earlier one."""
    siem.SIEM_SYSLOG_GAP_SECONDS = 300
    base = (AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    SiemCursor.objects.create(destination=configured_destination().name, last_event_id=base)
    now = timezone.now()
    _event_with_id(base + 2, now)  # base + 1 is still in someone's open transaction
    assert drain().sent == 0  # waits: order matters more than a few seconds
    _event_with_id(base + 1, now)
    assert drain().sent == 2
    assert ids_of(receiver.messages) == [base + 1, base + 2]

    # A gap that stays (a rolled-back insert) is given up after the wait ...
    _event_with_id(base + 4, now - dt.timedelta(seconds=301))
    assert drain().sent == 1
    cursor = SiemCursor.objects.get()
    assert cursor.last_event_id == base + 4 and [g[0] for g in cursor.gaps] == [base + 3]
    # ... and should it still come, it is sent late rather than never.
    _event_with_id(base + 3, now)
    assert drain().sent == 1
    assert ids_of(receiver.messages) == [base + 1, base + 2, base + 4, base + 3]
    assert SiemCursor.objects.get().gaps == []


@pytest.mark.django_db
def test_udp_where_asked(settings):
    peer = UdpSyslogReceiver()
    try:
        settings.SIEM_SYSLOG_HOST = "127.0.0.1"
        settings.SIEM_SYSLOG_PORT = peer.port
        settings.SIEM_SYSLOG_TRANSPORT = "udp"
        settings.SIEM_SYSLOG_HOSTNAME = "portal"
        short = audit(action="auth.login", actor="anna")
        long = audit(action="compliance.waiver.create", actor="olga", detail={"why": "x" * 5000})
        assert drain().sent == 2
        deadline = timezone.now() + dt.timedelta(seconds=10)
        while len(peer.messages) < 2 and timezone.now() < deadline:
            peer._stop.wait(0.05)
    finally:
        peer.stop()
    first, second = (parse(m) for m in peer.messages)
    assert first.params["eventId"] == str(short.pk) and first.msg == "anna auth.login success"
    # Too long for a datagram (2048 octets): the sentence and the details are left out.
    assert len(peer.messages[1]) <= 2048
    assert second.params["eventId"] == str(long.pk) and second.msg is None
    assert second.params["detail"] == "(left out: too long for UDP)"
    assert SiemCursor.objects.get(destination=f"udp://127.0.0.1:{peer.port}").last_event_id == (
        long.pk
    )


@pytest.mark.django_db
def test_nothing_is_sent_or_kept_without_a_destination(settings):
    settings.SIEM_SYSLOG_HOST = ""
    events(2)
    assert drain().sent == 0
    assert not SiemCursor.objects.exists()


@pytest.mark.slow
def test_a_real_worker_drains_after_each_commit_and_catches_up_after_an_outage(
    transactional_db, settings, receiver, syslog_ca
):
    """The kick after commit reaches a real Celery worker (own queue, SIEM settings in its
    environment), which sends; while the receiver is down nothing is lost."""
    from portal.celery import app
    from simulators.worker import Worker
    from tests.conftest import worker_env

    queue = f"siem-{uuid.uuid4().hex[:8]}"
    settings.SIEM_SYSLOG_HOST = "127.0.0.1"  # this process kicks; the worker sends
    env = worker_env(
        queue,
        SIEM_SYSLOG_HOST="127.0.0.1",
        SIEM_SYSLOG_PORT=str(receiver.port),
        SIEM_SYSLOG_CA_FILE=str(syslog_ca.ca_file),
    )

    def wait_for(count: int) -> list[int]:
        deadline = time.monotonic() + 60
        while len(receiver.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return ids_of(receiver.messages)

    session_queue, app.conf.task_default_queue = app.conf.task_default_queue, queue
    try:
        with Worker(env, queue, concurrency=1, name="siem") as worker:
            first = events(5)
            assert wait_for(5) == first, worker.log()[-3000:]
            receiver.stop()
            during = events(3)
            deadline = time.monotonic() + 60
            while not SiemCursor.objects.filter(failing_since__isnull=False).exists():
                assert time.monotonic() < deadline, worker.log()[-3000:]
                time.sleep(0.1)
            receiver.start()
            time.sleep(1.1)  # past the kick's one-second window: the next event kicks again
            after = events(1)
            assert wait_for(9) == first + during + after, worker.log()[-3000:]
    finally:
        app.conf.task_default_queue = session_queue


@pytest.mark.django_db
def test_the_status_page_shows_the_backlog_and_the_failure(siem, receiver, admin_user, client_for):
    browser = client_for(admin_user)  # its login is an audit event, too
    events(2)
    drain()
    receiver.stop()
    events(3)
    drain()
    page = browser.get("/status/").content.decode()
    row = page[page.index("SIEM (syslog)") :][:400]
    assert f"tls://127.0.0.1:{receiver.port}: 3 events not confirmed" in row
    assert "failing since" in row and "ConnectionRefusedError" in row
