"""Page: snapshots of every VM and container, oldest first, with age, memory and expiry.

M 4.349 asks that snapshots are not kept as backups: this list is where an administrator
finds the old, the memory-holding and the expired ones (the dashboard's age buckets link
here with the matching filter).
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from inventory.models import Snapshot, VirtualMachine
from portal.pages import role_required
from portal.roles import ROLES

from .listing import Column, ListSpec, list_page
from .snapshot_filters import SnapshotListFilter


def age_days(snapshot: Snapshot, now: dt.datetime | None = None) -> int | None:
    """Whole days since the snapshot was taken; None when the platform gave no date."""
    if snapshot.created_at is None:
        return None
    return ((now or timezone.now()) - snapshot.created_at).days


def _owner(snapshot: Snapshot) -> str | None:
    return snapshot.owner.get_username() if snapshot.owner else None


SNAPSHOTS = ListSpec(
    template="inventory/snapshot_list.html",
    filterset=SnapshotListFilter,
    search_fields=("name", "description", "vm__name", "created_by", "reason"),
    sort_fields=(
        "vm__name",
        "endpoint__name",
        "name",
        "created_at",
        "with_memory",
        "made_by_portal",
        "owner__username",
        "expires_at",
    ),
    default_sort="created_at",
    csv_name="snapshots",
    csv_columns=(
        Column("vm", lambda s: s.vm.name),
        Column("platform", lambda s: s.endpoint.kind),
        Column("endpoint", lambda s: s.endpoint.name),
        Column("name", lambda s: s.name),
        Column("description", lambda s: s.description),
        Column("created at", lambda s: s.created_at),
        Column("age days", age_days),
        Column("with memory", lambda s: s.with_memory),
        Column("quiesced", lambda s: s.quiesced),
        Column("current", lambda s: s.current),
        Column("made by portal", lambda s: s.made_by_portal),
        Column("owner", _owner),
        Column("created by", lambda s: s.created_by),
        Column("reason", lambda s: s.reason),
        Column("expires at", lambda s: s.expires_at),
        Column("absent since", lambda s: s.absent_since),
    ),
    controls=frozenset({"kind", "age", "with_memory", "made_by_portal", "expired"}),
    # As the dashboard counts them: a cluster scope reaches snapshots through their VM.
    scope_fields=("endpoint", "vm__cluster"),
)


@require_GET
@role_required(*ROLES)
def snapshot_list(request: HttpRequest) -> HttpResponse:
    snapshots = (
        # endpoint: platform and name; vm: its name and link; owner: portal-made rows.
        Snapshot.objects.select_related("endpoint", "vm", "owner").defer(
            "endpoint__secret",
            "endpoint__ca_pem",
            "vm__config",
            "vm__extra_config",
            "vm__disks",
            "vm__nics",
            "vm__passthrough_devices",
            "vm__tags",
        )
    )
    extra = {"now": timezone.now(), "kinds": VirtualMachine.Kind.choices}
    return list_page(request, SNAPSHOTS, snapshots, extra)
