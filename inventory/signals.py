"""Signals other apps listen to (compliance runs its checks after each successful sync; the
notifications app tells people about syncs that keep failing).

Every signal is sent after the change it reports has been committed, with ids only, through
``send_robust``: a listener that fails is logged and never breaks the sender's work.
"""

from django.dispatch import Signal

# Sent after a sync of an endpoint committed; kwargs: endpoint_id (int), sync_run_id (int).
sync_succeeded = Signal()

# Sent after a sync attempt of an endpoint failed; kwargs: endpoint_id (int), sync_run_id (int),
# failures_in_row (int: failed sync runs of the endpoint since its last successful one).
sync_failed = Signal()
