"""What /metrics reports, read from stored data only: a scrape never calls a hypervisor and
costs the same number of queries however large the estate is (tests/metrics pins it).

Names and labels are listed in docs/integration.md ("Prometheus metrics"). Label values are
endpoint names, states and severities: never a secret.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric, SummaryMetricFamily

from compliance.models import Finding, Waiver
from compliance.services.status import requirement_statuses
from inventory.models import (
    Cluster,
    Datastore,
    Endpoint,
    Host,
    Network,
    Snapshot,
    SyncRun,
    VirtualMachine,
)
from operations.models import Operation
from portal.models import Heartbeat
from portal.siem import backlog

PREFIX = "virtsec"

# kind label -> (model, the field that holds its state, or None: present/absent only)
INVENTORY = (
    ("vm", VirtualMachine, "power_state"),
    ("host", Host, "connection_state"),
    ("cluster", Cluster, None),
    ("datastore", Datastore, None),
    ("network", Network, None),
    ("snapshot", Snapshot, None),
)


def _seconds(delta) -> float:
    return delta.total_seconds() if delta is not None else 0.0


def _state(field: str | None):
    """The state label: "absent" for objects gone from the source, else the field's value."""
    whens = [When(absent_since__isnull=False, then=Value("absent"))]
    if field:
        whens.append(When(**{field: ""}, then=Value("unknown")))
    return Case(*whens, default=F(field) if field else Value("present"), output_field=CharField())


