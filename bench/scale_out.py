"""Benchmark (issue 17): one sync schedule over many endpoints, one worker process against four.

Starts ``--endpoints`` fake Proxmox VE clusters (fakepve, each in its own process, over real HTTPS
with a pinned fingerprint and an API token) of ``--guests`` guests each, answering every request
after ``--latency-ms`` (a real platform takes tens of milliseconds per call; the wait does not
block the fake's other requests). Then, for each worker count of ``--workers`` (default 1 and 4),
on Redis and PostgreSQL:

1. registers the simulators as fresh endpoints (so every configuration does the same work: a
   first sync of every guest) and disables the previous configuration's endpoints;
2. starts that many real Celery worker processes with concurrency 1 each on a queue of its own;
3. runs the beat task's schedule once (``schedule_due_syncs``) and waits until every sync run and
   the check run each successful sync queues have ended;
4. reads the wall time from the first queued run to the last finished sync (and check run), the
   CPU time of the worker processes and of the simulators from ``/proc``, how many requests the
   simulators answered, and the runs per endpoint (exactly one sync and one check run each: no
   double work) and per worker (from the workers' logs).

Why fakepve and not the vCenter simulator: a portal sync of 5,000 VMs from govmomi's simulator is
a handful of large PropertyCollector pages, parsed by pyVmomi for seconds of CPU each; a per-call
delay of tens of milliseconds changes nothing there, and two cores cannot run more than two
parsers at once. A Proxmox sync makes about two requests per guest (eight at a time), so the
platform's per-call latency is most of its time, as with a real, remote platform. The fakes run
on the same two cores as the portal, which a real platform does not.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/6 .venv/bin/python -m bench.scale_out \\
        --endpoints 10 --guests 1000 --latency-ms 30

The database ``bench_scale_out`` is created (dropped first) on the server of DATABASE_URL.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import ROOT, save, setup_django
from bench.web import throwaway_keys

CLK_TCK = os.sysconf("SC_CLK_TCK")
DB_NAME = "bench_scale_out"
# A sync runs its task in the pool child; the worker log's ``Task NAME[id] succeeded`` lines say
# which worker ran what.
TASK_DONE = re.compile(
    r"Task (inventory\.sync_endpoint|compliance\.run_checks)\[[^\]]+\] succeeded"
)


class FakePveProcess:
    """``python -m simulators.fakepve`` with a latency; at stop it says how many requests it
    answered (the JSON line the fake prints on SIGTERM)."""

    def __init__(self, guests: int, nodes: int, latency_ms: float):
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "simulators.fakepve", "--guests", str(guests),
                "--nodes", str(nodes), "--latency-ms", str(latency_ms),
            ],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            self.proc.kill()
            raise SystemExit("fakepve did not start")
        self.info = json.loads(line)

    def requests_answered(self) -> int:
        """Stop the fake and return its request count."""
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=60)
        lines = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
        return int(lines[-1]["requests"]) if lines else -1

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process, its threads and its reaped children (``/proc``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the name: state is field 3, so utime (14), stime (15), cutime (16), cstime (17).
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / CLK_TCK


def tree_cpu_seconds(pid: int) -> float:
    """CPU of a process and of its living descendants (a worker's main process and pool)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += cpu_seconds(p)
        todo += children.get(p, [])
    return total


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def wait_until_ended(endpoint_ids: list[int], deadline_seconds: float) -> None:
    """Until every sync of the endpoints and every check run they queued has ended."""
    from compliance.models import CheckRun
    from inventory.models import SyncRun

    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        syncs = SyncRun.objects.filter(endpoint_id__in=endpoint_ids)
        checks = CheckRun.objects.filter(endpoint_id__in=endpoint_ids)
        succeeded = syncs.filter(status=SyncRun.Status.SUCCEEDED).count()
        if (
            not syncs.active().exists()
            and not checks.active().exists()
            and checks.count() >= succeeded
        ):
            return
        time.sleep(1.0)
    raise SystemExit(f"not finished after {deadline_seconds:.0f} s")


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """The largest number of intervals open at one moment."""
    events = sorted([(a, 1) for a, _ in intervals] + [(b, -1) for _, b in intervals])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


def one_configuration(
    workers_n: int, fakes: list[FakePveProcess], env: dict[str, str], queue: str, args
) -> dict[str, Any]:
    from django.utils import timezone

    from compliance.models import CheckRun
    from inventory.models import Endpoint, SyncRun, VirtualMachine
    from inventory.services.endpoints import endpoint_create
    from inventory.services.schedule import schedule_due_syncs
    from portal.celery import app
    from simulators.worker import Worker

    Endpoint.objects.update(enabled=False)  # the previous configuration's endpoints
    endpoints = [
        endpoint_create(
            name=f"scale-{workers_n}w-{i}", kind="proxmox", url=f.info["url"],
            token_id=f.info["token_id"], secret=f.info["token_secret"],
            fingerprint=f.info["fingerprint"], actor="bench",
        )
        for i, f in enumerate(fakes)
    ]  # fmt: skip
    ids = [e.pk for e in endpoints]
    workers = [
        Worker(env, queue, concurrency=1, name=f"scale{workers_n}-{k}").start(timeout=180)
        for k in range(workers_n)
    ]
    try:
        cpu0 = {w.name: tree_cpu_seconds(w.proc.pid) for w in workers}
        sim_cpu0 = sum(cpu_seconds(f.proc.pid) for f in fakes)
        load0 = loadavg()
        t0 = time.monotonic()
        queued = schedule_due_syncs(timezone.now())
        assert len(queued) == len(endpoints), f"queued {len(queued)} of {len(endpoints)}"
        wait_until_ended(ids, args.deadline)
        # A task goes on after its run's row is committed (on-commit work): stopping the worker
        # then would kill it (and the broker would hand its message out again).
        for w in workers:
            while w.busy(app) and time.monotonic() - t0 < args.deadline:
                time.sleep(0.5)
        wait_seconds = time.monotonic() - t0
        cpu = {w.name: round(tree_cpu_seconds(w.proc.pid) - cpu0[w.name], 1) for w in workers}
        sim_cpu = sum(cpu_seconds(f.proc.pid) for f in fakes) - sim_cpu0
        load1 = loadavg()
    finally:
        for w in workers:
            w.stop()
    done_by = {  # read once the workers have stopped: their last lines are written
        w.name: {
            kind: sum(1 for m in TASK_DONE.finditer(w.log()) if m.group(1) == kind)
            for kind in ("inventory.sync_endpoint", "compliance.run_checks")
        }
        for w in workers
    }
    syncs = list(SyncRun.objects.filter(endpoint_id__in=ids))
    checks = list(CheckRun.objects.filter(endpoint_id__in=ids))
    first_queued = min(r.queued_at for r in syncs)
    sync_end = max(r.finished_at for r in syncs)
    all_end = max([sync_end, *(c.finished_at for c in checks if c.finished_at)])
    per_endpoint = {
        e.name: {
            "syncs": [r.status for r in syncs if r.endpoint_id == e.pk],
            "check_runs": [c.status for c in checks if c.endpoint_id == e.pk],
        }
        for e in endpoints
    }
    sync_seconds = [(r.finished_at - r.started_at).total_seconds() for r in syncs]
    check_seconds = [
        (c.finished_at - c.started_at).total_seconds()
        for c in checks
        if c.started_at and c.finished_at
    ]
    return {
        "workers": workers_n,
        "sync_wall_seconds": round((sync_end - first_queued).total_seconds(), 1),
        "all_wall_seconds": round((all_end - first_queued).total_seconds(), 1),
        "until_workers_idle_seconds": round(wait_seconds, 1),
        "sync_seconds_each": {
            "min": round(min(sync_seconds), 1),
            "max": round(max(sync_seconds), 1),
            "sum": round(sum(sync_seconds), 1),
        },
        "check_seconds_sum": round(sum(check_seconds), 1),
        "syncs_at_once_max": max_overlap(
            [(r.started_at.timestamp(), r.finished_at.timestamp()) for r in syncs]
        ),
        "worker_cpu_seconds": cpu,
        "worker_cpu_seconds_total": round(sum(cpu.values()), 1),
        "simulator_cpu_seconds": round(sim_cpu, 1),
        "loadavg_start_end": [load0, load1],
        "tasks_done_by_worker": done_by,
        "exactly_once": all(
            v["syncs"] == ["succeeded"] and v["check_runs"] == ["succeeded"]
            for v in per_endpoint.values()
        ),
        "attempts": sorted({r.attempts for r in syncs}),
        "per_endpoint": per_endpoint,
        "rows_created_per_sync": sorted({r.created for r in syncs}),
        "vms_per_endpoint": sorted(
            {e.pk: VirtualMachine.objects.filter(endpoint=e).count() for e in endpoints}.values()
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=10)
    parser.add_argument("--guests", type=int, default=1000, help="guests per endpoint")
    parser.add_argument("--nodes", type=int, default=5, help="nodes per endpoint")
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--workers", default="1,4", help="worker counts, one run each, in order")
    parser.add_argument("--deadline", type=float, default=3600, help="seconds per run at most")
    parser.add_argument("--db", default=DB_NAME)
    args = parser.parse_args(argv)
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis"):
        parser.error("set CELERY_BROKER_URL=redis://... (the scale-out runs on Redis)")
    throwaway_keys()
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("PORTAL_HTTPS", "false")
    setup_django(args.db)
    from django.db import connections

    from portal.celery import app

    queue = f"bench-scale-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = queue
    env = {
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "CELERY_BROKER_URL": broker,
        "CELERY_QUEUE": queue,
        "DEBUG": "false",
        "PORTAL_HTTPS": "false",
        "LOG_LEVEL": "WARNING",
    }
    counts = [int(n) for n in args.workers.split(",") if n.strip()]
    t0 = time.monotonic()
    fakes: list[FakePveProcess] = []
    try:
        for _ in range(args.endpoints):
            fakes.append(FakePveProcess(args.guests, args.nodes, args.latency_ms))
        print(f"{len(fakes)} fakes up in {time.monotonic() - t0:.1f} s", flush=True)
        runs = []
        for n in counts:
            runs.append(one_configuration(n, fakes, env, queue, args))
            print(
                json.dumps({k: v for k, v in runs[-1].items() if k != "per_endpoint"}), flush=True
            )
        requests = [f.requests_answered() for f in fakes]
    finally:
        for f in fakes:
            f.stop()
        connections.close_all()
    base = runs[0]
    result: dict[str, Any] = {
        "endpoints": args.endpoints,
        "guests_per_endpoint": args.guests,
        "nodes_per_endpoint": args.nodes,
        "latency_ms": args.latency_ms,
        "requests_answered": sum(requests),
        # The fakes' deliberate waiting, summed over requests (a sync has up to 8 in flight).
        "latency_seconds_total": round(sum(requests) * args.latency_ms / 1000, 1),
        "runs": runs,
    }
    for run in runs:
        run["ratio_sync_wall"] = round(run["sync_wall_seconds"] / base["sync_wall_seconds"], 2)
        run["ratio_all_wall"] = round(run["all_wall_seconds"] / base["all_wall_seconds"], 2)
        # The share of the workers' task time (syncs and check runs) spent off the CPU: waiting
        # on the platform, on PostgreSQL, on Redis, or for a core on a loaded machine.
        busy = run["sync_seconds_each"]["sum"] + run["check_seconds_sum"]
        run["worker_off_cpu_share"] = round(1 - run["worker_cpu_seconds_total"] / busy, 2)
    save("scale_out", result)
    ok = all(r["exactly_once"] and r["syncs_at_once_max"] <= r["workers"] for r in runs)
    print("no double work" if ok else "DOUBLE WORK OR FAILED RUNS")
    for run in runs[1:]:
        print(
            f"{run['workers']} workers / 1: sync wall ratio {run['ratio_sync_wall']} (target 0.35)"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
