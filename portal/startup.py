"""Entry-point guard: configuration and connection errors become one clear line, not a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable

from .env import ConfigError


def run_guarded(fn: Callable[[], None]) -> None:
    try:
        fn()
    except ConfigError as exc:
        sys.stderr.write(f"configuration error: {exc}\n")
        raise SystemExit(2) from None
    except Exception as exc:  # only the kinds we can explain; everything else keeps its traceback
        from django.db.utils import OperationalError

        if isinstance(exc, OperationalError):
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
            sys.stderr.write(f"database unreachable (check DATABASE_URL): {first}\n")
            raise SystemExit(3) from None
        raise
