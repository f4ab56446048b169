"""DRF throttle for operations that reach a hypervisor (snapshot create, delete, revert)."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from portal.audit import client_address


class OperationThrottle(SimpleRateThrottle):
    """``OPERATION_RATE`` state changes per user (e.g. 30/min); reads are never throttled.

    Use on operation views: ``throttle_classes = [OperationThrottle]``. The answer to an
    excess request is 429 with ``Retry-After``.
    """

    scope = "operation"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.method in SAFE_METHODS:
            return None
        if request.user and request.user.is_authenticated:
            ident = str(request.user.pk)
        else:
            # Not DRF's get_ident: it believes a client-supplied X-Forwarded-For.
            ident = client_address(request._request) or "-"
        return self.cache_format % {"scope": self.scope, "ident": ident}
