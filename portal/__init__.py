"""VirtSec Portal: the Django project (settings, URLs, Celery app, roles, audit trail, health)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
