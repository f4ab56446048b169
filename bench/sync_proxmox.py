"""Benchmark: full portal sync of a Proxmox VE cluster against a raw proxmoxer read.

Starts fakepve in its own process with at least ``--guests`` guests (default 2,000), then in
one run: a plain proxmoxer script reading the same data (bench/proxmox_raw.py, sequential, as
such scripts are written), the first portal sync (read + map + bulk write to PostgreSQL), an
unchanged resync, and the raw read again. The baseline is the faster raw read. Target: <= 2.0.

    .venv/bin/python -m bench.sync_proxmox --guests 2000
"""

from __future__ import annotations

import argparse
import os

from bench.common import save, setup_django, timed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guests", type=int, default=2000)
    parser.add_argument("--nodes", type=int, default=3)
    args = parser.parse_args()
    setup_django("bench_sync_proxmox")

    from bench.proxmox_raw import raw_read
    from inventory.models import SyncRun, VirtualMachine
    from inventory.services.endpoints import endpoint_create
    from inventory.services.sync import sync_endpoint
    from simulators.demo import Simulator

    sim = Simulator(
        "fakepve", "simulators.fakepve", "--guests", str(args.guests), "--nodes", str(args.nodes),
        env=dict(os.environ),
    )  # fmt: skip
    info = sim.info
    times: dict[str, float] = {}
    try:
        endpoint = endpoint_create(
            name="bench", kind="proxmox", url=info["url"], token_id=info["token_id"],
            secret=info["token_secret"], fingerprint=info["fingerprint"], actor="bench",
        )  # fmt: skip
        with timed(times, "raw_read_1"):
            raw_read(info["url"], info["token_id"], info["token_secret"], info["ca_path"])
        with timed(times, "first_sync"):
            first = sync_endpoint(endpoint, trigger="command")
        with timed(times, "unchanged_resync"):
            second = sync_endpoint(endpoint, trigger="command")
        with timed(times, "raw_read_2"):
            raw_read(info["url"], info["token_id"], info["token_secret"], info["ca_path"])
    finally:
        sim.stop()
    assert first.status == SyncRun.Status.SUCCEEDED, first.error
    assert second.status == SyncRun.Status.SUCCEEDED, second.error
    baseline = min(times["raw_read_1"], times["raw_read_2"])
    result = {
        "guests": VirtualMachine.objects.count(),
        "seconds": times,
        "baseline_raw_read": baseline,
        "ratio_first_sync": round(times["first_sync"] / baseline, 2),
        "ratio_unchanged_resync": round(times["unchanged_resync"] / baseline, 2),
        "target": 2.0,
    }
    save("sync_proxmox", result)
    print("target met" if result["ratio_first_sync"] <= 2.0 else "TARGET MISSED")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
