"""Canary names on an endpoint outside a scoped user's scope, for the scope sweep.

Every object a page, export or API answer could name gets a name (or reason, message, target)
holding one random token, new for each run, so a leak cannot be an accident of test data. The
token is ten characters: a snapshot policy's label allows twelve, and the PDF report splits words
longer than a table cell, so the finding and waiver carry the token as a word of its own.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from django.utils import timezone

from compliance.models import Baseline, CheckRun, Finding, Requirement
from compliance.services import waiver_create
from compliance.services.assessments import assessment_save, target_create
from inventory.models import (
    Cluster,
    ConsoleSession,
    Datastore,
    Endpoint,
    Host,
    Network,
    PhysicalNic,
    Snapshot,
    SyncRun,
    UtilizationSample,
    VirtualMachine,
    VirtualSwitch,
)
from operations.models import Operation, SnapshotPolicy
from operations.services.policies import policy_create
from portal.audit import audit
from tests.factories import UserFactory

CHECK_ID = "SNAP-001"


def new_token() -> str:
    """Ten characters no template, fixture or translation contains."""
    return "zq" + secrets.token_hex(4)


@dataclass
class Outside:
    """The planted endpoint and the ids of its objects (for filters naming them)."""

    token: str
    endpoint: Endpoint
    cluster: Cluster
    host: Host
    vm: VirtualMachine
    snapshot: Snapshot
    policy: SnapshotPolicy
    ids: dict[str, int] = field(default_factory=dict)


def plant_canaries(token: str | None = None) -> Outside:
    """An endpoint whose every object carries ``token``; nobody scoped to it sees it."""
    t = token or new_token()
    now = timezone.now()
    endpoint = Endpoint.objects.create(
        name=f"{t}-endpoint", kind=Endpoint.Kind.VCENTER, url=f"https://{t}.example.org/sdk",
        username=f"{t}-svc", secret="not-the-canary", fingerprint="cd" * 32,
    )  # fmt: skip
    cluster = Cluster.objects.create(endpoint=endpoint, external_id=f"{t}-c", name=f"{t}-cluster")
    host = Host.objects.create(
        endpoint=endpoint, external_id=f"{t}-h", name=f"{t}-host", cluster=cluster,
        connection_state="connected", cpu_usage_percent=97.0, memory_bytes=1 << 30,
        memory_used_bytes=1 << 30, ntp_servers=[f"{t}-ntp"], syslog_target=f"{t}-syslog",
    )  # fmt: skip
    vm = VirtualMachine.objects.create(
        endpoint=endpoint, external_id=f"{t}-v", name=f"{t}-vm", host=host, cluster=cluster,
        power_state="poweredOn", guest_os=f"{t}-os", tags=[f"{t}-tag"],
    )  # fmt: skip
    datastore = Datastore.objects.create(
        endpoint=endpoint, external_id=f"{t}-ds", name=f"{t}-datastore",
        capacity_bytes=100, free_bytes=1,
    )  # fmt: skip
    switch = VirtualSwitch.objects.create(
        endpoint=endpoint, external_id=f"{t}-sw", name=f"{t}-switch", host=host
    )
    network = Network.objects.create(
        endpoint=endpoint, external_id=f"{t}-pg", name=f"{t}-portgroup", switch=switch
    )
    nic = PhysicalNic.objects.create(
        endpoint=endpoint, external_id=f"{t}-nic", name=f"{t}-nic", host=host
    )
    # A portal snapshot about to expire: the banner on /operations/ lists those.
    snapshot = Snapshot.objects.create(
        endpoint=endpoint, external_id=f"{t}-s", name=f"{t}-snapshot", vm=vm,
        description=f"{t}-description", reason=f"{t}-snapreason", made_by_portal=True,
        created_at=now - dt.timedelta(days=40), expires_at=now + dt.timedelta(hours=1),
        created_by=f"{t}-creator",
    )  # fmt: skip
    # Users are not inventory objects (a user list follows the role): no token in the name.
    officer = UserFactory(username="canary-officer", role="security_officer")
    admin = UserFactory(username="canary-admin", role="administrator")
    policy = policy_create(label=t, actor=admin, endpoints=[endpoint])
    # A failing policy: the banner on /snapshot-policies/ and the dashboard tile list those.
    SnapshotPolicy.objects.filter(pk=policy.pk).update(
        last_run_state=SnapshotPolicy.RunState.FAILED, last_run_at=now,
        last_run_reason=f"{t}-policyreason",
    )  # fmt: skip
    operation = Operation.objects.create(
        kind="create", vm=vm, state="failed", error=f"{t}-operror", finished_at=now,
        params={"name": f"{t}-opsnap", "reason": f"{t}-opreason"}, requested_by_name=f"{t}-op",
    )  # fmt: skip
    run = CheckRun.objects.create(
        endpoint=endpoint, trigger=CheckRun.Trigger.API, status=CheckRun.Status.FAILED,
        error=f"{t}-runerror", requested_by=f"{t}-requester",
    )  # fmt: skip
    finding = Finding.objects.create(
        check_id=CHECK_ID, endpoint=endpoint, cluster=cluster, object_type="vm",
        object_id=vm.pk, object_name=t, status="fail", severity="high",
        message=f"{t} finding message", first_run=run, last_run=run,
    )  # fmt: skip
    waiver = waiver_create(
        check_id="SNAP-002", scope="endpoint", reason=f"{t} waiver reason", endpoint=endpoint,
        actor=officer, expires_at=now + dt.timedelta(days=30),
    )  # fmt: skip
    baseline = Baseline.objects.create(
        endpoint=endpoint, object_type="vm", object_id=vm.pk, object_name=f"{t}-baseline",
        config_hash="0" * 64, approved_by=f"{t}-approver", comment=f"{t}-comment",
    )  # fmt: skip
    sync = SyncRun.objects.create(endpoint=endpoint, status="failed", error=f"{t}-syncerror")
    # Target objects of the Grundschutz-Check on it, one assessed (its services audit both).
    assessed = target_create(kind="cluster", cluster=cluster, name=f"{t}-target", actor=officer)
    target_create(kind="tag", tag=f"{t}-tag", endpoint=endpoint, actor=officer)
    assessment_save(
        requirement=Requirement.objects.get(ref="SYS.1.5.A2"), target=assessed, status="nein",
        justification=f"{t}-justification", responsible=f"{t}-responsible", actor=officer,
    )  # fmt: skip
    sample = UtilizationSample.objects.create(
        endpoint=endpoint, object_type="vm", object_id=vm.pk, cpu_percent=99.0
    )
    console = ConsoleSession.objects.create(
        endpoint=endpoint, vm=vm, vm_external_id=vm.external_id, vm_name=f"{t}-consolevm",
        user=f"{t}-consoleuser", started_at=now, kind="webmks", source=f"event-{t}",
    )  # fmt: skip
    # Audit events naming the planted objects, as the services write them.
    for target in (endpoint, vm, snapshot, operation, policy, waiver, run, finding, baseline):
        audit(action="canary.planted", actor="canary", target=target, detail={"note": t})
    ids = {
        "endpoints": endpoint.pk, "clusters": cluster.pk, "hosts": host.pk, "vms": vm.pk,
        "datastores": datastore.pk, "switches": switch.pk, "networks": network.pk,
        "nics": nic.pk, "snapshots": snapshot.pk, "snapshot-policies": policy.pk,
        "operations": operation.pk, "compliance/runs": run.pk, "compliance/findings": finding.pk,
        "compliance/waivers": waiver.pk, "sync-runs": sync.pk, "utilization": sample.pk,
        "baselines": baseline.pk, "compliance/targets": assessed.pk,
        "console-sessions": console.pk,
    }  # fmt: skip
    return Outside(t, endpoint, cluster, host, vm, snapshot, policy, ids)


def plant_cluster_canaries(endpoint: Endpoint, token: str | None = None) -> str:
    """A second cluster on ``endpoint`` whose objects carry ``token``: visible to users scoped
    to the endpoint, hidden from users scoped to another of its clusters."""
    t = token or new_token()
    cluster = Cluster.objects.create(endpoint=endpoint, external_id=f"{t}-c", name=f"{t}-cluster")
    host = Host.objects.create(
        endpoint=endpoint, external_id=f"{t}-h", name=f"{t}-host", cluster=cluster,
        connection_state="connected", cpu_usage_percent=97.0,
    )  # fmt: skip
    vm = VirtualMachine.objects.create(
        endpoint=endpoint, external_id=f"{t}-v", name=f"{t}-vm", host=host, cluster=cluster,
        power_state="poweredOn",
    )  # fmt: skip
    Snapshot.objects.create(
        endpoint=endpoint, external_id=f"{t}-s", name=f"{t}-snapshot", vm=vm,
        made_by_portal=True, expires_at=timezone.now() + dt.timedelta(hours=1),
    )  # fmt: skip
    operation = Operation.objects.create(
        kind="create", vm=vm, state="failed", params={"name": f"{t}-opsnap", "reason": f"{t}-r"}
    )
    finding = Finding.objects.create(
        check_id=CHECK_ID, endpoint=endpoint, cluster=cluster, object_type="vm",
        object_id=vm.pk, object_name=f"{t}-findingobject", status="fail", severity="high",
        message=f"{t}-findingmessage",
    )  # fmt: skip
    for target in (cluster, vm, operation, finding):
        audit(action="canary.planted", actor="canary", target=target, detail={"note": t})
    officer = UserFactory(username=f"canary-officer-{t[-6:]}", role="security_officer")
    target_create(kind="cluster", cluster=cluster, name=f"{t}-clustertarget", actor=officer)
    return t
