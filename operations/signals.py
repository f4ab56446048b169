"""Signals of the operations app.

Work for a worker is announced here by the services and queued by operations/tasks.py, which
listens (connected in OperationsConfig.ready()): services never import tasks. The notifications
app listens to the failed operations and expiry notices (sent after commit, ``send_robust``).
"""

from django.dispatch import Signal

# Sent when an Operation was written queued; kwargs: operation_id (int).
operation_queued = Signal()

# An operation ended failed; kwargs: operation_id (int).
operation_failed = Signal()

# A portal snapshot got its expiry notice; kwargs: snapshot_id (int), notice_id (int, the
# ExpiryNotice).
snapshot_expiring = Signal()
