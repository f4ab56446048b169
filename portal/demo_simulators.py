"""The bundled simulators for ``make demo``: a fake Proxmox VE and, where Go is installed,
VMware's vCenter simulator, each registered with its pinned fingerprint and synced once."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Simulator:
    """A simulator child process that printed one JSON line with its connection details."""

    def __init__(self, name: str, module: str, *args: str, env: dict[str, str]):
        self.name = name
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            self.stop()
            raise RuntimeError(f"{name} did not start")
        self.info = json.loads(line)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _register(stack, name: str, kind: str, info: dict, *extra: str) -> None:
    secret_file = Path(tempfile.mkstemp(prefix="demo-secret-", dir=stack.var_dir)[1])
    try:
        # Registered with its API token where the simulator gives one (fake PVE), else a password.
        secret = info.get("token_secret") or info["password"]
        secret_file.write_text(secret + "\n")
        stack.manage(
            "add_endpoint", name, "--kind", kind, "--url", info["url"],
            "--fingerprint", info["fingerprint"], "--secret-file", str(secret_file), *extra,
            "--replace",  # simulators get new ports and certificates at every start
        )  # fmt: skip
    finally:
        secret_file.unlink(missing_ok=True)


def start_simulators(stack) -> list[Simulator]:
    """Start, register and sync what can run here; say what was skipped and why."""
    sims: list[Simulator] = []
    try:
        pve = Simulator(
            "fake Proxmox VE",
            "tests.harness.fakepve",
            "--guests",
            "24",
            "--nodes",
            "3",
            env=stack.env,
        )
        sims.append(pve)
        _register(stack, "pve-demo", "proxmox", pve.info, "--token-id", pve.info["token_id"])
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"fake Proxmox VE not started: {exc}", file=sys.stderr)
    if shutil.which("go"):
        try:
            vc = Simulator("vCenter simulator", "tests.harness.vcsim", "--vms", "4", env=stack.env)
            sims.append(vc)
            _register(stack, "vcenter-demo", "vcenter", vc.info, "--username", vc.info["username"])
        except (RuntimeError, subprocess.CalledProcessError, KeyError) as exc:
            print(f"vCenter simulator not started: {exc}", file=sys.stderr)
    else:
        print(
            "vCenter simulator skipped: install golang-go golang-github-vmware-govmomi-dev",
            file=sys.stderr,
        )
    if sims:
        try:
            stack.manage("sync")
        except subprocess.CalledProcessError:
            print("a first sync failed; see the endpoints page", file=sys.stderr)
    return sims
