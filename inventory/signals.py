"""Signals other apps listen to (compliance runs its checks after each successful sync; the
notifications app tells people about failing syncs, failed operations and expiring snapshots).

Every signal is sent after the change it reports has been committed, with ids only, through
``send_robust``: a listener that fails is logged and never breaks the sender's work.
"""

from django.dispatch import Signal

# Sent after a sync of an endpoint committed; kwargs: endpoint_id (int), sync_run_id (int).
sync_succeeded = Signal()

# Sent after a sync attempt of an endpoint failed; kwargs: endpoint_id (int), sync_run_id (int),
# failures_in_row (int: failed sync runs of the endpoint since its last successful one).
sync_failed = Signal()

# Sent after an operation ended failed; kwargs: operation_id (int).
operation_failed = Signal()

# Sent after a portal snapshot got its expiry notice; kwargs: snapshot_id (int),
# notice_id (int, the ExpiryNotice).
snapshot_expiring = Signal()
