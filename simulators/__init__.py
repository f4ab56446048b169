"""The simulators the demo, the tests and the benchmarks share; never imported by the product.

- :mod:`simulators.fakepve`: fakepve (PyPI) over real HTTPS, with the state our checks read.
- :mod:`simulators.vcsim`: govmomi's vCenter simulator, built from ``vcsim-launcher/main.go``.
- :mod:`simulators.worker`: a real Celery worker as a child process.
- :mod:`simulators.endpoints`: a running simulator registered as an endpoint and synced.
- :mod:`simulators.demo`: ``make demo`` (the portal's one-machine stack plus the simulators).

The product's apps must not import this package (``make lint``, docs/architecture.md); its
pytest fixtures live in ``tests/harness/``.
"""
