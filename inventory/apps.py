from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = "Inventory"

    def ready(self) -> None:
        from . import (
            audit_scopes,
            search,  # noqa: F401  (registers the inventory kinds of the global search)
            tasklog,  # noqa: F401  (sync runs in the task log)
            tasks,
            tiles,
        )
        from .signals import certificate_probe_requested, sync_requested

        # Services announce work; the tasks module queues it (services never import tasks).
        sync_requested.connect(tasks.queue_sync, dispatch_uid="inventory.queue_sync")
        certificate_probe_requested.connect(
            tasks.queue_certificate_probe, dispatch_uid="inventory.queue_certificate_probe"
        )
        tiles.register_tiles()
        audit_scopes.register_audit_scopes()
