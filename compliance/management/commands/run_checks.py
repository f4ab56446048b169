"""``manage.py run_checks [--endpoint NAME]``: run the compliance checks now, in this process."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from inventory.models import Endpoint
from portal.audit import audit

from ...models import CheckRun
from ...services import check_run_execute


class Command(BaseCommand):
    help = "Run every enabled compliance check over one endpoint or all enabled endpoints."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--endpoint", help="the endpoint's name (default: all enabled endpoints)"
        )

    def handle(self, *args, endpoint: str | None = None, **options) -> None:
        target = None
        if endpoint:
            target = Endpoint.objects.filter(name=endpoint).first()
            if target is None:
                names = ", ".join(Endpoint.objects.values_list("name", flat=True)[:20]) or "none"
                raise CommandError(f"No endpoint named {endpoint!r}; known endpoints: {names}")
        run = check_run_execute(endpoint=target, trigger=CheckRun.Trigger.COMMAND, actor="command")
        audit(
            action="compliance.run",
            actor="command",
            target=run,
            detail={"endpoint": endpoint or "all", "status": run.status},
        )
        if run.status != CheckRun.Status.SUCCEEDED:
            raise CommandError(f"Check run #{run.pk} failed: {run.error}")
        counts = run.counts
        self.stdout.write(
            f"Check run #{run.pk}: {counts.get('pass', 0)} passed, {counts.get('fail', 0)} failed, "
            f"{counts.get('warning', 0)} warnings, {counts.get('error', 0)} errors; "
            f"{counts.get('opened', 0)} findings opened, {counts.get('resolved', 0)} resolved "
            f"in {run.duration_seconds:.2f}s"
        )
