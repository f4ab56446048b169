"""Page: snapshots of every VM and container, oldest first, with age, memory and expiry.

M 4.349 asks that snapshots are not kept as backups: this list is where an administrator
finds the old, the memory-holding and the expired ones (the dashboard's age buckets link
here with the matching filter).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from inventory import tables
from inventory.filtersets import SnapshotFilter
from inventory.models import Snapshot, VirtualMachine
from inventory.page_slots import slot_templates
from portal.pages import role_required
from portal.roles import ADMINISTRATOR, ROLES, has_role

from .listing import ListSpec, list_page

SNAPSHOTS = ListSpec(
    template="inventory/snapshot_list.html",
    filterset=SnapshotFilter,
    search_fields=("name", "description", "vm__name", "created_by", "reason"),
    table=tables.SNAPSHOTS,
    default_sort="created_at",
    csv_name="snapshots",
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
    actions = slot_templates("snapshot_list_actions")
    if actions and has_role(request.user, ADMINISTRATOR):
        # The CSV keeps its columns: the checkbox column has no CSV header.
        extra |= {"table": tables.SNAPSHOTS_SELECTABLE, "list_action_templates": actions}
    return list_page(request, SNAPSHOTS, snapshots, extra)
