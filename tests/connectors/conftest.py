"""Connector tests: simulator fixtures (also registered by the root conftest, harmless twice)."""

from tests.harness.vcsim_fixtures import fresh_vcsim, pytest_configure, vcsim  # noqa: F401
