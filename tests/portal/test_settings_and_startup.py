"""Settings from the environment: clear one-line errors, no traceback walls."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_manage(env_changes: dict[str, str | None], *args: str) -> subprocess.CompletedProcess:
    env = {
        k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "ENCRYPTION_KEYS")
    }
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", *(args or ("check",))],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage({"DEBUG": "false", "SECRET_KEY": None, "ENCRYPTION_KEYS": "x"})
    assert result.returncode == 2
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_value_that_is_not_a_boolean_names_the_variable():
    result = run_manage({"DEBUG": "maybe"})
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "configuration error: DEBUG='maybe' is not a boolean: use true or false"
    )


def test_a_number_out_of_range_names_the_variable():
    result = run_manage({"DEBUG": "true", "SESSION_IDLE_MINUTES": "0"})
    assert "SESSION_IDLE_MINUTES='0' is below the minimum 1" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_broker_scheme_is_refused_without_leaking_the_password():
    result = run_manage({"DEBUG": "true", "CELERY_BROKER_URL": "ftp://user:hunter2@host/"})
    assert result.returncode == 2
    assert "CELERY_BROKER_URL" in result.stderr
    assert "hunter2" not in result.stderr


def test_an_unreachable_database_is_one_line_naming_database_url():
    result = run_manage(
        {"DEBUG": "true", "DATABASE_URL": "postgres://postgres:hunter2@127.0.0.1:1/nope"}, "migrate"
    )
    assert result.returncode == 3
    assert result.stderr.startswith("database unreachable (check DATABASE_URL)")
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr


@pytest.mark.parametrize("debug", ["true", "false"])
def test_valid_settings_pass_the_system_check(debug):
    env = {
        "DEBUG": debug,
        "SECRET_KEY": "k" * 50,
        "ENCRYPTION_KEYS": "ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LWZvci11c2U=",
    }
    result = run_manage(env)
    assert result.returncode == 0, result.stderr


def test_a_worker_with_an_unreachable_broker_stops_with_one_line_naming_it(tmp_path):
    env = dict(os.environ)
    env.update(
        DEBUG="true",
        CELERY_BROKER_URL="redis://:hunter2@127.0.0.1:1/0",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
    )
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", "nowhere", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert result.returncode == 3
    assert "broker unreachable (check CELERY_BROKER_URL)" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
