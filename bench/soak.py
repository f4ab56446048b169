"""Soak test of the demo stack on the embedded defaults (``make soak``; a short form runs in
``make test`` as ``tests/portal/test_soak.py``).

What runs: ``make demo``'s web server, worker and beat (``portal.demo.Stack``) on SQLite and the
embedded broker, in a var directory of their own, with a fake Proxmox VE registered on a
1-minute interval, and two snapshot policies on a per-minute crontab: one selecting by tag
(``prod``, JSON containment, which failed on SQLite) and one selecting VMs by name. Every few
seconds the web server is asked for ``/healthz`` and ``/login/``.

What is counted, from the database and the logs, at the end:

- scheduled syncs (trigger ``schedule``) by outcome, and how many of the succeeded ones were
  followed by a check run of their endpoint;
- policy runs of each policy by state;
- lines in the web, worker and beat logs with ``ERROR``, ``CRITICAL`` or ``Traceback`` (read
  before the stack is stopped: a warm shutdown's messages are not the soak's).

Usage: ``python -m bench.soak --minutes 10`` prints the figures as JSON and exits 1 if any
expectation fails (``docs/BENCHMARKS.md`` has a recorded run).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from portal.demo import Stack, demo_env, ensure_admin
from simulators.demo import Simulator, register_endpoint

ERROR_LINE = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback")
LOGS = ("web", "worker", "beat")

SETUP = """
from inventory.models import Endpoint, VirtualMachine
from operations.services.policies import policy_create
endpoint = Endpoint.objects.get(name="pve-soak")
tagged = sum("prod" in (vm.tags or []) for vm in VirtualMachine.objects.filter(endpoint=endpoint))
named = VirtualMachine.objects.filter(endpoint=endpoint, template=False).order_by("name").first()
policy_create(label="bytag", tag="prod", minute="*", keep_last=2, min_free_percent=0, actor="soak")
policy_create(label="byname", vms=[named], minute="*", keep_last=2, min_free_percent=0, actor="soak")
print(tagged)
"""

FIGURES = """
import json
from django.db.models import Count
from compliance.models import CheckRun
from inventory.models import SyncRun
from operations.models import Operation, PolicyRun
syncs = SyncRun.objects.filter(trigger="schedule")
by_status = dict(syncs.values_list("status").annotate(n=Count("id")))
followed = 0
for run in syncs.filter(status="succeeded"):
    if CheckRun.objects.filter(endpoint_id=run.endpoint_id, queued_at__gte=run.finished_at,
                               status="succeeded").exists():
        followed += 1
policies = {}
for label in ("bytag", "byname"):
    runs = PolicyRun.objects.filter(policy__label=label)
    policies[label] = dict(runs.values_list("status").annotate(n=Count("id")))
ops = dict(Operation.objects.values_list("state").annotate(n=Count("id")))
failed_ops = [f"{o.kind} {o.vm.name}: {o.error[:200]}" for o in Operation.objects.filter(state="failed")]
print(json.dumps({"scheduled_syncs": by_status, "syncs_followed_by_check_run": followed,
                  "check_runs": CheckRun.objects.filter(status="succeeded").count(),
                  "policy_runs": policies, "snapshot_operations": ops,
                  "failed_operations": failed_ops}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status
    except OSError:
        return 0


def soak(minutes: float, var_dir: Path, *, log=print) -> dict:
    """Run the stack for ``minutes`` and return the figures (``failures``: what went wrong)."""
    env = demo_env(var_dir)
    for key in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_QUEUE", "DEBUG", "PORTAL_TESTING"):
        env.pop(key, None)  # the demo's embedded defaults
    env["LOG_LEVEL"] = "INFO"
    stack = Stack(var_dir, free_port(), env)
    stack.manage("migrate", "--verbosity", "0")
    ensure_admin(stack)
    pve = Simulator("fake Proxmox VE", "simulators.fakepve", "--guests", "8", "--nodes", "2",
                    env=env)  # fmt: skip
    failures: list[str] = []
    requests = bad_requests = 0
    try:
        register_endpoint(stack, "pve-soak", "proxmox", pve.info, "--token-id", pve.info["token_id"],
                          "--interval", "1")  # fmt: skip
        stack.manage("sync", "pve-soak")  # the start-up sync, as make demo does
        tagged = int(stack.manage("shell", "-c", SETUP, capture=True).strip().splitlines()[-1])
        log(f"soak: {tagged} VMs tagged prod; running {minutes} min in {var_dir}")
        stack.start()
        if not stack.wait_healthy(90):
            raise RuntimeError(f"the web server did not come up: {_tail(var_dir / 'web.log')}")
        deadline = time.monotonic() + minutes * 60
        while time.monotonic() < deadline:
            for path in ("healthz", "login/"):
                requests += 1
                bad_requests += _get(stack.url + path) != 200
            dead = [p.args[3] for p in stack.procs if p.poll() is not None]
            if dead:
                failures.append(f"a process stopped: {dead}")
                break
            time.sleep(5)
        # Let what is running end (a sync started in the last seconds, its check run).
        time.sleep(20)
        errors = {name: _error_lines(var_dir / f"{name}.log") for name in LOGS}
    finally:
        stack.stop()
        pve.stop()
    figures = json.loads(stack.manage("shell", "-c", FIGURES, capture=True).splitlines()[-1])
    figures.update(
        minutes=minutes,
        web_requests=requests,
        web_requests_failed=bad_requests,
        log_errors={name: len(lines) for name, lines in errors.items()},
    )
    succeeded = figures["scheduled_syncs"].get("succeeded", 0)
    if succeeded < max(1, int(minutes) - 2):
        failures.append(f"only {succeeded} scheduled syncs succeeded in {minutes} min")
    if figures["scheduled_syncs"].get("failed"):
        failures.append(f"scheduled syncs failed: {figures['scheduled_syncs']}")
    if figures["syncs_followed_by_check_run"] < succeeded:
        failures.append("a scheduled sync was not followed by a check run")
    for label, states in figures["policy_runs"].items():
        if not states.get("succeeded") or set(states) - {"succeeded", "running"}:
            failures.append(f"policy {label}: {states}")
    if bad_requests:
        failures.append(f"{bad_requests} of {requests} web requests failed")
    for name, lines in errors.items():
        if lines:
            failures.append(f"{name}.log has errors: {lines[:5]}")
    figures["failures"] = failures
    return figures


def _error_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [
        line for line in path.read_text(errors="replace").splitlines() if ERROR_LINE.search(line)
    ]


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-2000:] if path.exists() else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the var directory (logs)")
    args = parser.parse_args(argv)
    var_dir = Path(tempfile.mkdtemp(prefix="portal-soak-"))
    try:
        figures = soak(args.minutes, var_dir)
    finally:
        if not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)
    print(json.dumps(figures, indent=2))
    return 1 if figures["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
