"""Signals the operations app sends (the notifications app listens).

Sent after the change they report has been committed, with ids only, through ``send_robust``:
a listener that fails is logged and never breaks an operation or the expiry run.
"""

from django.dispatch import Signal

# An operation ended failed; kwargs: operation_id (int).
operation_failed = Signal()

# A portal snapshot got its expiry notice; kwargs: snapshot_id (int), notice_id (int, the
# ExpiryNotice).
snapshot_expiring = Signal()
