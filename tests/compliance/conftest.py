"""Clients for compliance tests: logged in with the second factor where the portal requires one.

``portal.security`` (two-factor login) is being added in parallel; these fixtures use its
``verify_session`` when present and fall back to a plain login otherwise.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

try:
    from portal.security.testing import verify_session
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
