"""Changes to govmomi's vCenter simulator through its own SOAP API, as an administrator makes them.

Test code: pyvmomi is allowed here. Every call goes over the simulator's real API; nothing in
the portal's database is touched. What the simulator (govmomi 0.24, Debian's package) cannot do
through its API is listed in docs/compliance.md ("End-to-end coverage on vCenter") and in the
test modules, never faked here.

``SET.<property path>`` extraConfig keys are the simulator's own documented way to set a VM's
guest and runtime state (``applyExtraConfig`` in govmomi's simulator/virtual_machine.go): on a
real vCenter that state comes from the guest, the console and the host, which a test cannot drive.
"""

from __future__ import annotations

from typing import Any

from pyVmomi import vim

from simulators.vcsim import wait_task


class VcsimApi:
    """A logged-in session on one simulator; objects are addressed by their moref."""

    def __init__(self, si: Any) -> None:
        self.si = si
        self.content = si.RetrieveContent()

    def _all(self, kind: type) -> list[Any]:
        view = self.content.viewManager.CreateContainerView(self.content.rootFolder, [kind], True)
        try:
            return list(view.view)
        finally:
            view.DestroyView()

    def host(self, moref: str) -> Any:
        return vim.HostSystem(moref, self.si._stub)

    def vm(self, moref: str) -> Any:
        return vim.VirtualMachine(moref, self.si._stub)

    # -- hosts ---------------------------------------------------------------------------------

    def enter_maintenance(self, moref: str) -> None:
        wait_task(self.host(moref).EnterMaintenanceMode_Task(timeout=0))

    def exit_maintenance(self, moref: str) -> None:
        wait_task(self.host(moref).ExitMaintenanceMode_Task(timeout=0))

    def add_standalone_host(self, address: str, *, connected: bool) -> str:
        """Add a host by IP address to the first datacenter; the simulator gives its management
        VMkernel NIC that address. Returns the new host's moref."""
        datacenter = self._all(vim.Datacenter)[0]
        spec = vim.host.ConnectSpec(hostName=address, userName="root", password="x", force=True)
        task = datacenter.hostFolder.AddStandaloneHost_Task(spec=spec, addConnected=connected)
        return str(wait_task(task)._moId)

    def set_host_options(self, moref: str, values: dict[str, Any]) -> None:
        """Change advanced settings through the host's OptionManager (``UpdateOptions``), as the
        vSphere Client's Advanced System Settings and PowerCLI's Set-AdvancedSetting do.

        The simulator starts each host with one setting (``Config.HostAgent.log.level``), shared
        by all its hosts: change only other keys, which it keeps per host."""
        manager = self.host(moref).configManager.advancedOption
        manager.UpdateOptions(
            changedValue=[vim.option.OptionValue(key=k, value=v) for k, v in values.items()]
        )

    # -- virtual machines ----------------------------------------------------------------------

    def reconfigure(self, moref: str, **spec: Any) -> None:
        """``ReconfigVM_Task`` with a ``vim.vm.ConfigSpec`` of ``spec`` (memoryMB=, numCPUs=...)."""
        wait_task(self.vm(moref).ReconfigVM_Task(spec=vim.vm.ConfigSpec(**spec)))

    def set_extra_config(self, moref: str, values: dict[str, Any]) -> None:
        options = [vim.option.OptionValue(key=k, value=v) for k, v in values.items()]
        self.reconfigure(moref, extraConfig=options)

    def set_runtime_state(self, moref: str, values: dict[str, Any]) -> None:
        """Set guest/runtime properties through the simulator's ``SET.`` extraConfig keys."""
        self.set_extra_config(moref, {f"SET.{path}": value for path, value in values.items()})

    def add_serial_port(self, moref: str) -> None:
        port = vim.vm.device.VirtualSerialPort(
            key=-1,
            backing=vim.vm.device.VirtualSerialPort.FileBackingInfo(fileName="[LocalDS_0] s.log"),
        )
        change = vim.vm.device.VirtualDeviceSpec(operation="add", device=port)
        self.reconfigure(moref, deviceChange=[change])

    def add_device(self, moref: str, device: Any) -> None:
        """Add one virtual device (``key`` negative, as for any new device)."""
        change = vim.vm.device.VirtualDeviceSpec(operation="add", device=device)
        self.reconfigure(moref, deviceChange=[change])

    def set_cdrom_backing(self, moref: str, *, iso: str | None) -> None:
        """Point the VM's CD/DVD drive at an ISO image, or (``iso=None``) at the host's drive."""
        drive = next(
            d
            for d in self.vm(moref).config.hardware.device
            if isinstance(d, vim.vm.device.VirtualCdrom)
        )
        if iso is None:
            drive.backing = vim.vm.device.VirtualCdrom.AtapiBackingInfo(deviceName="cdrom0")
        else:
            drive.backing = vim.vm.device.VirtualCdrom.IsoBackingInfo(fileName=iso)
        change = vim.vm.device.VirtualDeviceSpec(operation="edit", device=drive)
        self.reconfigure(moref, deviceChange=[change])

    def add_disk(self, moref: str, capacity_bytes: int) -> int:
        """Add a thin disk on the VM's SCSI controller; return the new disk's device key."""
        vm = self.vm(moref)
        before = {d.key for d in vm.config.hardware.device}
        controller = next(
            d
            for d in vm.config.hardware.device
            if isinstance(d, vim.vm.device.VirtualSCSIController)
        )
        disk = vim.vm.device.VirtualDisk(
            key=-2,
            controllerKey=controller.key,
            unitNumber=5,
            capacityInKB=capacity_bytes // 1024,
            backing=vim.vm.device.VirtualDisk.FlatVer2BackingInfo(
                diskMode="persistent", thinProvisioned=True, fileName=""
            ),
        )
        change = vim.vm.device.VirtualDeviceSpec(
            operation="add", fileOperation="create", device=disk
        )
        self.reconfigure(moref, deviceChange=[change])
        return next(d.key for d in vm.config.hardware.device if d.key not in before)

    def remove_disk(self, moref: str, key: int) -> None:
        disk = next(d for d in self.vm(moref).config.hardware.device if d.key == key)
        change = vim.vm.device.VirtualDeviceSpec(
            operation="remove", fileOperation="destroy", device=disk
        )
        self.reconfigure(moref, deviceChange=[change])

    def set_nic_start_connected(self, moref: str, start_connected: bool) -> None:
        """Edit the VM's first network adapter: connect it at power on or not."""
        nic = next(
            d
            for d in self.vm(moref).config.hardware.device
            if isinstance(d, vim.vm.device.VirtualEthernetCard)
        )
        nic.connectable.startConnected = start_connected
        change = vim.vm.device.VirtualDeviceSpec(operation="edit", device=nic)
        self.reconfigure(moref, deviceChange=[change])

    def power_on(self, moref: str) -> None:
        wait_task(self.vm(moref).PowerOnVM_Task())

    def power_off(self, moref: str) -> None:
        wait_task(self.vm(moref).PowerOffVM_Task())

    def create_snapshot(self, moref: str, name: str, *, memory: bool = False) -> str:
        task = self.vm(moref).CreateSnapshot_Task(
            name=name, description="", memory=memory, quiesce=False
        )
        return str(wait_task(task)._moId)

    def remove_all_snapshots(self, moref: str) -> None:
        # Not RemoveSnapshot_Task: the simulator names the snapshot as that task's entity, which
        # pyvmomi refuses to read back (a snapshot is no ManagedEntity).
        wait_task(self.vm(moref).RemoveAllSnapshots_Task())

    # -- storage and networks ------------------------------------------------------------------

    def datastore(self, moref: str) -> Any:
        return vim.Datastore(moref, self.si._stub)

    def set_portgroup_security(self, moref: str, *, promiscuous: bool) -> None:
        """Reconfigure a distributed port group's default security policy."""
        portgroup = vim.dvs.DistributedVirtualPortgroup(moref, self.si._stub)
        policy = vim.dvs.VmwareDistributedVirtualSwitch.SecurityPolicy(
            allowPromiscuous=vim.BoolPolicy(value=promiscuous),
            macChanges=vim.BoolPolicy(value=False),
            forgedTransmits=vim.BoolPolicy(value=False),
        )
        spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
            name=portgroup.name,
            configVersion=portgroup.config.configVersion,
            defaultPortConfig=vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy(
                securityPolicy=policy
            ),
        )
        wait_task(portgroup.ReconfigureDVPortgroup_Task(spec=spec))

    # -- availability and backups ----------------------------------------------------------------

    def set_reservations(self, moref: str, *, cpu_mhz: int, memory_mb: int) -> None:
        self.reconfigure(
            moref,
            cpuAllocation=vim.ResourceAllocationInfo(reservation=cpu_mhz),
            memoryAllocation=vim.ResourceAllocationInfo(reservation=memory_mb),
        )

    def set_custom_attribute(self, moref: str, name: str, value: str) -> None:
        """Write a VM's custom attribute as a backup product does (defined on first use)."""
        manager = self.content.customFieldsManager
        field = next((f for f in manager.field or [] if f.name == name), None)
        if field is None:
            field = manager.AddCustomFieldDef(name=name, moType=vim.VirtualMachine)
        manager.SetField(entity=self.vm(moref), key=field.key, value=value)
