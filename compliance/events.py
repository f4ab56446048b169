"""Signals compliance sends once a check run's write has been committed, with ids and plain
values only, through ``send_robust``: a listener that fails never fails the run (the
notifications app listens). Apart from compliance/signals.py (its receivers), so that
compliance.services can send them without an import cycle."""

from django.dispatch import Signal

# Findings a check run opened; kwargs: run_id (int), finding_ids (list[int]).
findings_opened = Signal()

# A requirement's status on an endpoint changed with a check run; kwargs: run_id (int),
# endpoint_id (int), ref (str, e.g. "SYS.1.5.A3"), before (str, a RequirementStatus, "" when the
# endpoint had no run yet), after (str).
requirement_status_changed = Signal()
