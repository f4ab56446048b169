"""Web benchmark: the dashboard, the VM list page, ``/api/vms/``, the search, the task log (page
and API) and the audit trail on a large estate.

A fresh database gets 10,000 VMs on 200 hosts (two endpoints, one per platform), 5,000
snapshots and 30,000 open findings, and a history of 5,000 sync runs, 2,000 check runs, 500
policy runs, 10,000 snapshot operations with 40,000 log steps and 50,000 audit events, all by
``bulk_create``. gunicorn (2 workers, as the demo
runs it) serves it on 127.0.0.1; 8 client threads send a bounded number of requests to each
URL. Every figure is also given as a ratio to ``/healthz`` measured by the same server in the
same run, so the result says how heavy a page is, not how fast this machine is.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m bench.web

Options: ``--requests`` per URL (default 400), ``--clients`` (default 8), ``--port``,
``--only dashboard,vm_list`` (measure these targets and ``/healthz``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from bench.common import ROOT, save, setup_django, timed, user_with_role

DB_NAME = "bench_web"
HOSTS, VMS, SNAPSHOTS, FINDINGS = 200, 10_000, 5_000, 30_000
PASSWORD = "bench-password-" + secrets.token_hex(8)
TARGETS = {
    "healthz": "/healthz",
    "dashboard": "/",
    "vm_list": "/vms/",
    "api_vms": "/api/vms/",
    # The global search (issue 16): six kinds, one query each. "vm-0012" matches 11 VM names
    # (vm-00120 .. vm-00129, vm-0012) and nothing else; "vm-" matches every VM, so each kind
    # scans its table and sorts for the first 11.
    "search_page": "/search/?q=vm-0012",
    "api_search": "/api/search/?q=vm-0012",
    "api_search_broad": "/api/search/?q=vm-",
    "task_log": "/tasks/",
    "api_tasks": "/api/tasks/",
    "audit": "/audit/",
}
SYNC_RUNS, CHECK_RUNS, POLICY_RUNS, OPERATIONS, AUDIT_EVENTS = 5_000, 2_000, 500, 10_000, 50_000


def populate() -> dict[str, float]:
    """Fill the estate with bulk inserts; return the seconds each step took."""
    from django.utils import timezone

    from compliance.models import Finding
    from inventory.models import Endpoint, Host, Snapshot, VirtualMachine

    took: dict[str, float] = {}
    now = timezone.now()
    with timed(took, "endpoints_hosts"):
        endpoints = [
            Endpoint.objects.create(
                name="vc-bench", kind="vcenter", url="https://vc.bench.test",
                fingerprint="ab" * 32, last_success_at=now, last_sync_status="succeeded",
            ),
            Endpoint.objects.create(
                name="pve-bench", kind="proxmox", url="https://pve.bench.test:8006",
                fingerprint="cd" * 32, last_success_at=now, last_sync_status="succeeded",
            ),
        ]  # fmt: skip
        hosts = Host.objects.bulk_create(
            Host(
                endpoint=endpoints[i % 2],
                external_id=f"host-{i}",
                name=f"host-{i:03d}",
                connection_state=("connected", "online")[i % 2] if i % 50 else "disconnected",
                power_state="poweredOn",
                cpu_usage_percent=float(i % 97),
                memory_bytes=256 * 2**30,
                memory_used_bytes=(i % 90 + 5) * 2**30,
            )
            for i in range(HOSTS)
        )
    with timed(took, "vms"):
        states = {0: ("poweredOn", "poweredOff", "suspended"), 1: ("running", "stopped")}
        vms = VirtualMachine.objects.bulk_create(
            (
                VirtualMachine(
                    endpoint=hosts[i % HOSTS].endpoint,
                    host=hosts[i % HOSTS],
                    external_id=f"vm-{i}",
                    name=f"vm-{i:05d}",
                    kind=("vm", "qemu")[i % HOSTS % 2],
                    power_state=states[i % HOSTS % 2][i % len(states[i % HOSTS % 2])],
                    vcpus=2,
                    memory_bytes=4 * 2**30,
                    cpu_usage_percent=float(i % 100),
                )
                for i in range(VMS)
            ),
            batch_size=2000,
        )
    with timed(took, "snapshots"):
        Snapshot.objects.bulk_create(
            (
                Snapshot(
                    endpoint=vms[i].endpoint,
                    vm=vms[i],
                    external_id=f"snap-{i}",
                    name=f"snap-{i}",
                    created_at=now - dt.timedelta(hours=i % 400),
                )
                for i in range(SNAPSHOTS)
            ),
            batch_size=2000,
        )
    with timed(took, "findings"):
        checks = ("VM-001", "VM-002", "VM-003")
        Finding.objects.bulk_create(
            (
                Finding(
                    check_id=checks[i // VMS],
                    endpoint=vms[i % VMS].endpoint,
                    object_type="vm",
                    object_id=vms[i % VMS].pk,
                    object_name=vms[i % VMS].name,
                    status="fail",
                    severity=("low", "medium", "high")[i % 3],
                    message="bench finding",
                )
                for i in range(FINDINGS)
            ),
            batch_size=5000,
        )
    with timed(took, "history"):
        history(endpoints, vms, now)
    with timed(took, "requirement_summary"):
        stored_summary(now)
    return took


def stored_summary(now: dt.datetime) -> None:
    """The newest check run finishes as a real one does: it stores the estate's requirement
    summary over the 30,000 findings, which the dashboard tile reads."""
    from compliance.models import CheckRun
    from compliance.services.status import requirement_summary

    run = CheckRun.objects.order_by("-queued_at", "-pk").first()
    run.finished_at = now
    run.requirement_summary = requirement_summary()
    run.save(update_fields=["finished_at", "requirement_summary"])


def history(endpoints: list, vms: list, now: dt.datetime) -> None:
    """What the task log and the audit trail list: runs, operations with steps, events."""
    from django_celery_beat.models import CrontabSchedule

    from compliance.models import CheckRun
    from inventory.models import SyncRun
    from operations.models import Operation, OperationStep, PolicyRun, SnapshotPolicy
    from portal.models import AuditEvent

    ago = lambda i: now - dt.timedelta(minutes=i)  # noqa: E731
    SyncRun.objects.bulk_create(
        (
            SyncRun(
                endpoint=endpoints[i % 2], status="succeeded", queued_at=ago(i), started_at=ago(i)
            )
            for i in range(SYNC_RUNS)
        ),
        batch_size=5000,
    )
    CheckRun.objects.bulk_create(
        (
            CheckRun(
                endpoint=endpoints[i % 2], trigger="sync", status="succeeded", queued_at=ago(i)
            )
            for i in range(CHECK_RUNS)
        ),
        batch_size=5000,
    )
    policy = SnapshotPolicy.objects.create(label="bench", crontab=CrontabSchedule.objects.create())
    policy.endpoints.set(endpoints)
    PolicyRun.objects.bulk_create(
        (
            PolicyRun(policy=policy, status="succeeded", queued_at=ago(60 * i))
            for i in range(POLICY_RUNS)
        ),
        batch_size=5000,
    )
    ops = Operation.objects.bulk_create(
        (
            Operation(
                kind="create",
                vm=vms[i % len(vms)],
                state="succeeded",
                params={"name": f"op-{i}"},
                requested_by_name="bench-admin",
                remote_ref=f"task-{i}",
                created_at=ago(i),
            )
            for i in range(OPERATIONS)
        ),
        batch_size=5000,
    )
    OperationStep.objects.bulk_create(
        (
            OperationStep(operation=op, step=step, at=op.created_at, remote_ref=op.remote_ref)
            for op in ops
            for step in ("queued", "started", "submitted", "succeeded")
        ),
        batch_size=10000,
    )
    AuditEvent.objects.bulk_create(
        (
            AuditEvent(
                occurred_at=ago(i),
                actor="bench-admin",
                source="web",
                action="endpoint.update",
                target_type="inventory.endpoint",
                target_id=str(endpoints[i % 2].pk),
                target_repr=endpoints[i % 2].name,
                detail={"changes": {"sync_interval_minutes": [15, 30]}},
            )
            for i in range(AUDIT_EVENTS)
        ),
        batch_size=10000,
    )


def make_users() -> str:
    """An auditor (reads everything, no second factor enrolled) and an API token for it."""
    from portal.tokens import api_token_create

    user = user_with_role("bench-auditor", "auditor", PASSWORD)
    _token, key = api_token_create(user=user, name="bench")
    return key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def throwaway_keys() -> None:
    """One SECRET_KEY for this process and the server: API tokens are hashed with it."""
    from cryptography.fernet import Fernet

    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["ENCRYPTION_KEYS"] = Fernet.generate_key().decode()


def start_gunicorn(port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, DEBUG="false", PORTAL_HTTPS="false", LOG_LEVEL="WARNING")
    cmd = [
        sys.executable, "-m", "gunicorn", "portal.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200:
                return proc
        except requests.RequestException:  # not listening yet, or still importing
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"gunicorn did not come up; see {log}")


def logged_in_session(base: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/login/")
    answer = session.post(
        f"{base}/login/",
        data={
            "username": "bench-auditor",
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/",
        },
        headers={"Referer": f"{base}/login/"},
    )
    if "/login/" in answer.url:
        raise SystemExit("bench login failed")
    return session


def load(base: str, path: str, cookies: Any, headers: dict, total: int, clients: int) -> dict:
    """``total`` GETs of ``path`` from ``clients`` threads; latencies in ms and throughput."""

    def one_client(count: int) -> list[float]:
        session = requests.Session()
        session.cookies.update(cookies)
        times = []
        for _ in range(count):
            t0 = time.perf_counter()
            answer = session.get(base + path, headers=headers, timeout=60)
            times.append((time.perf_counter() - t0) * 1000)
            if answer.status_code != 200:
                raise SystemExit(f"{path}: HTTP {answer.status_code}")
        return times

    share = [total // clients + (i < total % clients) for i in range(clients)]
    one_client(3)  # warm both workers' caches and connections
    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = [ms for part in pool.map(one_client, share) for ms in part]
    wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100)
    return {
        "requests": total,
        "p50_ms": round(q[49], 1),
        "p95_ms": round(q[94], 1),
        "per_second": round(total / wall, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--db", default=DB_NAME, help="database to (re)create for the run")
    parser.add_argument(
        "--only", default="", help="comma-separated targets to measure (healthz always is)"
    )
    args = parser.parse_args(argv)
    wanted = {"healthz", *filter(None, args.only.split(","))} if args.only else set(TARGETS)
    if unknown := wanted - set(TARGETS):
        parser.error(f"--only: unknown targets {', '.join(sorted(unknown))}")

    throwaway_keys()
    setup_django(args.db)
    print("filling the estate ...", flush=True)
    took = populate()
    token = make_users()
    from django.db import connection, connections

    # A live database has planner statistics (autovacuum analyses a table soon after a bulk
    # load); without them PostgreSQL joins all 10,000 rows before it sorts for the first page.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    connections.close_all()  # the server's workers get the database to themselves

    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    log = ROOT / "var" / "bench" / "web-gunicorn.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    server = start_gunicorn(port, log)
    try:
        session = logged_in_session(base)
        results = {}
        for name, path in TARGETS.items():
            if name not in wanted:
                continue
            # The API is measured as other tools call it: with a token, not a session.
            headers = {"Authorization": f"Token {token}"} if path.startswith("/api/") else {}
            cookies = {} if headers else session.cookies
            results[name] = load(base, path, cookies, headers, args.requests, args.clients)
            print(name, results[name], flush=True)
    finally:
        server.terminate()
        server.wait(timeout=15)

    base_line = results["healthz"]
    for r in results.values():
        r["p50_vs_healthz"] = round(r["p50_ms"] / base_line["p50_ms"], 1)
        r["p95_vs_healthz"] = round(r["p95_ms"] / base_line["p95_ms"], 1)
        r["throughput_vs_healthz"] = round(r["per_second"] / base_line["per_second"], 3)
    print(
        f"\n{'url':<18}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}{'p50 x':>8}{'p95 x':>8}{'rps x':>8}"
    )
    for name, r in results.items():
        print(
            f"{name:<18}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['per_second']:>9}"
            f"{r['p50_vs_healthz']:>8}{r['p95_vs_healthz']:>8}{r['throughput_vs_healthz']:>8}"
        )
    save(
        "web",
        {
            "estate": {"hosts": HOSTS, "vms": VMS, "snapshots": SNAPSHOTS, "findings": FINDINGS},
            "history": {
                "sync_runs": SYNC_RUNS,
                "check_runs": CHECK_RUNS,
                "policy_runs": POLICY_RUNS,
                "operations": OPERATIONS,
                "operation_steps": 4 * OPERATIONS,
                "audit_events": AUDIT_EVENTS,
            },
            "populate_seconds": took,
            "server": "gunicorn, 2 workers x 4 threads, 127.0.0.1",
            "clients": args.clients,
            "results": results,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
