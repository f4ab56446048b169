"""Clients for compliance tests: logged in with the second factor where the portal requires one.

``portal.security`` (two-factor login) is being added in parallel; these fixtures use its
``verify_session`` when present and fall back to a plain login otherwise. ``vc`` is a vCenter
endpoint on a fresh simulator for the end-to-end tests.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from simulators import vcsim as sim_api
from simulators.endpoints import vcenter_endpoint

from .vcsim_api import VcsimApi

try:
    from tests.second_factor import verify_session
except ImportError:  # before two-factor login exists

    def verify_session(client, user):
        client.force_login(user)
        return client


@pytest.fixture
def client_for(client):
    def make(user):
        return verify_session(client, user)

    return make


@pytest.fixture
def api_for():
    def make(user):
        return verify_session(APIClient(), user)

    return make


@pytest.fixture
def vc(fresh_vcsim):
    """A vCenter endpoint on a fresh simulator and an API session to change that simulator."""
    endpoint = vcenter_endpoint(fresh_vcsim, "vc-e2e", sync=False)
    with sim_api.service_instance(fresh_vcsim) as si:
        yield endpoint, VcsimApi(si)
