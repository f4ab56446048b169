from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = "Inventory"

    def ready(self) -> None:
        from . import (
            audit_scopes,
            search,  # noqa: F401  (registers the inventory kinds of the global search)
            tiles,
            tiles_operations,
        )

        tiles.register_tiles()
        audit_scopes.register_audit_scopes()
        # Snapshot operations move to their own app, and these registrations with them.
        tiles_operations.register_tiles()
        audit_scopes.register_operation_audit_scopes()
