"""Benchmark: portal syncs of a Proxmox VE cluster against a raw proxmoxer read.

Starts fakepve in its own process with at least ``--guests`` guests (default 2,000), then in
one run: a plain proxmoxer script reading the same data (bench/proxmox_raw.py, sequential, as
such scripts are written), the first portal sync (read + map + bulk write to PostgreSQL), an
unchanged full resync (a sync a person asks for), an unchanged cheap resync (a scheduled sync
with the stored read state, issue 17), ``--changed`` guests changed through the fake's API
(config, snapshot, power, in turn) and a cheap resync of that, a full read afterwards that must
find nothing to store but the agent's new readings (the cheap result equals a full read), and
the raw read again. The baseline is the faster raw read. Targets: first sync <= 2.0, unchanged
cheap resync <= 0.3.

    .venv/bin/python -m bench.sync_proxmox --guests 2000
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re

from bench.common import save, setup_django, timed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guests", type=int, default=2000)
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--changed", type=int, default=50)
    args = parser.parse_args()
    setup_django("bench_sync_proxmox")

    from bench.proxmox_raw import raw_read
    from inventory.models import SyncRun, VirtualMachine
    from inventory.services.endpoints import endpoint_create
    from inventory.services.sync import sync_endpoint
    from portal.models import AuditEvent
    from simulators.demo import Simulator
    from simulators.fakepve_changes import PveChanger

    sim = Simulator(
        "fakepve", "simulators.fakepve", "--guests", str(args.guests), "--nodes", str(args.nodes),
        env=dict(os.environ),
    )  # fmt: skip
    info = sim.info
    times: dict[str, float] = {}
    read_seconds: dict[str, float] = {}
    runs: dict[str, SyncRun] = {}
    # The sync logs how long its read took (the rest is mapping and the write).
    said: list[str] = []
    sync_log = logging.getLogger("inventory.services.sync")
    sync_log.setLevel(logging.INFO)
    sync_log.addHandler(_Collect(said))
    load = [os.getloadavg()]
    try:
        endpoint = endpoint_create(
            name="bench", kind="proxmox", url=info["url"], token_id=info["token_id"],
            secret=info["token_secret"], fingerprint=info["fingerprint"], actor="bench",
        )  # fmt: skip

        def sync(key: str, trigger: str) -> None:
            with timed(times, key):
                runs[key] = sync_endpoint(endpoint, trigger=trigger)
            assert runs[key].status == SyncRun.Status.SUCCEEDED, runs[key].error
            event = AuditEvent.objects.filter(action="endpoint.sync").latest("pk")
            m = re.search(r"\(read ([\d.]+)s\)", said[-1] if said else "")
            read_seconds[key] = float(m.group(1)) if m else -1.0
            print(
                key, times[key], "s, read", read_seconds[key], event.detail.get("mode"), flush=True
            )

        with timed(times, "raw_read_1"):
            raw_read(info["url"], info["token_id"], info["token_secret"], info["ca_path"])
        sync("first_sync", "command")
        sync("unchanged_full_resync", "command")
        sync("unchanged_cheap_resync", "schedule")
        with PveChanger.of(info) as ch:
            guests = random.Random(17).sample(ch.guests(), args.changed)
            for i, guest in enumerate(guests):
                (ch.reconfigure, ch.snapshot, ch.power)[i % 3](guest)
        sync(f"cheap_resync_{args.changed}_changed", "schedule")
        sync("full_read_after", "command")
        with timed(times, "raw_read_2"):
            raw_read(info["url"], info["token_id"], info["token_secret"], info["ca_path"])
    finally:
        sim.stop()
    load.append(os.getloadavg())
    agent_read = VirtualMachine.objects.filter(guest_time__has_key="read_at").count()
    after = runs["full_read_after"]
    baseline = min(times["raw_read_1"], times["raw_read_2"])
    changed_key = f"cheap_resync_{args.changed}_changed"
    result = {
        "guests": VirtualMachine.objects.count(),
        "seconds": times,
        "read_seconds_of_syncs": read_seconds,
        "baseline_raw_read": baseline,
        "ratio_first_sync": round(times["first_sync"] / baseline, 2),
        "ratio_unchanged_full_resync": round(times["unchanged_full_resync"] / baseline, 2),
        "ratio_unchanged_cheap_resync": round(times["unchanged_cheap_resync"] / baseline, 2),
        f"ratio_{changed_key}": round(times[changed_key] / baseline, 2),
        "changed_run": {k: getattr(runs[changed_key], k) for k in ("created", "updated", "absent")},
        # The cheap result equals a full read: the full read after it stores nothing new but
        # the readings of the agents that answered (their time, offset and read_at).
        "full_read_after": {
            "created": after.created,
            "updated": after.updated,
            "absent": after.absent,
            "vms_updated": after.counts["vms"]["updated"],
            "agent_readings": agent_read,
        },
        "load_average_start_end": load,
        "targets": {"first_sync": 2.0, "unchanged_cheap_resync": 0.3},
    }
    save("sync_proxmox", result)
    parity = (
        after.created == after.absent == 0
        and after.updated == after.counts["vms"]["updated"] <= agent_read
    )
    ok = result["ratio_first_sync"] <= 2.0 and result["ratio_unchanged_cheap_resync"] <= 0.3
    print("parity with a full read" if parity else "PARITY BROKEN")
    print("targets met" if ok else "TARGET MISSED")
    return 0 if parity else 1


class _Collect(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.INFO)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record.getMessage())


if __name__ == "__main__":
    raise SystemExit(main())
