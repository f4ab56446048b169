"""govmomi's vCenter simulator (vcsim) for tests, the demo and the benchmark.

The simulator is VMware's own (govmomi ``simulator`` package, Debian's
``golang-github-vmware-govmomi-dev``), started through our launcher
``simulators/vcsim-launcher/main.go``, which is built here on first use (and again whenever main.go
is newer than the binary). It speaks real
SOAP over TLS with Go's httptest certificate (SANs ``127.0.0.1``, ``::1``, ``example.com``), so a
connector can pin its fingerprint or trust it as CA.

VMs are created per resource pool: each cluster and each standalone host gets ``vms_per_pool``.

    with RunningVcsim(VcsimSpec(clusters=1, cluster_hosts=2, standalone_hosts=1)) as sim:
        sim.url, sim.username, sim.password, sim.fingerprint, sim.ca_pem

Standalone, for the demo and the benchmark (prints one JSON line, serves until SIGTERM/Ctrl-C)::

    python -m simulators.vcsim --vms 5000

The helpers at the bottom (:func:`power_off_vm`, :func:`destroy_vm`, ...) change the simulator
through its own API with pyvmomi; they are simulator code (not the product's) and may import pyvmomi.
:func:`tag_vms` makes vSphere categories and tags and attaches them through the simulator's vAPI
(``/rest/com/vmware/cis/...``, govmomi's ``vapi/simulator``, which the launcher registers).
"""

from __future__ import annotations

import argparse
import base64
import datetime
import http.client
import json
import math
import os
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from inventory.connectors.tls import fetch_presented_certificate, fingerprint_of_der

SOURCE_DIR = Path(__file__).resolve().parent / "vcsim-launcher"
BINARY = SOURCE_DIR / "vcsim"
GOPATH = "/usr/share/gocode"
# 5000 VMs take about 6 s; leave room for slow CI machines (and busy ones: VCSIM_START_TIMEOUT).
START_TIMEOUT = float(os.environ.get("VCSIM_START_TIMEOUT", "120"))
INSTALL_HINT = "apt-get install golang-go golang-github-vmware-govmomi-dev"


class VcsimError(RuntimeError):
    """The simulator could not be built or started."""


@dataclass(slots=True)
class VcsimSpec:
    """The simulated inventory (per datacenter); simulators/vcsim-launcher/main.go has the flags."""

    datacenters: int = 1
    clusters: int = 1
    cluster_hosts: int = 2
    standalone_hosts: int = 1
    vms_per_pool: int = 2
    datastores: int = 1
    portgroups: int = 1
    powered_on: bool = True
    snapshot_delay_ms: int = 0  # how long each snapshot call takes (0: the simulator's instant)
    delay_ms: int = 0  # how long every SOAP call waits before its answer (0: none)
    ha: str = ""  # vSphere HA of every cluster: on, no-admission, off; "" = unset

    @property
    def pools(self) -> int:
        return self.datacenters * (self.clusters + self.standalone_hosts)

    @property
    def total_vms(self) -> int:
        return self.pools * self.vms_per_pool

    @classmethod
    def for_vms(cls, vms: int, **kw: Any) -> VcsimSpec:
        """A spec with at least ``vms`` VMs: spread over clusters of 500 VMs (5 hosts each)."""
        spec = cls(**kw)
        if vms > 500 and "clusters" not in kw:
            spec.clusters = math.ceil(vms / 500)
            spec.cluster_hosts = kw.get("cluster_hosts", 5)
            spec.standalone_hosts = kw.get("standalone_hosts", 0)
        spec.vms_per_pool = max(1, math.ceil(vms / max(1, spec.pools)))
        return spec

    def args(self) -> list[str]:
        return [
            f"-dc={self.datacenters}",
            f"-clusters={self.clusters}",
            f"-cluster-hosts={self.cluster_hosts}",
            f"-standalone-hosts={self.standalone_hosts}",
            f"-vms={self.vms_per_pool}",
            f"-datastores={self.datastores}",
            f"-portgroups={self.portgroups}",
            f"-powered-on={'true' if self.powered_on else 'false'}",
            f"-snapshot-delay-ms={self.snapshot_delay_ms}",
            f"-delay-ms={self.delay_ms}",
            f"-ha={self.ha}",
        ]


