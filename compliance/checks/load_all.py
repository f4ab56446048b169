"""Import every check module so that its decorators run."""

from . import (  # noqa: F401
    admin_access,
    console,
    cpu,
    integrity,
    memory,
    network,
    operation,
    protection,
    snapshots,
    storage,
    time_logging,
)
