"""Baseline for the Proxmox read benchmark: the same data, read with plain proxmoxer.

What a straightforward script does: one ProxmoxAPI with an API token, sequential requests,
per node status/services/time/network/rrddata and per guest config and snapshot list (without
the connector's shortcuts: no ``parent`` check, no parallel reads, no record mapping).

    python -m simulators.fakepve --guests 2000 > /tmp/pve.json &
    python -m bench.proxmox_raw /tmp/pve.json

The connector's side of the comparison is ``ProxmoxConnector(...).read_inventory()``; the
benchmark that puts both together is someone else's (bench/...).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any
from urllib.parse import urlsplit

from proxmoxer import ProxmoxAPI


def raw_read(url: str, token_id: str, secret: str, ca_path: str) -> dict[str, Any]:
    """Read cluster, nodes, storages, guests, configs and snapshots; return them with counts.

    TLS is verified against ``ca_path`` (proxmoxer's ``verify_ssl`` takes a CA bundle path).
    """
    parts = urlsplit(url)
    user, _, token_name = token_id.partition("!")
    api = ProxmoxAPI(
        f"{parts.hostname}:{parts.port or 8006}",
        user=user,
        token_name=token_name,
        token_value=secret,
        verify_ssl=ca_path,
        timeout=60,
    )
    requests = 0

    def get(*path: Any, **params: Any) -> Any:
        nonlocal requests
        requests += 1
        return api.get(*path, **params)

    resources = get("cluster/resources")
    cluster = get("cluster/status")
    nodes: dict[str, dict[str, Any]] = {}
    for res in resources:
        if res.get("type") != "node" or res.get("status") != "online":
            continue
        name = res["node"]
        nodes[name] = {
            "status": get("nodes", name, "status"),
            "services": get("nodes", name, "services"),
            "time": get("nodes", name, "time"),
            "network": get("nodes", name, "network"),
            "rrddata": get("nodes", name, "rrddata", timeframe="hour"),
        }
    guests: dict[str, dict[str, Any]] = {}
    snapshots = 0
    for res in resources:
        if res.get("type") not in ("qemu", "lxc") or res.get("node") not in nodes:
            continue
        base = ("nodes", res["node"], res["type"], res["vmid"])
        snaps = [s for s in get(*base, "snapshot") if s.get("name") != "current"]
        snapshots += len(snaps)
        guests[res["id"]] = {"config": get(*base, "config"), "snapshots": snaps}
        if res.get("status") == "running":  # network rates, as the connector reads them
            guests[res["id"]]["rrddata"] = get(*base, "rrddata", timeframe="hour")
    storages = [r for r in resources if r.get("type") == "storage"]
    return {
        "cluster": cluster,
        "nodes": nodes,
        "storages": storages,
        "guests": guests,
        "counts": {
            "nodes": len(nodes),
            "guests": len(guests),
            "storages": len(storages),
            "snapshots": snapshots,
            "requests": requests,
        },
    }


def main(argv: list[str]) -> None:
    """Read the JSON line the harness printed (file or stdin) and time one raw read."""
    text = open(argv[1]).read() if len(argv) > 1 else sys.stdin.readline()  # noqa: SIM115
    info = json.loads(text.strip().splitlines()[0])
    started = time.perf_counter()
    result = raw_read(info["url"], info["token_id"], info["token_secret"], info["ca_path"])
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": round(elapsed, 3), **result["counts"]}))


if __name__ == "__main__":
    main(sys.argv)
