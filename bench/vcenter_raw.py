"""Baseline for the vCenter sync benchmark: the connector's read, done with plain pyvmomi.

:func:`raw_read` logs in, pins the certificate, and reads the same property paths as
:class:`inventory.connectors.vcenter.VCenterConnector` through one container view and one
``RetrievePropertiesEx`` (+ ``ContinueRetrievePropertiesEx`` pages) per object type, without
mapping anything to records. The difference to the connector's ``read_inventory`` is the cost
of the mapping.

Against a large simulator (5000 VMs take about 6 s to create: 10 clusters x 5 hosts x 500 VMs)::

    python -m simulators.vcsim --vms 5000 > /tmp/vcsim.json &
    python -m bench.vcenter_raw /tmp/vcsim.json        # or: --url ... --user ... --fingerprint ...
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from typing import Any

from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim, vmodl

from inventory.connectors import vcenter
from inventory.connectors.tls import host_port

# The same paths the connector reads, per type.
TYPES: list[tuple[type, list[str]]] = [
    (vim.ClusterComputeResource, vcenter.CLUSTER_PROPS),
    (vim.HostSystem, vcenter.HOST_PROPS),
    (vim.Datastore, vcenter.DATASTORE_PROPS),
    (vim.DistributedVirtualSwitch, vcenter.DVS_PROPS),
    (vim.dvs.DistributedVirtualPortgroup, vcenter.DVPG_PROPS),
    (vim.VirtualMachine, vcenter.VM_PROPS),
]


def raw_read(
    url: str, user: str, password: str, fingerprint: str, page_size: int = 1000
) -> dict[str, Any]:
    """Read every type with plain pyvmomi; return counts, SOAP calls and seconds per type.

    ``fingerprint`` is the server's SHA-256 (hex, colons allowed), passed to pyvmomi's own
    ``thumbprint`` (enough for a benchmark; the connector pins every connection itself).
    """
    host, port = host_port(url)
    started = time.perf_counter()
    si = SmartConnect(host=host, port=port, user=user, pwd=password, thumbprint=fingerprint)
    login_s = time.perf_counter() - started
    result: dict[str, Any] = {"login_seconds": round(login_s, 3), "types": {}}
    calls: Counter[str] = Counter()
    try:
        content = si.RetrieveContent()
        pc = content.propertyCollector
        for obj_type, paths in TYPES:
            t0 = time.perf_counter()
            view = content.viewManager.CreateContainerView(content.rootFolder, [obj_type], True)
            spec = vmodl.query.PropertyCollector.FilterSpec(
                objectSet=[
                    vmodl.query.PropertyCollector.ObjectSpec(
                        obj=view,
                        skip=True,
                        selectSet=[
                            vmodl.query.PropertyCollector.TraversalSpec(
                                name="view", path="view", skip=False, type=vim.view.ContainerView
                            )
                        ],
                    )
                ],
                propSet=[vmodl.query.PropertyCollector.PropertySpec(type=obj_type, pathSet=paths)],
            )
            options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=page_size)
            objects = 0
            page = pc.RetrievePropertiesEx([spec], options)
            calls["RetrievePropertiesEx"] += 1
            while page is not None:
                objects += len(page.objects)
                if not page.token:
                    break
                page = pc.ContinueRetrievePropertiesEx(page.token)
                calls["ContinueRetrievePropertiesEx"] += 1
            view.DestroyView()
            result["types"][obj_type.__name__] = {
                "objects": objects,
                "seconds": round(time.perf_counter() - t0, 3),
            }
    finally:
        Disconnect(si)
    result["calls"] = dict(calls)
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="raw pyvmomi read of a vCenter (benchmark baseline)"
    )
    parser.add_argument("json", nargs="?", help="the JSON line of `python -m simulators.vcsim`")
    parser.add_argument("--url")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--fingerprint")
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args(argv)
    info: dict[str, Any] = {}
    if args.json:
        with open(args.json) as fh:
            info = json.loads(fh.readline())
    url = args.url or info["url"]
    user = args.user or info["username"]
    password = args.password or info["password"]
    fingerprint = args.fingerprint or info["fingerprint"]
    print(json.dumps(raw_read(url, user, password, fingerprint, args.page_size), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
