"""403, 404 and 500 answers that never show a stack trace: JSON under /api/, a page elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A page within the layout saying what happened (the middleware audits the denial)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"message": "Permission denied."}}, status=403)
    return HttpResponse(loader.render_to_string("403.html", request=request), status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused form (CSRF): the 403 page saying what to do, not Django's bare one."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"message": f"CSRF check failed: {reason}"}}, status=403)
    return HttpResponse(
        loader.render_to_string("403.html", {"csrf_failed": True}, request=request), status=403
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"message": "Not found."}}, status=404)
    return HttpResponse(loader.render_to_string("404.html", request=request), status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    request_id = getattr(request, "request_id", "")
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"message": "Internal error.", "request_id": request_id}}, status=500
        )
    # No request context: the page must render even when the error came from a context processor.
    return HttpResponse(loader.render_to_string("500.html", {"request_id": request_id}), status=500)
