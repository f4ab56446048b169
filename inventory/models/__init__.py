from .endpoint import CertificateProbe, Endpoint
from .machines import Snapshot, VirtualMachine, VmDatastore
from .operations import ExpiryNotice, Operation, PolicyRun, SnapshotPolicy
from .runs import SyncRun, UtilizationSample
from .topology import (
    Cluster,
    Datastore,
    DatastoreHost,
    Host,
    Network,
    PhysicalNic,
    PlatformAccount,
    VirtualSwitch,
)

__all__ = [
    "CertificateProbe",
    "Cluster",
    "Datastore",
    "DatastoreHost",
    "Endpoint",
    "ExpiryNotice",
    "Host",
    "Network",
    "Operation",
    "PhysicalNic",
    "PlatformAccount",
    "PolicyRun",
    "Snapshot",
    "SnapshotPolicy",
    "SyncRun",
    "UtilizationSample",
    "VirtualMachine",
    "VirtualSwitch",
    "VmDatastore",
]
