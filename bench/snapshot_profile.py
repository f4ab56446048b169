"""Where one snapshot operation spends its statements and time (issue 17 item 5).

One create and one delete end to end, the REST API in-process as an administrator and the step
run in this process (no Celery, so each phase is seen alone) against govmomi's simulator:
prints every statement of each phase, then cProfile's split of ``--pairs`` more pairs into the
steps, the API requests, waiting on the database and the SOAP calls.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/9 DEBUG=1 .venv/bin/python -m bench.snapshot_profile

It creates the database ``test_<name>`` of DATABASE_URL, migrates it and drops it at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases

# Django set up as the benchmark sets it up (settings, the raised operation rate limit).
import bench.snapshots  # noqa: F401
from simulators.vcsim import RunningVcsim, VcsimSpec


def _show(label: str, queries: CaptureQueriesContext) -> None:
    sql = [q["sql"] for q in queries.captured_queries]
    print(f"--- {label}: {len(sql)} statements")
    for statement in sql:
        print(f"    {statement[:140]}")


def _pair(api, vm, name: str, show: bool) -> None:
    from operations.models import Operation
    from operations.services.operation_runner import operation_step

    with CaptureQueriesContext(connection) as request:
        made = api.post(f"/api/vms/{vm.pk}/snapshots/", {"name": name})
    with CaptureQueriesContext(connection) as step:
        operation_step(made.json()["id"])
    snapshot = Operation.objects.values_list("snapshot_id", flat=True).get(pk=made.json()["id"])
    with CaptureQueriesContext(connection) as request2:
        gone = api.delete(f"/api/snapshots/{snapshot}/?reason=profile")
    with CaptureQueriesContext(connection) as step2:
        operation_step(gone.json()["id"])
    if show:
        for label, queries in (
            ("API create", request),
            ("create step", step),
            ("API delete", request2),
            ("delete step", step2),
        ):
            _show(label, queries)


def _split(profile: cProfile.Profile) -> dict[str, float]:
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]

    def cumulative(file_end: str, function: str) -> float:
        return sum(v[3] for k, v in stats.items() if k[0].endswith(file_end) and k[2] == function)

    return {
        "steps": cumulative("operation_runner.py", "operation_step"),
        "api": cumulative("django/test/client.py", "request"),
        "database wait": cumulative("psycopg/connection.py", "wait"),
        "soap": cumulative("pyVmomi/SoapAdapter.py", "InvokeMethod"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20)
    args = parser.parse_args(argv)
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from rest_framework.test import APIClient

        from bench.common import user_with_role
        from inventory.models import VirtualMachine
        from simulators.endpoints import vcenter_endpoint

        spec = VcsimSpec(clusters=1, cluster_hosts=2, standalone_hosts=1, vms_per_pool=2)
        with RunningVcsim(spec) as sim:
            endpoint = vcenter_endpoint(sim, "profile")
            vm = VirtualMachine.objects.filter(endpoint=endpoint).order_by("name").first()
            api = APIClient(SERVER_NAME="localhost")
            api.force_authenticate(user_with_role("profile-admin", "administrator"))
            _pair(api, vm, "warm", show=False)  # the kept session, caches
            _pair(api, vm, "shown", show=True)
            profile = cProfile.Profile()
            started = time.perf_counter()
            profile.enable()
            for i in range(args.pairs):
                _pair(api, vm, f"p{i}", show=False)
            profile.disable()
            elapsed = time.perf_counter() - started
        split = ", ".join(f"{k} {v:.2f} s" for k, v in _split(profile).items())
        print(f"{args.pairs} pairs one after another: {elapsed:.2f} s ({split})")
    finally:
        teardown_databases(old, verbosity=0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
