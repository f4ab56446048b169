"""Security headers, cookie flags, templates without inline script, and `check --deploy`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.test import Client, override_settings

from portal.middleware import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "PORTAL_TESTING"}}
    env.update(
        DEBUG="false",
        SECRET_KEY="p" * 10 + Fernet.generate_key().decode(),
        ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        PORTAL_VAR_DIR=str(tmp_path),
        ALLOWED_HOSTS="portal.example.org",
        # Production as docker-compose.yml runs it: Redis as broker, so the cache is shared
        # (whatever backend the suite itself runs on; nothing connects during the check).
        CELERY_BROKER_URL="redis://127.0.0.1:6379/9",
    )
    env.pop("PORTAL_HTTPS", None)
    # Set by the browser tests for their own process (Playwright's loop); never in production.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def _check_deploy(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING", *extra],
        cwd=ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_check_deploy_security_checks_pass_with_production_settings(tmp_path):
    result = _check_deploy(tmp_path, "--tag", "security")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = _check_deploy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_warns_when_the_cache_is_process_local(tmp_path):
    env = _production_env(tmp_path)
    env.pop("CELERY_BROKER_URL", None)  # the embedded broker: nothing shared
    env.pop("CACHE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode != 0
    assert "portal.W001" in result.stderr + result.stdout


def _cache_setting(env: dict[str, str]) -> dict:
    probe = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.CACHES['default']))"
    )
    env = env | {"DJANGO_SETTINGS_MODULE": "portal.settings"}
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def test_a_redis_broker_makes_the_cache_shared_unless_cache_url_is_set(tmp_path):
    env = _production_env(tmp_path)
    env.pop("CACHE_URL", None)
    env["CELERY_BROKER_URL"] = "redis://broker.example.org:6379/0"
    cache = _cache_setting(env)
    assert cache["BACKEND"].endswith("RedisCache")
    assert cache["LOCATION"] == "redis://broker.example.org:6379/0"
    env["CACHE_URL"] = "redis://cache.example.org:6379/3"
    assert _cache_setting(env)["LOCATION"] == "redis://cache.example.org:6379/3"
    env.pop("CACHE_URL")
    env.pop("CELERY_BROKER_URL")
    assert _cache_setting(env)["BACKEND"].endswith("LocMemCache")


def test_production_settings_turn_on_hsts_and_secure_cookies(tmp_path):
    probe = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.DEBUG]))"
    )
    env = _production_env(tmp_path) | {"DJANGO_SETTINGS_MODULE": "portal.settings"}
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    hsts, subdomains, session_secure, csrf_secure, redirect, debug = json.loads(out.stdout)
    assert hsts >= 31536000 and subdomains
    assert session_secure and csrf_secure and redirect and not debug


def test_cookies_are_httponly_and_samesite(settings):
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE in ("Lax", "Strict")
    assert settings.CSRF_COOKIE_SAMESITE in ("Lax", "Strict")


@override_settings(
    SECURE_HSTS_SECONDS=31536000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SESSION_COOKIE_SECURE=True,
    CSRF_COOKIE_SECURE=True,
)
def test_a_secure_answer_carries_hsts_and_secure_cookie_flags(auditor):
    client = Client()
    client.post(
        "/login/",
        {"username": auditor.username, "password": "correct-horse-battery-staple-42"},
        secure=True,
    )
    answer = client.get("/", secure=True)
    assert answer["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = client.cookies["sessionid"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


def test_every_answer_has_the_protective_headers(auditor, verified_client):
    for client, path in ((Client(), "/login/"), (verified_client(auditor), "/")):
        answer = client.get(path)
        assert answer["X-Content-Type-Options"] == "nosniff"
        assert answer["Referrer-Policy"] == "same-origin"
        assert answer["X-Frame-Options"] == "DENY"
        csp = answer["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert re.search(r"script-src 'self'(;|$)", csp)


def test_logged_in_pages_are_not_stored(auditor, verified_client):
    answer = verified_client(auditor).get("/")
    assert "no-store" in answer["Cache-Control"]


def test_the_csp_allows_no_inline_script():
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_no_template_holds_inline_script_or_event_handlers():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"<script\b[^>]*>", text):
            if "src=" not in match.group(0):
                offenders.append(f"{path}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", text):
            offenders.append(f"{path}: on* event handler attribute")
        if "javascript:" in text:
            offenders.append(f"{path}: javascript: URL")
    assert not offenders, offenders
