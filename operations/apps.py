from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Snapshot operations, policies and expiry; builds on inventory, which never imports it."""

    name = "operations"
    verbose_name = "Snapshot operations"

    def ready(self) -> None:
        from inventory.page_slots import add_template

        from . import audit_scopes, tasklog, tasks, tiles  # noqa: F401  (tasklog: its kinds)
        from .signals import operation_queued

        # Services announce work; the tasks module queues it (services never import tasks).
        operation_queued.connect(tasks.queue_operation, dispatch_uid="operations.queue_operation")

        # The VM page's snapshot actions.
        add_template("vm_actions", "operations/_vm_actions.html")
        add_template("snapshot_actions", "operations/_snapshot_actions.html")
        add_template("snapshot_list_actions", "operations/_snapshot_bulk.html")
        # The VM's snapshot history, and the way from a host to its VMs' operations.
        add_template("vm_sections", "operations/_vm_snapshot_history.html")
        add_template("host_sections", "operations/_host_operations.html")
        tiles.register_tiles()
        # A policy is visible in the audit trail as on its list: by its whole selection.
        audit_scopes.register_audit_scopes()