def build(force: bool = False) -> Path:
    """Build ``simulators/vcsim-launcher/vcsim`` if missing or older than main.go; return its path."""
    source = SOURCE_DIR / "main.go"
    if not force and BINARY.exists() and BINARY.stat().st_mtime >= source.stat().st_mtime:
        return BINARY
    go = shutil.which("go") or (
        "/usr/lib/go/bin/go" if Path("/usr/lib/go/bin/go").exists() else None
    )
    if go is None:
        raise VcsimError(f"the Go compiler is missing; install it with: {INSTALL_HINT}")
    if not Path(GOPATH, "src/github.com/vmware/govmomi/simulator").is_dir():
        raise VcsimError(f"govmomi is missing from {GOPATH}; install it with: {INSTALL_HINT}")
    env = dict(os.environ, GO111MODULE="off", GOPATH=GOPATH, GOFLAGS="")
    env.setdefault("GOCACHE", str(Path.home() / ".cache" / "go-build"))
    # Build to a temporary name and rename, so a concurrent run never execs a half-written file.
    tmp = BINARY.with_name(f"vcsim.{os.getpid()}.tmp")
    proc = subprocess.run(
        [go, "build", "-o", str(tmp), "."],
        cwd=SOURCE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise VcsimError(f"building the simulator failed:\n{proc.stderr.strip()}")
    tmp.replace(BINARY)
    return BINARY


class RunningVcsim:
    """One simulator process. Start with :meth:`start` or ``with``; stop with :meth:`stop`."""

    def __init__(self, spec: VcsimSpec | None = None, listen: str = "127.0.0.1:0") -> None:
        self.spec = spec or VcsimSpec()
        self.listen = listen
        self.proc: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}
        self.url = ""
        self.username = ""
        self.password = ""
        self.fingerprint = ""  # SHA-256, 64 lower-case hex digits
        self.ca_pem = ""  # the server certificate (self-signed, CA:TRUE), usable as CA
        self.startup_seconds = 0.0

    def start(self) -> RunningVcsim:
        binary = build()
        started = time.monotonic()
        # stdin stays a pipe: the launcher exits when it closes, i.e. when this process dies.
        self.proc = subprocess.Popen(
            [str(binary), f"-listen={self.listen}", *self.spec.args()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self._read_line(START_TIMEOUT)
        try:
            self.info = json.loads(line)
        except ValueError:
            err = self._stderr()
            self.stop()
            raise VcsimError(f"the simulator did not start: {line or err}") from None
        self.url = self.info["url"]
        self.username = self.info["username"]
        self.password = self.info["password"]
        der = fetch_presented_certificate(self.url)
        self.fingerprint = fingerprint_of_der(der)
        self.ca_pem = ssl.DER_cert_to_PEM_cert(der)
        self.startup_seconds = time.monotonic() - started
        return self

    def _read_line(self, timeout: float) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        result: list[str] = []
        reader = threading.Thread(
            target=lambda: result.append(self.proc.stdout.readline()),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        reader.join(timeout)
        if not result:
            self.stop()
            raise VcsimError(f"the simulator did not report ready within {timeout:g} s")
        return result[0].strip()

    def _stderr(self) -> str:
        if self.proc is None or self.proc.stderr is None or self.proc.poll() is None:
            return ""
        return self.proc.stderr.read().strip()

    def stop(self) -> None:
        """Stop the simulator (SIGTERM, then SIGKILL after 5 s). Safe to call twice."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                with suppress(OSError):
                    stream.close()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def summary(self) -> dict[str, Any]:
        """What the CLI prints: connection data plus the launcher's counts."""
        return {
            **self.info,
            "fingerprint": self.fingerprint,
            "spec": asdict(self.spec),
            "startup_seconds": round(self.startup_seconds, 2),
        }

    def __enter__(self) -> RunningVcsim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def running_vcsim(spec: VcsimSpec | None = None) -> Iterator[RunningVcsim]:
    with RunningVcsim(spec) as sim:
        yield sim


# -- changing the simulator through its own API (simulator code: pyvmomi allowed) --------------------


@contextmanager
def service_instance(sim: RunningVcsim) -> Iterator[Any]:
    """A logged-in pyvmomi ServiceInstance (pinned to the simulator's certificate)."""
    from pyVim.connect import Disconnect, SmartConnect

    host, _, port = sim.url.split("//", 1)[1].split("/", 1)[0].rpartition(":")
    si = SmartConnect(
        host=host,
        port=int(port),
        user=sim.username,
        pwd=sim.password,
        thumbprint=sim.fingerprint,
    )
    try:
        yield si
    finally:
        Disconnect(si)


def find_vm(si: Any, vm_id: str) -> Any:
    from pyVmomi import vim

    return vim.VirtualMachine(vm_id, si._stub)


def wait_task(task: Any, timeout: float = 30.0) -> Any:
    """Wait for a pyvmomi task; return its result or raise its fault."""
    from pyVmomi import vim

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = task.info
        if info.state == vim.TaskInfo.State.success:
            return info.result
        if info.state == vim.TaskInfo.State.error:
            raise info.error
        time.sleep(0.05)
    raise TimeoutError(f"task {task._moId} did not finish in {timeout:g} s")


def vm_ids(sim: RunningVcsim) -> list[str]:
    """Morefs of all VMs, read through a container view."""
    from pyVmomi import vim

    with service_instance(sim) as si:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(
            content.rootFolder, [vim.VirtualMachine], True
        )
        try:
            return [vm._moId for vm in view.view]
        finally:
            view.DestroyView()


def power_off_vm(sim: RunningVcsim, vm_id: str) -> None:
    with service_instance(sim) as si:
        wait_task(find_vm(si, vm_id).PowerOffVM_Task())


def destroy_vm(sim: RunningVcsim, vm_id: str) -> None:
    """Power the VM off if needed, then delete it."""
    from pyVmomi import vim

    with service_instance(sim) as si:
        vm = find_vm(si, vm_id)
        if vm.runtime.powerState == vim.VirtualMachinePowerState.poweredOn:
            wait_task(vm.PowerOffVM_Task())
        wait_task(vm.Destroy_Task())


def reconfigure_memory(sim: RunningVcsim, vm_id: str, memory_mb: int) -> None:
    from pyVmomi import vim

    with service_instance(sim) as si:
        spec = vim.vm.ConfigSpec(memoryMB=memory_mb)
        wait_task(find_vm(si, vm_id).ReconfigVM_Task(spec=spec))


def set_extra_config(sim: RunningVcsim, vm_id: str, values: dict[str, str]) -> None:
    from pyVmomi import vim

    with service_instance(sim) as si:
        options = [vim.option.OptionValue(key=k, value=v) for k, v in values.items()]
        wait_task(find_vm(si, vm_id).ReconfigVM_Task(spec=vim.vm.ConfigSpec(extraConfig=options)))


def post_console_event(sim: RunningVcsim, vm_id: str, ticket_type: str = "webmks") -> None:
    """Post the event vCenter logs when a console ticket is taken for the VM: a
    ``VmAcquiredTicketEvent`` with ``ticket_type`` (``mks``, ``webmks``, ``device`` ...), or the
    older ``VmAcquiredMksTicketEvent`` for ``ticket_type="mks-event"``. The simulator sets its
    key, time and user (the session's, ``sim.username``), as vCenter does for its own."""
    from pyVmomi import vim

    with service_instance(sim) as si:
        content = si.RetrieveContent()
        vm = find_vm(si, vm_id)
        argument = vim.event.VmEventArgument(vm=vm, name=vm.name)
        common = {
            "key": 0,
            "chainId": 0,
            "createdTime": datetime.datetime.now(datetime.UTC),
            "userName": sim.username,
            "vm": argument,
            "template": False,
        }
        if ticket_type == "mks-event":
            event = vim.event.VmAcquiredMksTicketEvent(**common)
        else:
            event = vim.event.VmAcquiredTicketEvent(ticketType=ticket_type, **common)
        content.eventManager.PostEvent(eventToPost=event)


def create_snapshot(
    sim: RunningVcsim,
    vm_id: str,
    name: str,
    description: str = "",
    memory: bool = False,
    quiesce: bool = False,
) -> str:
    """Create a snapshot and wait for it; return its moref."""
    with service_instance(sim) as si:
        task = find_vm(si, vm_id).CreateSnapshot_Task(
            name=name, description=description, memory=memory, quiesce=quiesce
        )
        return str(wait_task(task)._moId)


def _vapi(sim: RunningVcsim, method: str, path: str, body: Any = None, session: str = "") -> Any:
    """One request to the simulator's vAPI (/rest), trusting its certificate as CA."""
    ctx = ssl.create_default_context(cadata=sim.ca_pem)
    host, port = sim.url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    conn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=30)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if session:
        headers["vmware-api-session-id"] = session
    else:
        pair = f"{sim.username}:{sim.password}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    try:
        conn.request(
            method, "/rest/com/vmware/cis" + path, json.dumps(body) if body else None, headers
        )
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        conn.close()
    if resp.status != 200:
        raise VcsimError(f"vAPI {method} {path}: HTTP {resp.status} {raw[:200]!r}")
    return json.loads(raw).get("value") if raw else None


def tag_vms(sim: RunningVcsim, category: str, tag: str, vm_ids_: list[str]) -> str:
    """Attach vSphere tag ``category``/``tag`` (made if missing) to VMs via the vAPI; its id."""
    session = _vapi(sim, "POST", "/session")
    try:
        categories = _vapi(sim, "GET", "/tagging/category", session=session) or []
        cat_id = next(
            (
                c
                for c in categories
                if _vapi(sim, "GET", f"/tagging/category/id:{c}", session=session)["name"]
                == category
            ),
            None,
        )
        if cat_id is None:
            spec = {"name": category, "cardinality": "MULTIPLE", "associable_types": []}
            cat_id = _vapi(sim, "POST", "/tagging/category", {"create_spec": spec}, session=session)
        tags = _vapi(sim, "GET", "/tagging/tag", session=session) or []
        tag_id = None
        for t in tags:
            info = _vapi(sim, "GET", f"/tagging/tag/id:{t}", session=session)
            if info["name"] == tag and info["category_id"] == cat_id:
                tag_id = t
        if tag_id is None:
            spec = {"name": tag, "category_id": cat_id}
            tag_id = _vapi(sim, "POST", "/tagging/tag", {"create_spec": spec}, session=session)
        for vm in vm_ids_:
            _vapi(
                sim,
                "POST",
                f"/tagging/tag-association/id:{tag_id}?~action=attach",
                {"object_id": {"type": "VirtualMachine", "id": vm}},
                session=session,
            )
        return str(tag_id)
    finally:
        _vapi(sim, "DELETE", "/session", session=session)


# -- CLI ------------------------------------------------------------------------------------------


_ENTITY_TYPES = (
    ("vm-", "VirtualMachine"),
    ("host-", "HostSystem"),
    ("domain-c", "ClusterComputeResource"),
    ("domain-s", "ComputeResource"),
    ("datacenter-", "Datacenter"),
    ("datastore-", "Datastore"),
    ("resgroup-", "ResourcePool"),
    ("network-", "Network"),
    ("dvportgroup-", "DistributedVirtualPortgroup"),
    ("dvs-", "DistributedVirtualSwitch"),
    ("group-", "Folder"),
)


def entity(si: Any, moid: str) -> Any:
    """The managed entity ``moid`` ("vm-42", "host-21", "group-d1") as a pyvmomi object."""
    from pyVmomi import vim

    for prefix, kind in _ENTITY_TYPES:
        if moid.startswith(prefix):
            return getattr(vim, kind)(moid, si._stub)
    raise ValueError(f"unknown entity type of {moid!r}")


def add_role(sim: RunningVcsim, name: str, privileges: list[str]) -> int:
    """Create a role (AuthorizationManager.AddAuthorizationRole); returns its id."""
    with service_instance(sim) as si:
        return int(si.content.authorizationManager.AddAuthorizationRole(name, privileges))


def set_permission(
    sim: RunningVcsim,
    moid: str,
    principal: str,
    role_id: int,
    *,
    group: bool = False,
    propagate: bool = True,
    with_entity: bool = False,
) -> None:
    """Grant ``role_id`` on ``moid`` to ``principal`` (AuthorizationManager.SetEntityPermissions)."""
    from pyVmomi import vim

    with service_instance(sim) as si:
        target = entity(si, moid)
        # Sent as an operator's client sends it: without the entity. vCenter fills it in;
        # vcsim does not (RetrieveAllPermissions then answers it with no entity, and the
        # connector places it by asking the objects; tests/connectors cover both).
        permission = vim.AuthorizationManager.Permission(
            entity=target if with_entity else None,
            principal=principal,
            group=group,
            roleId=role_id,
            propagate=propagate,
        )
        manager = si.content.authorizationManager
        # vCenter adds to the entity's permissions; vcsim replaces them all, so the others are
        # sent along (with their entity when asked: vcsim does not keep it either).
        kept = [
            p
            for p in manager.RetrieveEntityPermissions(target, False)
            if (p.principal, p.group) != (principal, group)
        ]
        for p in kept:
            p.entity = target if with_entity else None
        manager.SetEntityPermissions(target, [*kept, permission])


def remove_permission(sim: RunningVcsim, moid: str, principal: str, *, group: bool = False) -> None:
    with service_instance(sim) as si:
        si.content.authorizationManager.RemoveEntityPermission(entity(si, moid), principal, group)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vms", type=int, help="total VMs at least (spreads over clusters)")
    parser.add_argument("--datacenters", type=int, default=1)
    parser.add_argument("--clusters", type=int)
    parser.add_argument("--cluster-hosts", type=int)
    parser.add_argument("--standalone-hosts", type=int)
    parser.add_argument("--vms-per-pool", type=int)
    parser.add_argument("--datastores", type=int, default=1)
    parser.add_argument("--portgroups", type=int, default=1)
    parser.add_argument("--powered-off", action="store_true")
    parser.add_argument("--listen", default="127.0.0.1:0")
    parser.add_argument("--delay-ms", type=int, default=0, help="every SOAP call waits this long")
    args = parser.parse_args(argv)

    kw: dict[str, Any] = {
        "datacenters": args.datacenters,
        "datastores": args.datastores,
        "portgroups": args.portgroups,
        "powered_on": not args.powered_off,
        "delay_ms": args.delay_ms,
    }
    for name in ("clusters", "cluster_hosts", "standalone_hosts"):
        if getattr(args, name) is not None:
            kw[name] = getattr(args, name)
    spec = VcsimSpec.for_vms(args.vms, **kw) if args.vms is not None else VcsimSpec(**kw)
    if args.vms_per_pool is not None:
        spec.vms_per_pool = args.vms_per_pool

    sim = RunningVcsim(spec, listen=args.listen)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    sim.start()
    try:
        print(json.dumps(sim.summary()), flush=True)
        while not stop.is_set() and sim.running:
            stop.wait(0.5)
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
