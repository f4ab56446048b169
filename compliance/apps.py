from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        from inventory.signals import sync_succeeded

        from . import search  # noqa: F401  (findings in the global search)
        from .checks import (  # noqa: F401  (each check module registers its checks)
            admin_access,
            availability,
            console,
            cpu,
            integrity,
            memory,
            network,
            operation,
            protection,
            snapshots,
            storage,
            time_logging,
        )
        from .signals import on_sync_succeeded

        sync_succeeded.connect(on_sync_succeeded, dispatch_uid="compliance.run_after_sync")
