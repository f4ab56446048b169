"""End to end on govmomi's vCenter simulator: TIM-001 from VMware Tools' time settings.

``ReconfigVM_Task`` with ``tools.syncTimeWithHost`` is vSphere's own call; the simulator keeps
the ``tools`` of the spec. The guest's tools state is the simulator's ``SET.`` key (on a real
vCenter it comes from the guest). vSphere reports no guest clock, so no offset is judged.
"""

from __future__ import annotations

import pytest
from pyVmomi import vim

from .e2e import assert_resolved, open_finding, result, sync_and_check
from .test_end_to_end_vcenter_vms import cluster_vm

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_time_sync_with_the_host_off_warns_and_on_with_tools_running_passes(vc):
    endpoint, api = vc
    run = sync_and_check(endpoint)
    vm = cluster_vm(endpoint)
    # The simulator's VMs leave syncTimeWithHost unset: nothing to judge, no false alarm.
    assert vm.is_running and vm.guest_time["sync_with_host"] is None
    assert open_finding("TIM-001", vm) is None
    assert result(run, "TIM-001").failed == result(run, "TIM-001").warnings == 0

    api.reconfigure(vm.external_id, tools=vim.vm.ToolsConfigInfo(syncTimeWithHost=False))
    run = sync_and_check(endpoint)
    off = open_finding("TIM-001", vm)
    assert off.status == "warning"
    assert off.evidence["sync_with_host"] is False
    assert off.evidence["offset_seconds"] is None
    assert result(run, "TIM-001").warnings == 1  # only the VM changed

    api.reconfigure(vm.external_id, tools=vim.vm.ToolsConfigInfo(syncTimeWithHost=True))
    sync_and_check(endpoint)
    # On, but the simulator's tools do not run: the sync cannot happen.
    not_running = open_finding("TIM-001", vm)
    assert not_running.pk == off.pk and "do not run" in not_running.message

    api.set_runtime_state(vm.external_id, {"guest.toolsRunningStatus": "guestToolsRunning"})
    run = sync_and_check(endpoint)
    assert_resolved(off)
    assert result(run, "TIM-001").passed == 1
