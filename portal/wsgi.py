"""WSGI entry point."""

import os

from django.core.wsgi import get_wsgi_application

from .startup import run_guarded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

application = None


def _load() -> None:
    global application
    application = get_wsgi_application()


run_guarded(_load)
