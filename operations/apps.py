from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Snapshot operations, policies and expiry; builds on inventory, which never imports it."""

    name = "operations"
    verbose_name = "Snapshot operations"

    def ready(self) -> None:
        from inventory.page_slots import add_template
        from portal.security.audit_scope import register_visible

        from . import tasks
        from .models import PolicyRun, SnapshotPolicy
        from .services.policy_scopes import visible_policies, visible_policy_runs
        from .signals import operation_queued

        # Services announce work; the tasks module queues it (services never import tasks).
        operation_queued.connect(tasks.queue_operation, dispatch_uid="operations.queue_operation")

        # The VM page's snapshot actions.
        add_template("vm_actions", "operations/_vm_actions.html")
        add_template("snapshot_actions", "operations/_snapshot_actions.html")
        # A policy is visible in the audit trail as on its list: by its whole selection.
        register_visible(
            SnapshotPolicy.audit_type,
            lambda user: visible_policies(user, SnapshotPolicy.objects.all()),
        )
        register_visible(PolicyRun.audit_type, visible_policy_runs)
