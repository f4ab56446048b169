"""Signals other apps listen to (compliance runs its checks after each successful sync)."""

from django.dispatch import Signal

# Sent after a sync of an endpoint committed; kwargs: endpoint_id (int), sync_run_id (int).
sync_succeeded = Signal()
