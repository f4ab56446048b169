"""Benchmark (issue 17): the SQL statements of the main pages and of a check run at two sizes.

Builds the estate of ``bench/compliance.py`` (one vCenter endpoint with clusters, hosts, VMs,
snapshots, datastores, networks, console history, principals) with ``bulk_create`` at each size of
``--sizes`` (default 5,000 and 50,000 VMs, 1 host per 50 VMs). Up to ``--check-run-up-to`` VMs it
runs every check once (the first run, which opens the findings the pages then list) and counts
its statements; above, it bulk-creates two open findings per VM instead. Then it counts the
statements of one GET of each page below as an auditor (in-process Django test client, a
logged-in session). The counts must be the same at every size: a statement that grows with the
inventory is a bug.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m bench.query_counts

The database ``bench_query_counts`` is created (dropped first) on the server of DATABASE_URL.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from bench.common import save, setup_django, timed, user_with_role

PAGES = {
    "dashboard": "/",
    "vm_list": "/vms/",
    "api_vms": "/api/vms/",
    "findings_list": "/compliance/findings/",
    "search_page": "/search/?q=vm-",
    "api_search": "/api/search/?q=vm-",
}


def count_statements(fn) -> tuple[int, Any]:
    """The statements ``fn()`` sends, and its result (Django's log reset first: it keeps 9,000)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as seen:
        out = fn()
    if not seen.captured_queries:
        raise SystemExit("no statement counted: the measurement is broken")
    return len(seen.captured_queries), out


def bulk_findings() -> None:
    """Two open findings per VM, as a first check run leaves them (about 4 per VM, fewer kinds)."""
    from compliance.models import Finding
    from inventory.models import VirtualMachine

    vms = VirtualMachine.objects.select_related("endpoint").only("name", "external_id", "endpoint")
    Finding.objects.bulk_create(
        (
            Finding(
                check_id=check, endpoint=vm.endpoint, object_type="vm", object_id=vm.pk,
                object_name=vm.name, object_path=f"{vm.endpoint.name} › {vm.name}",
                object_external_id=vm.external_id, status="fail", severity=severity,
                message="bench finding",
            )
            for vm in vms.iterator(chunk_size=5000)
            for check, severity in (("SNAP-001", "medium"), ("VM-002", "high"))
        ),
        batch_size=5000,
    )  # fmt: skip


def one_size(vms_n: int, client, check_run_up_to: int) -> dict[str, Any]:
    from django.db import connection

    from bench.compliance import build
    from compliance.models import CheckResult, CheckRun, Finding
    from compliance.services import check_run_execute
    from inventory.models import Endpoint, VirtualMachine

    Finding.objects.all().delete()
    CheckResult.objects.all().delete()
    CheckRun.objects.all().delete()
    Endpoint.objects.all().delete()
    result: dict[str, Any] = {"vms": vms_n, "seconds": {}}
    with timed(result["seconds"], "build"):
        build(max(vms_n // 50, 1), vms_n)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # a live database has planner statistics
    if vms_n <= check_run_up_to:
        with timed(result["seconds"], "check_run"):
            result["check_run"], run = count_statements(
                lambda: check_run_execute(trigger="command", actor="bench")
            )
        assert run.status == "succeeded", run.error
    else:
        with timed(result["seconds"], "findings_bulk"):
            bulk_findings()
    result["vms_stored"] = VirtualMachine.objects.count()
    result["open_findings"] = Finding.objects.open().count()
    for name, path in PAGES.items():
        client.get(path)  # the first request of a session reads and keeps the user's scopes
        with timed(result["seconds"], name):
            result[name], answer = count_statements(lambda path=path: client.get(path))
        assert answer.status_code == 200, (path, answer.status_code)
    print(result, flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,50000", help="VMs, comma-separated")
    parser.add_argument(
        "--check-run-up-to",
        type=int,
        default=10_000,
        help="run the checks at sizes up to this many VMs; above it the findings the pages list "
        "are bulk-created (a first check run over 50,000 VMs takes over half an hour on a "
        "loaded 2-core machine)",
    )
    parser.add_argument("--db", default="bench_query_counts")
    args = parser.parse_args(argv)
    os.environ.setdefault("PORTAL_HTTPS", "false")
    setup_django(args.db)
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user_with_role("bench-auditor", "auditor"))
    sizes = [
        one_size(int(n), client, args.check_run_up_to) for n in args.sizes.split(",") if n.strip()
    ]
    keys = ["check_run", *PAGES]
    # A key counted at fewer than two sizes proves nothing: it is reported, not called flat.
    flat = {
        k: len({s[k] for s in sizes if k in s}) == 1 for k in keys if sum(k in s for s in sizes) > 1
    }
    save("query_counts", {"sizes": sizes, "flat": flat})
    for k in keys:
        counts = "".join(f"{s.get(k, '-'):>8}" for s in sizes)
        print(
            f"{k:<16}{counts}  "
            + {True: "flat", False: "GROWS", None: "not counted at two sizes"}[flat.get(k)]
        )
    return 0 if all(flat.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
