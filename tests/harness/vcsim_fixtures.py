"""pytest fixtures around :mod:`simulators.vcsim` (govmomi's vCenter simulator).

``vcsim`` is one small simulator for the whole session (1 cluster x 2 hosts + 1 standalone host,
2 VMs per cluster and per standalone host = 4 VMs); do not change its state from a test.
``fresh_vcsim`` is a new simulator for one test that changes things (it starts in well under a
second); mark the test with ``@pytest.mark.vcsim_spec(vms_per_pool=5, ...)`` to change its
:class:`VcsimSpec`.

The root conftest lists this module in ``pytest_plugins``; a test module can also import the
fixtures directly (``from tests.harness.vcsim_fixtures import vcsim, fresh_vcsim``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulators.vcsim import RunningVcsim, VcsimSpec

SMALL = VcsimSpec(clusters=1, cluster_hosts=2, standalone_hosts=1, vms_per_pool=2)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "vcsim_spec(**fields): VcsimSpec fields for the fresh_vcsim fixture"
    )


@pytest.fixture(scope="session")
def vcsim() -> Iterator[RunningVcsim]:
    """One small simulator for the session; read only."""
    with RunningVcsim(SMALL) as sim:
        yield sim


@pytest.fixture
def fresh_vcsim(request: pytest.FixtureRequest) -> Iterator[RunningVcsim]:
    """A new simulator for one test (the small spec unless marked with ``vcsim_spec``)."""
    marker = request.node.get_closest_marker("vcsim_spec")
    spec = VcsimSpec(**{**_small(), **(marker.kwargs if marker else {})})
    with RunningVcsim(spec) as sim:
        yield sim


def _small() -> dict[str, object]:
    return {
        "clusters": SMALL.clusters,
        "cluster_hosts": SMALL.cluster_hosts,
        "standalone_hosts": SMALL.standalone_hosts,
        "vms_per_pool": SMALL.vms_per_pool,
    }
