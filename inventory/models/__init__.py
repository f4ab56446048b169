from .consoles import ConsoleHistory, ConsoleSession
from .endpoint import CertificateProbe, Endpoint
from .machines import Snapshot, VirtualMachine, VmDatastore
from .runs import ReadState, SyncRun, UtilizationSample
from .topology import (
    SECURITY_POLICY_FIELDS,
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
    "SECURITY_POLICY_FIELDS",
    "CertificateProbe",
    "Cluster",
    "ConsoleHistory",
    "ConsoleSession",
    "Datastore",
    "DatastoreHost",
    "Endpoint",
    "Host",
    "Network",
    "PhysicalNic",
    "PlatformAccount",
    "ReadState",
    "Snapshot",
    "SyncRun",
    "UtilizationSample",
    "VirtualMachine",
    "VirtualSwitch",
    "VmDatastore",
]
