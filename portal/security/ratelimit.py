"""A rate limit per client address, kept in the Django cache; a window opens at the first try.

django-axes locks one (user, address) pair; this limit caps how many login attempts one
address makes across all user names (password spraying). Use a shared cache (``CACHE_URL``)
when several web processes serve the portal, or each keeps its own count.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

from portal.audit import client_address


def hit(request: HttpRequest, *, bucket: str, limit: int, window_seconds: int = 60) -> bool:
    """Count one attempt; return False when the address has used up ``limit`` in this window."""
    key = f"ratelimit:{bucket}:{client_address(request) or '-'}"
    # add() is atomic: the first attempt creates the counter, which expires with its window;
    # incr() keeps that expiry (LocMem and Redis alike).
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: a new window begins
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count <= limit
