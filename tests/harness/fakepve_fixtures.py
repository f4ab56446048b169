"""pytest fixtures around :mod:`simulators.fakepve`.

A fake starts in well under a second, so each test gets a fresh one (``fake_pve``); tests that
only read share one per module (``fake_pve_module``). Mark a test with
``@pytest.mark.fake_pve_spec(nodes=3, ...)`` to change the :class:`FakeSpec` of ``fake_pve``.

The root conftest lists this module in ``pytest_plugins``; until then a test module can import
the fixtures directly (``from tests.harness.fakepve_fixtures import fake_pve``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulators.fakepve import FakeSpec, RunningFakePve


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fake_pve_spec(**fields): FakeSpec fields for the fake_pve fixture"
    )


@pytest.fixture
def fake_pve(request: pytest.FixtureRequest) -> Iterator[RunningFakePve]:
    """A fresh, started fake PVE for one test (FakeSpec defaults unless marked)."""
    marker = request.node.get_closest_marker("fake_pve_spec")
    spec = FakeSpec(**(marker.kwargs if marker else {}))
    with RunningFakePve(spec) as fake:
        yield fake


@pytest.fixture(scope="module")
def fake_pve_module() -> Iterator[RunningFakePve]:
    """One fake for a whole module; do not change its state from a test."""
    with RunningFakePve(FakeSpec()) as fake:
        yield fake
