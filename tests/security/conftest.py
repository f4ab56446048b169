"""Fixtures of the security tests: verified sessions per role.

The root conftest gives ``api_for(user)`` and ``client_for(user)`` (one client per test) and
empties the cache (rate-limit counters) before every test.
"""

from __future__ import annotations

import pytest

from tests.second_factor import verify_session


@pytest.fixture
def verified_client():
    """``verified_client(user)``: a Django test client with a verified two-factor session."""

    def make(user, **kwargs):
        from django.test import Client

        return verify_session(Client(**kwargs), user)

    return make
