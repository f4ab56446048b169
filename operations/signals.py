"""Signals of the operations app.

Work for a worker is announced here by the services and queued by operations/tasks.py, which
listens (connected in OperationsConfig.ready()): services never import tasks.
"""

from django.dispatch import Signal

# Sent when an Operation was written queued; kwargs: operation_id (int).
operation_queued = Signal()
