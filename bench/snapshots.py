"""Benchmark: 100 snapshot create-and-delete pairs through the portal vs a plain pyvmomi script.

Portal path: the REST API (DRF views in-process, an administrator), Operation rows, a real Celery
worker on Redis at the default concurrency, the vCenter connector, and govmomi's simulator. The
pairs are spread over the simulator's VMs (one active operation per VM is the rule), each VM's
pairs one after another. Baseline: one pyvmomi session doing the same pairs one after another,
waiting for each task as a plain script does.

Two settings, each on a fresh simulator: snapshot calls as the simulator does them (done in
microseconds, so both sides measure little more than their fixed cost per call), and with each
snapshot call taking 200 ms, nearer a real vCenter (which needs seconds), where the portal's
parallel workers count. ``--snapshot-delay-ms`` chooses the settings.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/9 DEBUG=1 .venv/bin/python -m bench.snapshots

It creates the database ``test_<name>`` of DATABASE_URL, migrates it and drops it at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# The benchmark measures throughput; the per-user rate limit on operations is configuration.
os.environ.setdefault("OPERATION_RATE", "100000/min")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from simulators import vcsim as sim_api  # noqa: E402
from simulators.vcsim import RunningVcsim, VcsimSpec  # noqa: E402
from simulators.worker import Worker  # noqa: E402


def _wait_task(si, task) -> None:
    """Poll the task's state as a plain script does (named properties: the simulator puts a
    Snapshot into ``info.entity``, which pyvmomi refuses to read as a whole ``info``)."""
    from pyVmomi import vmodl

    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=task)],
        propSet=[
            vmodl.query.PropertyCollector.PropertySpec(type=type(task), pathSet=["info.state"])
        ],
    )
    while True:
        state = si.content.propertyCollector.RetrieveContents([spec])[0].propSet[0].val
        if state in ("success", "error"):
            return
        time.sleep(0.05)


def plain_pyvmomi(sim: RunningVcsim, vm_id: str, pairs: int) -> float:
    started = time.perf_counter()
    with sim_api.service_instance(sim) as si:
        vm = sim_api.find_vm(si, vm_id)
        for i in range(pairs):
            _wait_task(si, vm.CreateSnapshot_Task(f"plain-{i}", "", False, False))
            _wait_task(si, vm.snapshot.currentSnapshot.RemoveSnapshot_Task(removeChildren=False))
    return time.perf_counter() - started


# How often the API client looks at its operation. Every look is a query; 10 ms keeps the
# client's own waiting out of the measurement without loading the database much.
POLL_SECONDS = 0.01


def _wait(op_id: int, timeout: float = 120.0) -> tuple[str, int | None]:
    """The operation's end state and snapshot (what a client reads from its operation)."""
    from operations.models import Operation

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state, snapshot = Operation.objects.values_list("state", "snapshot_id").get(pk=op_id)
        if state in ("succeeded", "failed"):
            return state, snapshot
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"operation {op_id} did not end")


def through_portal(vms: list, pairs: int, user) -> tuple[float, int]:
    from rest_framework.test import APIClient

    failures: list[str] = []

    def one_vm(vm, count: int) -> None:
        api = APIClient(SERVER_NAME="localhost")
        api.force_authenticate(user)  # authentication is not what is measured
        try:
            for i in range(count):
                made = api.post(f"/api/vms/{vm.pk}/snapshots/", {"name": f"bench-{i}"})
                state, snap = _wait(made.json()["id"]) if made.status_code == 202 else ("", None)
                if state != "succeeded":
                    failures.append(
                        f"create {vm.name} {i}: {made.status_code} {made.content[:300]!r}"
                    )
                    continue
                gone = api.delete(f"/api/snapshots/{snap}/?reason=bench")
                if gone.status_code != 202 or _wait(gone.json()["id"])[0] != "succeeded":
                    failures.append(f"delete {vm.name} {i}: {gone.status_code}")
        finally:
            connection.close()

    share = [pairs // len(vms) + (1 if i < pairs % len(vms) else 0) for i in range(len(vms))]
    threads = [
        threading.Thread(target=one_vm, args=(vm, n)) for vm, n in zip(vms, share, strict=True)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if failures:
        print("failures:", *failures[:10], sep="\n  ")
    return elapsed, len(failures)


def one_setting(args, delay_ms: int, env: dict[str, str], queue: str) -> dict[str, float]:
    """Both sides on a fresh simulator whose snapshot calls take ``delay_ms``."""
    from bench.common import user_with_role
    from inventory.models import VirtualMachine
    from simulators.endpoints import vcenter_endpoint

    concurrency = settings.CELERY_WORKER_CONCURRENCY
    spec = VcsimSpec(
        clusters=1,
        cluster_hosts=2,
        standalone_hosts=1,
        vms_per_pool=args.vms_per_pool,
        snapshot_delay_ms=delay_ms,
    )
    with RunningVcsim(spec) as sim, Worker(env, queue, concurrency=concurrency, name="bench"):
        endpoint = vcenter_endpoint(sim, f"bench-vcsim-{delay_ms}")
        vms = list(VirtualMachine.objects.filter(endpoint=endpoint).order_by("name"))
        user = user_with_role(f"bench-admin-{delay_ms}", "administrator")
        baseline = plain_pyvmomi(sim, vms[0].external_id, args.pairs)
        portal, failed = through_portal(vms, args.pairs, user)
    print(
        f"{args.pairs} create+delete pairs on govmomi's vCenter simulator ({len(vms)} VMs, "
        f"{delay_ms} ms per snapshot call)"
    )
    print(f"  plain pyvmomi, one after another:          {baseline:7.2f} s")
    print(f"  portal API + Celery (concurrency {concurrency}): {portal:7.2f} s  ({failed} failed)")
    print(f"  ratio portal / plain:                       {portal / baseline:7.2f}", flush=True)
    return {
        "snapshot_delay_ms": delay_ms,
        "plain_seconds": round(baseline, 2),
        "portal_seconds": round(portal, 2),
        "ratio": round(portal / baseline, 2),
        "failed": failed,
        "vms": len(vms),
        "worker_concurrency": concurrency,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--vms-per-pool", type=int, default=2)
    parser.add_argument(
        "--snapshot-delay-ms",
        default="0,200",
        help="comma-separated: how long each snapshot call takes on the simulator, one run "
        "per value (0: the simulator's instant tasks; a vCenter takes seconds)",
    )
    args = parser.parse_args(argv)
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        parser.error("set CELERY_BROKER_URL=redis://...")
    delays = [int(d) for d in args.snapshot_delay_ms.split(",") if d.strip()]

    from bench.common import save
    from portal.celery import app

    old = setup_databases(verbosity=0, interactive=False)
    db = settings.DATABASES["default"]
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = queue
    env = {
        "DATABASE_URL": f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:"
        f"{db.get('PORT') or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_QUEUE": queue,
        "DEBUG": "true",
    }
    try:
        results = [one_setting(args, delay, env, queue) for delay in delays]
    finally:
        teardown_databases(old, verbosity=0)
    save("snapshots", {"pairs": args.pairs, "runs": results})
    return 1 if any(r["failed"] for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
