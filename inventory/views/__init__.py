"""Server-rendered inventory pages; every role reads them, none writes through them."""

from .datastores import datastore_list
from .endpoints import endpoint_list, sync_run_list
from .hosts import host_detail, host_list
from .networks import network_list
from .snapshots import snapshot_list
from .vms import vm_detail, vm_list

__all__ = [
    "datastore_list",
    "endpoint_list",
    "host_detail",
    "host_list",
    "network_list",
    "snapshot_list",
    "sync_run_list",
    "vm_detail",
    "vm_list",
]
