"""Logged-in connectors kept per worker process, so that operations do not log in each time.

A snapshot task on a fast platform takes milliseconds; a vCenter login (version negotiation,
service content, ``Login``, later ``Logout``) costs about as much as the task. A worker process
therefore keeps one connector per endpoint between operation steps and reuses it while:

- the endpoint's configuration (URL, credentials, trust) is unchanged: any edit means a new
  login with the new trust, never a session made under the old one;
- it was used less than :data:`IDLE_SECONDS` ago: well inside vCenter's idle session timeout
  (30 minutes by default) and a Proxmox ticket's two hours;
- its last use raised nothing: a connector that failed may be in any state and is closed.

A reused session can still have ended on the server (a restarted vCenter); callers treat an
:class:`AuthenticationError` from a reused connector as a reason to try again with a fresh one
(:func:`discard` then retry), not as a failed operation.

Entries are taken out of the cache while in use, so two threads never share a connector.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .base import Connector, EndpointConfig, get_connector

IDLE_SECONDS = 300.0


@dataclass(slots=True)
class _Entry:
    config: EndpointConfig
    connector: Connector
    used_at: float


@dataclass(slots=True)
class Lease:
    """A connector for one use; ``reused`` tells whether its session predates this use."""

    connector: Connector
    reused: bool


_idle: dict[int, _Entry] = {}
_lock = threading.Lock()


def _take(endpoint_id: int, config: EndpointConfig, now: float) -> Lease:
    with _lock:
        entry = _idle.pop(endpoint_id, None)
    if entry is not None:
        if entry.config == config and now - entry.used_at < IDLE_SECONDS:
            return Lease(entry.connector, reused=True)
        entry.connector.close()
    return Lease(get_connector(config), reused=False)


def _give_back(endpoint_id: int, config: EndpointConfig, connector: Connector) -> None:
    with _lock:
        other = _idle.pop(endpoint_id, None)
        _idle[endpoint_id] = _Entry(config, connector, time.monotonic())
    if other is not None:  # another thread's connector for the same endpoint: keep one
        other.connector.close()


@contextmanager
def connector_for(endpoint_id: int, config: EndpointConfig) -> Iterator[Lease]:
    """A logged-in connector for the endpoint, reused when possible; closed if the body raises."""
    lease = _take(endpoint_id, config, time.monotonic())
    try:
        yield lease
    except BaseException:
        lease.connector.close()
        raise
    _give_back(endpoint_id, config, lease.connector)


def discard(endpoint_id: int) -> None:
    """Forget (and close) the endpoint's idle connector, e.g. after its session was refused."""
    with _lock:
        entry = _idle.pop(endpoint_id, None)
    if entry is not None:
        entry.connector.close()


def close_all() -> None:
    """Log out of every idle session (worker shutdown). Never raises."""
    with _lock:
        entries = list(_idle.values())
        _idle.clear()
    for entry in entries:
        entry.connector.close()
