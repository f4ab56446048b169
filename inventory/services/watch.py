"""The watcher: one long-running task per endpoint that waits on the change feed and stores
changes as they come (issue 17, item 2).

A watcher occupies one worker slot for its lifetime (:data:`LIFETIME_SECONDS`). It loops on
:func:`inventory.services.incremental.incremental_sync` with ``wait_seconds`` =
:data:`WAIT_SECONDS`: vCenter answers as soon as something changed (govmomi's simulator within
250 ms) or after the wait with nothing; a round with nothing leaves no SyncRun. Between rounds
it checks whether to stop, so it stops within :data:`WAIT_SECONDS`:

- the endpoint was disabled or deleted, or watching was switched off (``INVENTORY_WATCH``);
- a stop was requested for it or for all watchers (:func:`request_stop`; the worker asks for
  all when it shuts down, see inventory/tasks.py);
- its lifetime is over: it logs out (the next watcher logs in anew, so a session never grows
  old) and the task queues its successor.

One watcher per endpoint: a lease in the cache (``watch-lease:<id>``), renewed every round,
taken by whoever starts first. With Redis as the cache the lease and the stop requests hold
across worker processes; with the embedded default (a per-process cache) they hold within one
process only, which is what the one-process embedded worker is.

The first round of a watcher is a full read (a new feed); after that it stores change sets.
While a scheduled full sync holds the endpoint's claim the watcher keeps what it read and
stores it as a full change set from its copy once the claim is free.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

from inventory.connectors.base import ConnectorError
from inventory.models import Endpoint, SyncRun

from .incremental import close_feed, incremental_sync
from .sync import SyncBusy

log = logging.getLogger(__name__)

WAIT_SECONDS = 5.0
LIFETIME_SECONDS = 600.0
LEASE_SECONDS = 4 * WAIT_SECONDS + 30  # outlives one round (a full read of a large estate)
_STOP_ALL = "watch-stop:all"


def _lease_key(endpoint_id: int) -> str:
    return f"watch-lease:{endpoint_id}"


def _stop_key(endpoint_id: int) -> str:
    return f"watch-stop:{endpoint_id}"


def watching_enabled() -> bool:
    return bool(getattr(settings, "INVENTORY_WATCH", False))


def is_watched(endpoint_id: int) -> bool:
    """Whether a watcher holds the endpoint's lease."""
    return cache.get(_lease_key(endpoint_id)) is not None


def request_stop(endpoint_id: int | None = None) -> None:
    """Ask the watcher of one endpoint (None: all watchers) to stop after its current round."""
    cache.set(_STOP_ALL if endpoint_id is None else _stop_key(endpoint_id), 1, LEASE_SECONDS)


def clear_stop(endpoint_id: int | None = None) -> None:
    cache.delete(_STOP_ALL if endpoint_id is None else _stop_key(endpoint_id))


def watch(
    endpoint_id: int,
    *,
    lifetime: float = LIFETIME_SECONDS,
    wait_seconds: float = WAIT_SECONDS,
    on_change: Callable[[SyncRun], None] | None = None,
) -> str:
    """Watch one endpoint until told to stop or ``lifetime`` is over; return why it ended:
    ``busy`` (another watcher has it), ``stopped``, ``gone``, ``disabled``, ``lifetime``,
    ``failing``."""
    token = uuid.uuid4().hex
    lease = _lease_key(endpoint_id)
    if not cache.add(lease, token, LEASE_SECONDS):
        return "busy"
    deadline = time.monotonic() + lifetime
    failures = 0
    reason = "lifetime"
    try:
        while time.monotonic() < deadline:
            if cache.get(_stop_key(endpoint_id)) or cache.get(_STOP_ALL):
                reason = "stopped"
                break
            if not watching_enabled():
                reason = "disabled"
                break
            endpoint = Endpoint.objects.filter(pk=endpoint_id).first()
            if endpoint is None or not endpoint.enabled:
                reason = "gone" if endpoint is None else "disabled"
                break
            if cache.get(lease) != token:
                reason = "busy"  # the lease expired and another watcher took it
                break
            cache.set(lease, token, LEASE_SECONDS)
            try:
                run = incremental_sync(
                    endpoint, trigger="watch", wait_seconds=wait_seconds, record_empty=False
                )
            except SyncBusy:
                time.sleep(1.0)  # a full sync holds the claim; the feed keeps what it read
                continue
            except ConnectorError as exc:
                # The wait itself failed (before a SyncRun exists): the feed is closed and the
                # next round reads everything again.
                failures += 1
                log.warning("watcher of %s: %s (%d in a row)", endpoint.name, exc, failures)
                if failures >= 5:
                    reason = "failing"
                    break
                time.sleep(min(60.0, 2.0**failures))
                continue
            if run is None:
                failures = 0
                continue
            if run.status != SyncRun.Status.SUCCEEDED:
                failures += 1
                log.warning("watcher of %s: round failed (%d in a row)", endpoint.name, failures)
                if failures >= 5:
                    reason = "failing"
                    break
                time.sleep(min(60.0, 2.0**failures))
                continue
            failures = 0
            if on_change is not None:
                on_change(run)
    finally:
        close_feed(endpoint_id)  # log out: the next watcher starts with a fresh session
        if cache.get(lease) == token:
            cache.delete(lease)
    log.info("watcher of endpoint %s ended: %s", endpoint_id, reason)
    return reason


def endpoints_to_watch() -> list[int]:
    """Enabled endpoints whose platform has a change feed and that no watcher holds."""
    from inventory.connectors.changes import has_change_feed

    if not watching_enabled():
        return []
    return [
        pk
        for pk, kind in Endpoint.objects.filter(enabled=True).values_list("pk", "kind")
        if has_change_feed(kind) and not is_watched(pk)
    ]
