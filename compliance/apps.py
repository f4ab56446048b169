from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        from inventory.signals import sync_succeeded

        from . import checks, search  # noqa: F401  (search: findings in the global search)
        from .audit_scopes import register_audit_scopes
        from .checks import load_all  # noqa: F401  (register every check at start-up)
        from .signals import on_sync_succeeded
        from .tiles import register_tiles

        register_tiles()
        register_audit_scopes()

        sync_succeeded.connect(on_sync_succeeded, dispatch_uid="compliance.run_after_sync")
