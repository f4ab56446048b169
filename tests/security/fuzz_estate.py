"""Real objects behind every path parameter of the API, for the fuzz test.

Generated ids almost never exist, so without this every detail, change and action route would
answer 404 and its body would never be looked at. ``make_fuzz_estate()`` builds one object of
each kind (in the caller's transaction) and returns the path parameters that name them, by the
path template of the schema.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from compliance.models import CheckRun, Finding, Requirement
from compliance.services import waiver_create
from compliance.services.assessments import assessment_save, target_create
from inventory.models import (
    ConsoleSession,
    Datastore,
    Network,
    PhysicalNic,
    SyncRun,
    UtilizationSample,
    VirtualSwitch,
)
from operations.models import Operation
from operations.services.policies import policy_create
from portal.models import AuditEvent
from tests.factories import UserFactory
from tests.security.objects import Estate, make_estate

CHECK_ID = "SNAP-001"
# The requirement the estate's target object has an assessment of (routes with a ``ref``).
ASSESSED_REF = "SYS.1.5.A2"


def make_fuzz_estate() -> dict[str, dict[str, object]]:
    """Objects of every kind; ``{path template: {parameter: value}}`` for each detail route."""
    objects = estate_objects(make_estate())
    real = {f"/api/{kind}/{{id}}/": {"id": pk} for kind, pk in objects.items()}
    real["/api/compliance/checks/{check_id}/"] = {"check_id": CHECK_ID}
    real["/api/compliance/requirements/{ref}/"] = {"ref": Requirement.objects.first().ref}
    return real


def estate_objects(estate: Estate) -> dict[str, int]:
    """One object of every kind on the estate's ``inside`` endpoint: ``{API kind: pk}``.

    Also used by the permission matrix, so that detail routes answer about a real object
    (and the out-of-scope administrator's 404 shows the scope, not a missing id).
    """
    endpoint, cluster, host, vm = estate.inside, estate.inside_cluster, estate.host, estate.vm
    owner = UserFactory(username="fuzz-owner", role="security_officer")
    switch = VirtualSwitch.objects.create(
        endpoint=endpoint, external_id="vs-1", name="vSwitch0", host=host
    )
    run = CheckRun.objects.create(endpoint=endpoint, trigger=CheckRun.Trigger.API)
    finding = Finding.objects.create(
        check_id=CHECK_ID, endpoint=endpoint, cluster=cluster, object_type="vm",
        object_id=vm.pk, object_name=vm.name, status="fail", severity="medium",
        message="snapshot older than the limit", first_run=run, last_run=run,
    )  # fmt: skip
    waiver = waiver_create(
        check_id=CHECK_ID, scope="endpoint", reason="fuzz", endpoint=endpoint, actor=owner,
        expires_at=timezone.now() + dt.timedelta(days=30),
    )  # fmt: skip
    target = target_create(kind="cluster", cluster=cluster, actor=owner)
    assessment_save(
        requirement=Requirement.objects.get(ref=ASSESSED_REF), target=target, status="ja",
        actor=owner,
    )  # fmt: skip
    policy = policy_create(label="fuzz", actor=owner)
    policy.endpoints.set([endpoint])  # outside the out-of-scope administrator's scope
    objects = {
        "audit-events": AuditEvent.objects.create(action="fuzz.seed", source="command").pk,
        "clusters": cluster.pk,
        "compliance/findings": finding.pk,
        "compliance/runs": run.pk,
        "compliance/targets": target.pk,
        "compliance/waivers": waiver.pk,
        "console-sessions": ConsoleSession.objects.create(
            endpoint=endpoint,
            vm=vm,
            vm_external_id=vm.external_id,
            vm_name=vm.name,
            user="root@pam",
            started_at=timezone.now(),
            kind="vnc",
            source="UPID:pve1:00001000:00007000:6745A1B0:vncproxy:100:root@pam:",
        ).pk,
        "datastores": Datastore.objects.create(
            endpoint=endpoint, external_id="ds-1", name="datastore1"
        ).pk,
        "endpoints": endpoint.pk,
        "hosts": host.pk,
        "networks": Network.objects.create(
            endpoint=endpoint, external_id="net-1", name="VM Network", switch=switch
        ).pk,
        "nics": PhysicalNic.objects.create(
            endpoint=endpoint, external_id="vmnic0", name="vmnic0", host=host
        ).pk,
        "operations": Operation.objects.create(kind="create", vm=vm, state="succeeded").pk,
        "snapshot-policies": policy.pk,
        "snapshots": estate.snapshot.pk,
        "switches": switch.pk,
        "sync-runs": SyncRun.objects.create(endpoint=endpoint).pk,
        "utilization": UtilizationSample.objects.create(
            endpoint=endpoint, object_type="vm", object_id=vm.pk, cpu_percent=12.5
        ).pk,
        "vms": vm.pk,
    }
    return objects


def real_parameters(path: str, real: dict[str, dict[str, object]]) -> dict[str, object] | None:
    """The real parameters for ``path`` (a detail route or an action below one), or None."""
    for template, parameters in real.items():
        if path.startswith(template):
            return parameters
    return None