class PortalCollector:
    """One scrape: each ``_...`` method yields families from one or two queries."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        endpoints = {e.pk: e for e in self._endpoints()}
        yield from self._endpoint_families(endpoints.values(), now)
        yield from self._inventory(endpoints)
        yield from self._sync_runs(endpoints)
        yield from self._findings(endpoints, now)
        yield from self._requirements()
        yield from self._operations()
        yield from self._heartbeats(now)
        yield from self._siem()
        yield from self._queue()

    # --- endpoints and their syncs --------------------------------------------------------
    def _endpoints(self) -> list[Endpoint]:
        last_finished = SyncRun.objects.filter(
            endpoint=OuterRef("pk"), finished_at__isnull=False, started_at__isnull=False
        ).order_by("-finished_at", "-id")
        duration = ExpressionWrapper(
            F("finished_at") - F("started_at"), output_field=DurationField()
        )
        return list(
            Endpoint.objects.annotate(
                last_duration=Subquery(
                    last_finished.annotate(d=duration).values("d")[:1],
                    output_field=DurationField(),
                ),
                last_run_status=Subquery(last_finished.values("status")[:1]),
            )
            .only("name", "kind", "enabled", "last_sync_at", "last_success_at", "last_sync_status")
            .order_by("name")
        )

    def _endpoint_families(self, endpoints, now) -> Iterator[Metric]:
        info = GaugeMetricFamily(
            f"{PREFIX}_endpoint_info",
            "Endpoints known to the portal",
            labels=["endpoint", "kind", "enabled"],
        )
        age = GaugeMetricFamily(
            f"{PREFIX}_endpoint_last_success_age_seconds",
            "Seconds since the endpoint's last successful sync (absent: never synced)",
            labels=["endpoint"],
        )
        success_ts = GaugeMetricFamily(
            f"{PREFIX}_endpoint_last_success_timestamp_seconds",
            "Unix time of the endpoint's last successful sync",
            labels=["endpoint"],
        )
        ok = GaugeMetricFamily(
            f"{PREFIX}_endpoint_last_sync_ok",
            "1 if the endpoint's last finished sync succeeded, else 0",
            labels=["endpoint"],
        )
        duration = GaugeMetricFamily(
            f"{PREFIX}_endpoint_last_sync_duration_seconds",
            "Duration of the endpoint's last finished sync",
            labels=["endpoint"],
        )
        for e in endpoints:
            info.add_metric([e.name, e.kind, str(e.enabled).lower()], 1)
            if e.last_success_at is not None:
                age.add_metric([e.name], _seconds(now - e.last_success_at))
                success_ts.add_metric([e.name], e.last_success_at.timestamp())
            if e.last_run_status:
                ok.add_metric([e.name], 1 if e.last_run_status == SyncRun.Status.SUCCEEDED else 0)
            if e.last_duration is not None:
                duration.add_metric([e.name], _seconds(e.last_duration))
        yield from (info, age, success_ts, ok, duration)

    def _sync_runs(self, endpoints) -> Iterator[Metric]:
        runs = GaugeMetricFamily(
            f"{PREFIX}_sync_runs",
            "Stored sync runs by endpoint and status",
            labels=["endpoint", "status"],
        )
        rows = SyncRun.objects.values("endpoint_id", "status").annotate(n=Count("id"))
        for row in rows.order_by("endpoint_id", "status"):
            runs.add_metric([endpoints[row["endpoint_id"]].name, row["status"]], row["n"])
        yield runs

    # --- inventory ------------------------------------------------------------------------
    def _inventory(self, endpoints) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            f"{PREFIX}_inventory_objects",
            "Inventory objects by endpoint, kind and state (absent: gone from the source)",
            labels=["endpoint", "kind", "state"],
        )
        for kind, model, field in INVENTORY:
            rows = (
                model.objects.annotate(state=_state(field))
                .values("endpoint_id", "state")
                .annotate(n=Count("id"))
                .order_by("endpoint_id", "state")
            )
            for row in rows:
                family.add_metric(
                    [endpoints[row["endpoint_id"]].name, kind, row["state"]], row["n"]
                )
        yield family

    # --- compliance -----------------------------------------------------------------------
    def _findings(self, endpoints, now) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            f"{PREFIX}_open_findings",
            "Open findings by endpoint and severity; waived: under an active waiver",
            labels=["endpoint", "severity", "waived"],
        )
        waived = Waiver.active_q("waiver__", now)
        rows = (
            Finding.objects.open()
            .values("endpoint_id", "severity")
            .annotate(total=Count("id"), waived=Count("id", filter=waived))
            .order_by("endpoint_id", "severity")
        )
        for row in rows:
            name = endpoints[row["endpoint_id"]].name
            family.add_metric([name, row["severity"], "false"], row["total"] - row["waived"])
            family.add_metric([name, row["severity"], "true"], row["waived"])
        yield family

    def _requirements(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            f"{PREFIX}_requirements",
            "Requirements by catalog and status over the whole estate",
            labels=["catalog", "status"],
        )
        counts: dict[tuple[str, str], int] = {}
        for state in requirement_statuses():
            key = (state.requirement.catalog, str(state.status))
            counts[key] = counts.get(key, 0) + 1
        for (catalog, status), n in sorted(counts.items()):
            family.add_metric([catalog, status], n)
        yield family

    # --- operations -----------------------------------------------------------------------
    def _operations(self) -> Iterator[Metric]:
        count = GaugeMetricFamily(
            f"{PREFIX}_operations",
            "Stored snapshot operations by kind and state",
            labels=["kind", "state"],
        )
        durations = SummaryMetricFamily(
            f"{PREFIX}_operation_duration_seconds",
            "Durations of finished snapshot operations (start to end)",
            labels=["kind", "state"],
        )
        finished = Q(finished_at__isnull=False, started_at__isnull=False)
        took = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
        rows = (
            Operation.objects.values("kind", "state")
            .annotate(
                n=Count("id"),
                timed=Count("id", filter=finished),
                total=Coalesce(Sum(took, filter=finished), Value(None, DurationField())),
            )
            .order_by("kind", "state")
        )
        for row in rows:
            count.add_metric([row["kind"], row["state"]], row["n"])
            if row["timed"]:
                durations.add_metric(
                    [row["kind"], row["state"]], row["timed"], _seconds(row["total"])
                )
        yield from (count, durations)

    # --- the portal's own machinery -------------------------------------------------------
    def _heartbeats(self, now) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            f"{PREFIX}_heartbeat_age_seconds",
            "Seconds since each worker and beat was last seen",
            labels=["kind", "name"],
        )
        for beat in Heartbeat.objects.filter(kind__in=("worker", "beat")).order_by("kind", "name"):
            family.add_metric([beat.kind, beat.name], _seconds(now - beat.seen_at))
        yield family

    def _siem(self) -> Iterator[Metric]:
        pending = GaugeMetricFamily(
            f"{PREFIX}_siem_pending_events",
            "Audit events the SIEM destination has not confirmed yet",
            labels=["destination"],
        )
        failing = GaugeMetricFamily(
            f"{PREFIX}_siem_failing",
            "1 while deliveries to the SIEM destination fail",
            labels=["destination"],
        )
        for row in backlog():
            pending.add_metric([row["destination"]], row["pending"])
            failing.add_metric([row["destination"]], 1 if row["failing_since"] else 0)
        yield from (pending, failing)

    def _queue(self) -> Iterator[Metric]:
        """Messages waiting in the Celery queue (asked of the broker, not the database)."""
        from portal.celery import app

        up = GaugeMetricFamily(f"{PREFIX}_celery_broker_up", "1 if the broker answered this scrape")
        length = GaugeMetricFamily(
            f"{PREFIX}_celery_queue_length",
            "Messages waiting in the Celery queue",
            labels=["queue"],
        )
        queue = app.conf.task_default_queue or settings.CELERY_TASK_DEFAULT_QUEUE
        try:
            with app.connection_for_read() as conn:
                conn.ensure_connection(max_retries=1, timeout=3)
                length.add_metric([queue], _message_count(conn, queue))
            up.add_metric([], 1)
        except Exception:  # kombu raises transport-specific errors: the broker is down
            up.add_metric([], 0)
        yield from (up, length)


def _message_count(conn, queue: str) -> int:
    from kombu.exceptions import ChannelError

    try:
        return conn.default_channel.queue_declare(queue, passive=True).message_count
    except ChannelError:  # Redis keeps no empty list: a queue never used is empty
        return 0
