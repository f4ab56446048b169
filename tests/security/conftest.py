"""Fixtures of the security tests: verified sessions per role."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.second_factor import verify_session


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Rate-limit counters live in the cache; one test's attempts must not limit the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def verified_client():
    """``verified_client(user)``: a Django test client with a verified two-factor session."""

    def make(user, **kwargs):
        from django.test import Client

        return verify_session(Client(**kwargs), user)

    return make


@pytest.fixture
def verified_api():
    """``verified_api(user)``: a DRF client whose session passed the second factor."""

    def make(user):
        return verify_session(APIClient(), user)

    return make
