"""Benchmark: full portal sync of a vCenter against the raw PropertyCollector read.

Starts the vCenter simulator with at least ``--vms`` VMs (default 5,000), then in one run:
the raw read of the same properties with plain pyvmomi (bench/vcenter_raw.py), the first portal
sync (read + map + bulk write to PostgreSQL), an unchanged resync, and the raw read again. The
baseline is the faster of the two raw reads. Targets: first sync <= 2.0 x raw, resync <= 1.5 x.

    make bench            # all benchmarks
    .venv/bin/python -m bench.sync_vcenter --vms 5000
"""

from __future__ import annotations

import argparse

from bench.common import save, setup_django, timed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=5000)
    args = parser.parse_args()
    setup_django("bench_sync_vcenter")

    from bench.vcenter_raw import raw_read
    from inventory.models import SyncRun, VirtualMachine
    from inventory.services.endpoints import endpoint_create
    from inventory.services.sync import sync_endpoint
    from simulators.vcsim import RunningVcsim, VcsimSpec

    times: dict[str, float] = {}
    with RunningVcsim(VcsimSpec.for_vms(args.vms)) as sim:
        endpoint = endpoint_create(
            name="bench", kind="vcenter", url=sim.url, username=sim.username,
            secret=sim.password, fingerprint=sim.fingerprint, actor="bench",
        )  # fmt: skip
        with timed(times, "raw_read_1"):
            raw = raw_read(sim.url, sim.username, sim.password, sim.fingerprint)
        with timed(times, "first_sync"):
            first = sync_endpoint(endpoint, trigger="command")
        with timed(times, "unchanged_resync"):
            second = sync_endpoint(endpoint, trigger="command")
        with timed(times, "raw_read_2"):
            raw_read(sim.url, sim.username, sim.password, sim.fingerprint)
    assert first.status == SyncRun.Status.SUCCEEDED, first.error
    assert second.status == SyncRun.Status.SUCCEEDED, second.error
    baseline = min(times["raw_read_1"], times["raw_read_2"])
    result = {
        "vms": VirtualMachine.objects.count(),
        "raw_objects": {t: v["objects"] for t, v in raw["types"].items()}
        if "types" in raw
        else raw,
        "seconds": times,
        "baseline_raw_read": baseline,
        "ratio_first_sync": round(times["first_sync"] / baseline, 2),
        "ratio_unchanged_resync": round(times["unchanged_resync"] / baseline, 2),
        "resync_written": {
            "created": second.created,
            "updated": second.updated,
            "absent": second.absent,
        },
        "targets": {"first_sync": 2.0, "unchanged_resync": 1.5},
    }
    save("sync_vcenter", result)
    ok = result["ratio_first_sync"] <= 2.0 and result["ratio_unchanged_resync"] <= 1.5
    print("targets met" if ok else "TARGETS MISSED")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
