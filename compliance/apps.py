from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        from inventory.page_slots import add_template
        from inventory.signals import sync_succeeded

        from . import (
            search,  # noqa: F401  (findings in the global search)
            tasklog,  # noqa: F401  (check runs in the task log)
        )
        from .audit_scopes import register_audit_scopes
        from .checks import (  # noqa: F401  (each check module registers its checks)
            admin_access,
            availability,
            console,
            cpu,
            guest_time,
            hardening,
            hardening_proxmox,
            integrity,
            memory,
            network,
            operation,
            patching,
            protection,
            rights,
            snapshots,
            storage,
            time_logging,
        )
        from .signals import on_sync_succeeded
        from .tiles import register_tiles

        register_tiles()
        register_audit_scopes()
        # The VM's and the host's open findings, on their pages.
        add_template("vm_sections", "compliance/_vm_findings.html")
        add_template("host_sections", "compliance/_host_findings.html")

        sync_succeeded.connect(on_sync_succeeded, dispatch_uid="compliance.run_after_sync")
