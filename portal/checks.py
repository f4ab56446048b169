"""Custom system checks for ``manage.py check --deploy``.

portal.W001: the cache is process-local (locmem). Login rate limits, the lockout's counters and
the API throttles then count per process: with three gunicorn workers an attacker gets three
times the attempts, and each restart forgets them. The check cannot see how many processes will
serve, so in a deployment check it always says so; set ``CACHE_URL`` (or use a Redis broker,
whose server the cache then shares) to share the counters.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register

PROCESS_LOCAL = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(deploy=True)
def shared_cache(app_configs, **kwargs) -> list[Warning]:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in PROCESS_LOCAL:
        return []
    return [
        Warning(
            "The cache is process-local: login rate limits, lockout counters and API throttles "
            "count per web process and are not shared when several processes serve.",
            hint="Set CACHE_URL=redis://HOST:6379/1, or use a Redis broker (CELERY_BROKER_URL), "
            "whose server the cache then shares.",
            id="portal.W001",
        )
    ]
