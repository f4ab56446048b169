"""Changes to a running fakepve through its HTTPS API, as an administrator makes them.

For the cheap-resync tests and the benchmark (which runs the fake in its own process, so only
the API reaches it). Every change goes through PVE's own routes: a config write
(``PUT .../config``), a snapshot taken or deleted, a guest stopped or started, created,
destroyed, or migrated to another node (containers: fakepve's ``POST .../migrate``; it answers
a QEMU migration without moving the VM, so an in-process test moves QEMU VMs on the model).
"""

from __future__ import annotations

import random
from typing import Any

import requests

from inventory.connectors.proxmox import TrustAdapter


class PveChanger:
    """One API session to a fake (``url``, token, pinned ``fingerprint``)."""

    def __init__(self, url: str, token_id: str, token_secret: str, fingerprint: str) -> None:
        self.base = url.rstrip("/") + "/api2/json"
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.mount("https://", TrustAdapter(context=None, fingerprint=fingerprint, pool=1))
        self.session.headers["Authorization"] = f"PVEAPIToken={token_id}={token_secret}"
        self.serial = 0

    @classmethod
    def of(cls, fake: Any) -> PveChanger:
        """For a :class:`~simulators.fakepve.RunningFakePve` (or its ``info()`` dict)."""
        info = fake if isinstance(fake, dict) else fake.info()
        return cls(info["url"], info["token_id"], info["token_secret"], info["fingerprint"])

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> PveChanger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, method: str, path: str, **data: Any) -> Any:
        answer = self.session.request(method, self.base + path, data=data or None, timeout=60)
        if answer.status_code != 200:
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
        return answer.json()["data"]

    # ------------------------------------------------------------------ what is there

    def guests(self) -> list[dict[str, Any]]:
        """The guests as /cluster/resources lists them (id, type, vmid, node, status)."""
        return [r for r in self.call("GET", "/cluster/resources", type="vm") if r.get("vmid")]

    def nodes(self) -> list[str]:
        return sorted(n["node"] for n in self.call("GET", "/nodes"))

    @staticmethod
    def base_of(guest: dict[str, Any]) -> str:
        return f"/nodes/{guest['node']}/{guest['type']}/{guest['vmid']}"

    def snapshots(self, guest: dict[str, Any]) -> list[str]:
        items = self.call("GET", self.base_of(guest) + "/snapshot")
        return [s["name"] for s in items if s.get("name") != "current"]

    # ------------------------------------------------------------------ changes

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    def reconfigure(self, guest: dict[str, Any]) -> str:
        """A config change that leaves power and snapshots alone: description and onboot."""
        n = self._next()
        self.call("PUT", self.base_of(guest) + "/config", description=f"changed {n}", onboot=n % 2)
        return f"reconfigure {guest['id']}"

    def rename(self, guest: dict[str, Any]) -> str:
        key = "name" if guest["type"] == "qemu" else "hostname"
        self.call("PUT", self.base_of(guest) + "/config", **{key: f"renamed-{self._next()}"})
        return f"rename {guest['id']}"

    def snapshot(self, guest: dict[str, Any]) -> str:
        self.call("POST", self.base_of(guest) + "/snapshot", snapname=f"s{self._next()}")
        return f"snapshot {guest['id']}"

    def remove_snapshot(self, guest: dict[str, Any]) -> str:
        names = self.snapshots(guest)
        if not names:
            return self.snapshot(guest)
        self.call("DELETE", self.base_of(guest) + f"/snapshot/{names[-1]}")
        return f"unsnapshot {guest['id']}"

    def power(self, guest: dict[str, Any]) -> str:
        action = "stop" if guest["status"] == "running" else "start"
        self.call("POST", self.base_of(guest) + f"/status/{action}")
        return f"power {guest['id']} {action}"

    def create(self, node: str) -> str:
        vmid = int(self.call("GET", "/cluster/nextid"))
        self.call(
            "POST", f"/nodes/{node}/qemu", vmid=vmid, name=f"new{vmid}", memory=1024, cores=1,
            net0="virtio,bridge=vmbr0", scsi0="local-lvm:8",
        )  # fmt: skip
        return f"create qemu/{vmid}"

    def destroy(self, guest: dict[str, Any]) -> str:
        if guest["status"] == "running":
            self.call("POST", self.base_of(guest) + "/status/stop")
        self.call("DELETE", self.base_of(guest))
        return f"destroy {guest['id']}"

    def move(self, guest: dict[str, Any], node: str) -> str:
        """Migrate a container to ``node`` (a running one restarts there, as PVE does)."""
        self.call("POST", self.base_of(guest) + "/migrate", target=node, restart=1)
        return f"move {guest['id']} {node}"

    def random_changes(self, rng: random.Random, n: int) -> list[str]:
        """``n`` changes picked at random; returns what was done."""
        done = []
        nodes = self.nodes()
        for _ in range(n):
            guests = [g for g in self.guests() if not g.get("template")]
            guest = rng.choice(guests)
            what = rng.choice(
                ("reconfigure", "rename", "snapshot", "unsnapshot", "power", "create",
                 "destroy", "move"),
            )  # fmt: skip
            if what == "create":
                done.append(self.create(rng.choice(nodes)))
            elif what == "move":
                cts = [g for g in guests if g["type"] == "lxc"]
                ct = rng.choice(cts)
                done.append(self.move(ct, rng.choice([x for x in nodes if x != ct["node"]])))
            elif what == "unsnapshot":
                done.append(self.remove_snapshot(guest))
            else:
                done.append(getattr(self, what)(guest))
        return done
