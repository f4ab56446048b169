"""Inventory's signals.

Work for a worker is announced here by the services and queued by inventory/tasks.py, which
listens (connected in InventoryConfig.ready()): services never import tasks. Other apps listen
too (compliance runs its checks after each successful sync).
"""

from django.dispatch import Signal

# Sent after a sync of an endpoint committed; kwargs: endpoint_id (int), sync_run_id (int).
sync_succeeded = Signal()
# Sent when a queued SyncRun was written; kwargs: endpoint_id (int), sync_run_id (int).
sync_requested = Signal()
# Sent when a CertificateProbe was recorded for a worker to fetch; kwargs: probe_id (int).
certificate_probe_requested = Signal()
