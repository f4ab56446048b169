"""Changes made on the vCenter simulator through its own API, for the change-feed tests, the
benchmark and the watcher's latency measurement. One logged-in session for many changes:

    with Changer(sim) as ch:
        ch.rename("vm-42", "db-01"); ch.power_off("vm-43"); ch.migrate("vm-44", "host-21")

Simulator code (not the product's): pyvmomi allowed.
"""

from __future__ import annotations

import random
from typing import Any

from pyVmomi import vim

from .vcsim import RunningVcsim, service_instance, wait_task


class Changer:
    def __init__(self, sim: RunningVcsim) -> None:
        self.sim = sim
        self._cm: Any = None
        self.si: Any = None

    def __enter__(self) -> Changer:
        self._cm = service_instance(self.sim)
        self.si = self._cm.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._cm.__exit__(*exc)

    def _ids(self, obj_type: type) -> list[str]:
        content = self.si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [obj_type], True)
        try:
            return sorted(o._moId for o in view.view)
        finally:
            view.DestroyView()

    def vm_ids(self) -> list[str]:
        return self._ids(vim.VirtualMachine)

    def host_ids(self) -> list[str]:
        return self._ids(vim.HostSystem)

    def vm(self, vm_id: str) -> Any:
        return vim.VirtualMachine(vm_id, self.si._stub)

    def rename(self, vm_id: str, name: str) -> None:
        wait_task(self.vm(vm_id).Rename_Task(newName=name))

    def power_off(self, vm_id: str) -> None:
        vm = self.vm(vm_id)
        if vm.runtime.powerState != vim.VirtualMachinePowerState.poweredOff:
            wait_task(vm.PowerOffVM_Task())

    def power_on(self, vm_id: str) -> None:
        vm = self.vm(vm_id)
        if vm.runtime.powerState != vim.VirtualMachinePowerState.poweredOn:
            wait_task(vm.PowerOnVM_Task())

    def snapshot(self, vm_id: str, name: str) -> str:
        task = self.vm(vm_id).CreateSnapshot_Task(
            name=name, description="", memory=False, quiesce=False
        )
        return str(wait_task(task)._moId)

    def remove_snapshots(self, vm_id: str) -> None:
        wait_task(self.vm(vm_id).RemoveAllSnapshots_Task())

    def destroy(self, vm_id: str) -> None:
        self.power_off(vm_id)
        wait_task(self.vm(vm_id).Destroy_Task())

    def migrate(self, vm_id: str, host_id: str) -> None:
        """Move the VM to another host (of its cluster, or any host the simulator accepts)."""
        host = vim.HostSystem(host_id, self.si._stub)
        wait_task(self.vm(vm_id).RelocateVM_Task(spec=vim.vm.RelocateSpec(host=host)))

    def reconfigure_cpus(self, vm_id: str, cpus: int) -> None:
        wait_task(self.vm(vm_id).ReconfigVM_Task(spec=vim.vm.ConfigSpec(numCPUs=cpus)))

    def set_host_options(self, host_id: str, values: dict[str, Any]) -> None:
        """Change advanced settings with ``UpdateOptions`` on the host's OptionManager (the
        simulator keeps them per host, except its one shared ``Config.HostAgent.log.level``,
        and reports no property update for it, as a real vCenter need not)."""
        manager = vim.HostSystem(host_id, self.si._stub).configManager.advancedOption
        manager.UpdateOptions(
            changedValue=[vim.option.OptionValue(key=k, value=v) for k, v in values.items()]
        )

    def create(self, like_vm_id: str, name: str) -> str:
        """A new VM in the folder, pool and host of ``like_vm_id``; return its moref."""
        like = self.vm(like_vm_id)
        spec = vim.vm.ConfigSpec(
            name=name,
            guestId="otherGuest",
            numCPUs=1,
            memoryMB=128,
            files=vim.vm.FileInfo(vmPathName=f"[{like.datastore[0].name}]"),
        )
        task = like.parent.CreateVM_Task(
            config=spec, pool=like.resourcePool, host=like.runtime.host
        )
        return str(wait_task(task)._moId)

    def random_changes(self, rng: random.Random, count: int) -> list[str]:
        """``count`` random changes of the kinds issue 17 names; returns what was done."""
        done: list[str] = []
        hosts = self.host_ids()
        for i in range(count):
            vms = self.vm_ids()
            vm_id = rng.choice(vms)
            action = rng.choice(
                ["create", "rename", "power", "snapshot", "remove", "move", "unsnapshot", "cpus"]
            )
            if action == "create":
                new = self.create(vm_id, f"new-{i}-{rng.randrange(10**6)}")
                done.append(f"create {new}")
            elif action == "rename":
                self.rename(vm_id, f"renamed-{i}-{rng.randrange(10**6)}")
                done.append(f"rename {vm_id}")
            elif action == "power":
                vm = self.vm(vm_id)
                if vm.runtime.powerState == vim.VirtualMachinePowerState.poweredOn:
                    self.power_off(vm_id)
                else:
                    self.power_on(vm_id)
                done.append(f"power {vm_id}")
            elif action == "snapshot":
                done.append(f"snapshot {vm_id} {self.snapshot(vm_id, f'snap-{i}')}")
            elif action == "unsnapshot":
                self.remove_snapshots(vm_id)
                done.append(f"remove snapshots {vm_id}")
            elif action == "remove" and len(vms) > 2:
                self.destroy(vm_id)
                done.append(f"destroy {vm_id}")
            elif action == "move":
                current = self.vm(vm_id).runtime.host._moId
                target = rng.choice([h for h in hosts if h != current] or hosts)
                self.migrate(vm_id, target)
                done.append(f"move {vm_id} {current}->{target}")
            elif action == "cpus":
                self.reconfigure_cpus(vm_id, rng.choice([1, 2, 4]))
                done.append(f"cpus {vm_id}")
        return done
