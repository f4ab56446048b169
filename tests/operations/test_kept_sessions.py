"""A worker process keeps one vCenter session per endpoint between operation steps.

Counted on the simulator itself (its SessionManager's session list), not on our cache.
"""

from __future__ import annotations

import pytest

from inventory.connectors import sessions
from inventory.models import VirtualMachine
from operations.models import Operation
from operations.services.operation_runner import operation_step
from operations.services.operations import snapshot_create
from tests.endpoints import vcenter_endpoint
from tests.harness import vcsim as sim_api

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _empty_cache():
    sessions.close_all()
    yield
    sessions.close_all()


@pytest.fixture
def vc(fresh_vcsim, admin_user):
    endpoint = vcenter_endpoint(fresh_vcsim, "vc-kept")
    vms = list(VirtualMachine.objects.filter(endpoint=endpoint).order_by("name"))
    return fresh_vcsim, endpoint, vms


def _run(vm, name: str, user) -> Operation:
    op = snapshot_create(vm=vm, name=name, actor=user)
    assert operation_step(op.pk) is None  # the simulator's task ends within the inline polls
    return Operation.objects.get(pk=op.pk)


def _portal_sessions(sim, si) -> list[str]:
    """Keys of the simulator's sessions other than the observer's own."""
    manager = si.content.sessionManager
    own = manager.currentSession.key
    return [s.key for s in manager.sessionList if s.key != own]


def test_operations_on_one_endpoint_log_in_once(vc, admin_user):
    sim, _, vms = vc
    for i, vm in enumerate(vms[:3]):
        assert _run(vm, f"kept-{i}", admin_user).state == "succeeded"
    with sim_api.service_instance(sim) as si:
        assert len(_portal_sessions(sim, si)) == 1
    sessions.close_all()  # a worker process that ends logs out
    with sim_api.service_instance(sim) as si:
        assert _portal_sessions(sim, si) == []


def test_a_kept_session_ended_on_the_server_is_replaced_and_the_operation_succeeds(vc, admin_user):
    sim, _, vms = vc
    assert _run(vms[0], "before", admin_user).state == "succeeded"
    with sim_api.service_instance(sim) as si:
        kept = _portal_sessions(sim, si)
        si.content.sessionManager.TerminateSession(sessionId=kept)
    op = snapshot_create(vm=vms[1], name="after", actor=admin_user)
    assert operation_step(op.pk) == 0.0  # refused session: step again at once, nothing failed
    assert operation_step(op.pk) is None
    op.refresh_from_db()
    # The refused submit counts as an attempt; the retry looked for its work first.
    assert (op.state, op.attempts) == ("succeeded", 2), op.error
    with sim_api.service_instance(sim) as si:
        now = _portal_sessions(sim, si)
        tree = sim_api.find_vm(si, vms[1].external_id).snapshot.rootSnapshotList
    assert [t.name for t in tree] == ["after"]
    assert len(now) == 1 and now != kept


def test_a_changed_endpoint_logs_in_afresh_and_the_old_session_is_logged_out(vc, admin_user):
    sim, endpoint, vms = vc
    assert _run(vms[0], "one", admin_user).state == "succeeded"
    assert _run(vms[1], "two", admin_user).state == "succeeded"
    with sim_api.service_instance(sim) as si:
        first = _portal_sessions(sim, si)
    endpoint.fingerprint = endpoint.fingerprint.upper()  # same pin, another config value
    endpoint.save(update_fields=["fingerprint"])
    assert _run(vms[2], "three", admin_user).state == "succeeded"
    with sim_api.service_instance(sim) as si:
        last = _portal_sessions(sim, si)
    assert len(first) == 1 and len(last) == 1 and first != last


def test_a_step_that_raises_closes_its_connector_instead_of_keeping_it(vc, admin_user):
    sim, endpoint, vms = vc
    config = endpoint.connector_config()
    with pytest.raises(RuntimeError), sessions.connector_for(endpoint.pk, config) as lease:
        lease.connector.find_snapshot(vms[0].external_id, "none")  # logs in
        raise RuntimeError("a bug in the step")
    with sim_api.service_instance(sim) as si:
        assert _portal_sessions(sim, si) == []
    with sessions.connector_for(endpoint.pk, config) as lease:
        assert not lease.reused
