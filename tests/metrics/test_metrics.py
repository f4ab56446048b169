"""/metrics (issue 18, item 5): parsed with prometheus_client's own parser, values checked
against the database, the query count pinned and the same at two sizes, deny by default."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from compliance.models import Finding
from compliance.services.status import requirement_statuses
from inventory.models import VirtualMachine
from operations.models import Operation
from portal.models import AuditEvent, Heartbeat, SiemCursor
from tests.factories import UserFactory
from tests.inventory.factories import (
    ClusterFactory,
    DatastoreFactory,
    EndpointFactory,
    HostFactory,
    NetworkFactory,
    SnapshotFactory,
    SyncRunFactory,
    VirtualMachineFactory,
)
from tests.portal.test_siem import events
from tests.security.helpers import verify_session

TOKEN = "metrics-test-token-0123456789-abcdefghijkl"
# Queries of one scrape, whatever the size of the estate: endpoints with their last sync (1),
# six inventory kinds (6), sync runs (1), findings (1), requirement statuses (6), operations
# (1), heartbeats (1), SIEM backlog (1).
SCRAPE_QUERIES = 18


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    return TOKEN


def scrape(client=None, **headers) -> tuple[int, dict]:
    answer = (client or Client()).get("/metrics", **headers)
    if answer.status_code != 200:
        return answer.status_code, {}
    samples = {}
    for family in text_string_to_metric_families(answer.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return 200, samples


def values(samples: dict, name: str) -> dict[tuple, float]:
    return {labels: v for (n, labels), v in samples.items() if n == name}


def build_estate(size: int) -> None:
    now = timezone.now()
    for endpoint in (EndpointFactory(), EndpointFactory(proxmox=True)):
        cluster = ClusterFactory(endpoint=endpoint)
        host = HostFactory(endpoint=endpoint, cluster=cluster)
        HostFactory(endpoint=endpoint, cluster=cluster, connection_state="disconnected")
        DatastoreFactory(endpoint=endpoint)
        NetworkFactory(endpoint=endpoint)
        for n in range(size):
            vm = VirtualMachineFactory(
                endpoint=endpoint, host=host, power_state="poweredOff" if n % 3 else "poweredOn"
            )
            SnapshotFactory(endpoint=endpoint, vm=vm)
            Finding.objects.create(
                check_id=f"VM-{n % 4:03d}",
                endpoint=endpoint,
                object_type="vm",
                object_id=vm.pk,
                object_name=vm.name,
                status="fail",
                severity=("low", "medium", "high")[n % 3],
                message="deviation",
            )
            started = now - dt.timedelta(minutes=n + 5)
            Operation.objects.create(
                kind=("create", "delete")[n % 2],
                vm=vm,
                state="succeeded" if n % 4 else "failed",
                started_at=started,
                finished_at=started + dt.timedelta(seconds=10 + n),
            )
        VirtualMachineFactory(endpoint=endpoint, host=host, absent_since=now)
        SyncRunFactory(endpoint=endpoint, status="failed", started_at=now - dt.timedelta(hours=1))
        last = SyncRunFactory(endpoint=endpoint, started_at=now - dt.timedelta(minutes=3))
        endpoint.last_success_at = last.finished_at
        endpoint.last_sync_at = last.finished_at
        endpoint.save()
    Heartbeat.objects.create(kind="worker", name=f"w{size}", seen_at=now - dt.timedelta(seconds=20))
    Heartbeat.objects.update_or_create(kind="beat", name="beat", defaults={"seen_at": now})


@pytest.mark.django_db
def test_the_numbers_are_the_stored_ones(token):
    build_estate(6)
    SiemCursor.objects.create(destination="tls://siem:6514", last_event_id=0)
    events(3)
    status, samples = scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert status == 200

    inventory = values(samples, "virtsec_inventory_objects")
    expected = Counter()
    for vm in VirtualMachine.objects.select_related("endpoint"):
        state = "absent" if vm.absent_since else vm.power_state
        expected[(vm.endpoint.name, "vm", state)] += 1
    observed_vms = {
        (dict(k)["endpoint"], "vm", dict(k)["state"]): v
        for k, v in inventory.items()
        if dict(k)["kind"] == "vm"
    }
    assert observed_vms == dict(expected)
    hosts = {
        (dict(k)["endpoint"], dict(k)["state"])
        for k, v in inventory.items()
        if dict(k)["kind"] == "host"
    }
    assert {state for _, state in hosts} == {"connected", "disconnected"}
    assert sum(v for k, v in inventory.items() if dict(k)["kind"] == "snapshot") == 12

    findings = values(samples, "virtsec_open_findings")
    by_severity = Counter(Finding.objects.open().values_list("severity", flat=True))
    for severity, n in by_severity.items():
        assert sum(v for k, v in findings.items() if dict(k)["severity"] == severity) == n
    assert all(dict(k)["waived"] == "false" or v == 0 for k, v in findings.items())

    requirements = values(samples, "virtsec_requirements")
    stored = Counter((s.requirement.catalog, str(s.status)) for s in requirement_statuses())
    assert {(dict(k)["catalog"], dict(k)["status"]): v for k, v in requirements.items()} == stored

    operations = values(samples, "virtsec_operations")
    stored_ops = Counter(Operation.objects.values_list("kind", "state"))
    assert {(dict(k)["kind"], dict(k)["state"]): v for k, v in operations.items()} == stored_ops
    took = values(samples, "virtsec_operation_duration_seconds_sum")
    expected_sum = sum(
        (o.finished_at - o.started_at).total_seconds()
        for o in Operation.objects.filter(kind="create", state="succeeded")
    )
    assert took[(("kind", "create"), ("state", "succeeded"))] == pytest.approx(expected_sum)

    durations = values(samples, "virtsec_endpoint_last_sync_duration_seconds")
    assert set(durations.values()) == {12.0}  # the last finished run of each endpoint
    assert set(values(samples, "virtsec_endpoint_last_sync_ok").values()) == {1.0}
    ages = values(samples, "virtsec_endpoint_last_success_age_seconds")
    assert len(ages) == 2 and all(150 < age < 3600 for age in ages.values())
    beats = values(samples, "virtsec_heartbeat_age_seconds")
    assert beats[(("kind", "worker"), ("name", "w6"))] >= 20
    pending = values(samples, "virtsec_siem_pending_events")
    assert pending == {(("destination", "tls://siem:6514"),): float(AuditEvent.objects.count())}
    assert values(samples, "virtsec_celery_broker_up") == {(): 1.0}
    assert len(values(samples, "virtsec_celery_queue_length")) == 1


@pytest.mark.django_db
def test_a_scrape_costs_the_same_queries_at_two_sizes(token):
    counts = []
    for size in (2, 12):
        build_estate(size)
        with CaptureQueriesContext(connection) as queries:
            status, _ = scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert status == 200
        counts.append(len(queries))
    assert counts == [SCRAPE_QUERIES, SCRAPE_QUERIES]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "status"),
    [
        (None, 401),
        ("Bearer wrong-token-wrong-token-wrong-token-wrong", 401),
        (f"Basic {TOKEN}", 401),
        (f"Bearer {TOKEN}x", 401),
        (f"Bearer {TOKEN}", 200),
    ],
)
def test_the_token_is_required(token, header, status):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    assert scrape(**headers)[0] == status


@pytest.mark.django_db
def test_deny_by_default_when_neither_token_nor_networks_are_set(settings, admin_user):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []
    assert Client().get("/metrics").status_code == 403  # from 127.0.0.1, too
    # A signed-in administrator is no scraper either.
    assert verify_session(Client(), admin_user).get("/metrics").status_code == 403
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 403


@pytest.mark.django_db
def test_allowed_networks(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 403
    # Both set: both must hold.
    settings.METRICS_TOKEN = TOKEN
    inside = Client(REMOTE_ADDR="10.1.2.3")
    assert inside.get("/metrics").status_code == 401
    assert inside.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    outside = Client(REMOTE_ADDR="192.0.2.1")
    assert outside.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 403


@pytest.mark.django_db
def test_no_secret_in_the_metrics(token):
    from tests.inventory.factories import SECRET

    build_estate(1)
    UserFactory(username="someone", role="administrator")
    answer = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert answer.status_code == 200
    assert SECRET not in answer.content.decode() and TOKEN not in answer.content.decode()
