"""``/metrics`` for Prometheus: a bearer token and/or allowed networks, nothing when neither.

- ``METRICS_TOKEN_FILE`` (or ``METRICS_TOKEN``) set: ``Authorization: Bearer <token>`` is
  required (compared in constant time); missing or wrong answers 401.
- ``METRICS_ALLOWED_NETWORKS`` set: the client's address (the direct peer, ``REMOTE_ADDR``)
  must be in one of them; else 403.
- Both set: both must hold. Neither set: 403 for everyone, 127.0.0.1 included (deny by default).

Not a page of a role: a signed-in session counts for nothing here.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from portal.access import public

from .collectors import PortalCollector


def _refusal(request) -> HttpResponse | None:
    token, networks = settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS
    if not token and not networks:
        return HttpResponse(
            "/metrics is off: set METRICS_TOKEN_FILE or METRICS_ALLOWED_NETWORKS.\n",
            status=403,
            content_type="text/plain",
        )
    if networks:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            address = None
        if address is None or not any(address in network for network in networks):
            return HttpResponse(
                "Not from an allowed network.\n", status=403, content_type="text/plain"
            )
    if token:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            answer = HttpResponse(
                "A valid bearer token is required.\n", status=401, content_type="text/plain"
            )
            answer["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return answer
    return None


@public
@require_GET
@never_cache
def metrics(request):
    refused = _refusal(request)
    if refused is not None:
        return refused
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PortalCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
