"""Shared set-up for the benchmarks: a throwaway PostgreSQL database with the portal schema.

Benchmarks compare against a baseline measured in the same run (ratios), never against fixed
numbers: this machine's speed does not matter, the ratio does.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "var" / "bench"


def setup_django(db_name: str) -> None:
    """Point Django at a fresh database ``db_name`` on the server of DATABASE_URL and migrate."""
    import psycopg

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    server = base.rsplit("/", 1)[0]
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name}"')
    os.environ["DATABASE_URL"] = f"{server}/{db_name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def user_with_role(username: str, role: str, password: str | None = None):
    """A portal user in one role's group (``manage.py create_user`` without its audit event)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model()(username=username)
    if password is None:
        user.set_unusable_password()  # the benchmark authenticates it directly
    else:
        user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@contextmanager
def timed(into: dict[str, float], key: str):
    t0 = time.perf_counter()
    yield
    into[key] = round(time.perf_counter() - t0, 3)


def save(name: str, result: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    result["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count()}
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
