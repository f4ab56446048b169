"""``manage.py sync [NAME ...]``: sync endpoints in the foreground, print counts and duration."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from inventory.models import Endpoint, SyncRun
from inventory.services.sync import SyncBusy, sync_endpoint


class Command(BaseCommand):
    help = "Sync the named endpoints (default: all enabled) now; exit status 1 if any fails."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*")

    def handle(self, *args, names: list[str], **options):
        if names:
            endpoints = list(Endpoint.objects.filter(name__in=names))
            missing = sorted(set(names) - {e.name for e in endpoints})
            if missing:
                raise CommandError(
                    f"no endpoint named {', '.join(missing)}; see manage.py add_endpoint"
                )
        else:
            endpoints = list(Endpoint.objects.filter(enabled=True))
        failed = 0
        for endpoint in endpoints:
            try:
                run = sync_endpoint(endpoint, trigger="command", actor="manage.py")
            except SyncBusy as exc:
                self.stderr.write(str(exc))
                failed += 1
                continue
            if run.status == SyncRun.Status.SUCCEEDED:
                per_kind = ", ".join(
                    f"{kind} +{c['created']} ~{c['updated']} -{c['absent']}"
                    for kind, c in run.counts.items()
                )
                self.stdout.write(
                    f"{endpoint.name}: succeeded in {run.duration_seconds:.1f}s: created {run.created}, "
                    f"updated {run.updated}, absent {run.absent} ({per_kind})"
                )
                for warning in run.warnings:
                    self.stdout.write(f"  warning: {warning}")
            else:
                failed += 1
                self.stderr.write(f"{endpoint.name}: failed: {run.error}")
        if failed:
            raise CommandError(f"{failed} of {len(endpoints)} syncs failed")
