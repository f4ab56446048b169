"""Run every benchmark in turn (``make bench``); results land in var/bench/*.json."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHES = [
    "sync_vcenter",
    "sync_proxmox",
    "compliance",
    "snapshots",
    "web",
    "query_counts",
    "scale_out",
]


def main() -> int:
    failed = []
    for name in BENCHES:
        if not (ROOT / "bench" / f"{name}.py").exists():
            print(f"== {name}: not present, skipped")
            continue
        print(f"== {name}", flush=True)
        if subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=ROOT).returncode:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
