from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = "Inventory"

    def ready(self) -> None:
        from . import (
            search,  # noqa: F401  (registers the inventory kinds of the global search)
            tiles,
            tiles_operations,
        )

        tiles.register_tiles()
        tiles_operations.register_tiles()  # moves to the operations app with its models
