"""Compliance fixtures: ``vc``, a vCenter endpoint on a fresh simulator for the end-to-end tests.

Clients logged in with the second factor (``client_for``, ``api_for``) come from the root conftest.
"""

from __future__ import annotations

import pytest

from simulators import vcsim as sim_api
from simulators.endpoints import vcenter_endpoint

from .vcsim_api import VcsimApi


@pytest.fixture
def vc(fresh_vcsim):
    """A vCenter endpoint on a fresh simulator and an API session to change that simulator."""
    endpoint = vcenter_endpoint(fresh_vcsim, "vc-e2e", sync=False)
    with sim_api.service_instance(fresh_vcsim) as si:
        yield endpoint, VcsimApi(si)
