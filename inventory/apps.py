from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = "Inventory"

    def ready(self) -> None:
        from . import (
            audit_scopes,
            search,  # noqa: F401  (registers the inventory kinds of the global search)
            tiles,
        )

        tiles.register_tiles()
        audit_scopes.register_audit_scopes()
