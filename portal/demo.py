"""The portal on one machine with the embedded defaults (what ``make demo`` builds on).

Creates ``var/demo.env`` with fresh keys on first run, migrates, creates the demo administrator
(its password is printed), starts the web server, a Celery worker and beat on the embedded
broker. Ctrl-C stops everything. ``make demo`` runs ``python -m simulators.demo``, which adds the
bundled vCenter simulator and fake Proxmox VE (registered and synced) through ``start_extras``:
the product knows no simulator.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def demo_env(var_dir: Path) -> dict[str, str]:
    """The environment of every demo process; keys are made once and kept in var/demo.env."""
    var_dir.mkdir(parents=True, exist_ok=True)
    env_file = var_dir / "demo.env"
    if not env_file.exists():
        env_file.write_text(
            f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
            f"ENCRYPTION_KEYS={Fernet.generate_key().decode()}\n"
        )
        env_file.chmod(0o600)
    env = dict(os.environ)
    for line in env_file.read_text().splitlines():
        key, _, value = line.partition("=")
        env.setdefault(key, value)
    if not env.get("METRICS_TOKEN") and not env.get("METRICS_TOKEN_FILE"):
        env["METRICS_TOKEN_FILE"] = str(metrics_token_file(var_dir))
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        PORTAL_VAR_DIR=str(var_dir),
        PORTAL_HTTPS="false",  # the demo serves plain HTTP on localhost
        PYTHONUNBUFFERED="1",
    )
    return env


def metrics_token_file(var_dir: Path) -> Path:
    """The demo's /metrics bearer token, made once (docs/integration.md, Prometheus metrics)."""
    path = var_dir / "metrics-token"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32) + "\n")
        path.chmod(0o600)
    return path


class Stack:
    """Web server, worker and beat as child processes; stopped together."""

    def __init__(self, var_dir: Path, port: int, env: dict[str, str] | None = None):
        self.var_dir = var_dir
        self.port = port
        self.env = env or demo_env(var_dir)
        self.procs: list[subprocess.Popen] = []
        self.url = f"http://127.0.0.1:{port}/"

    def manage(self, *args: str, capture: bool = False) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            text=True,
            stdout=subprocess.PIPE if capture else None,
        )
        return result.stdout or ""

    def _spawn(self, name: str, *cmd: str) -> None:
        log = open(self.var_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.procs.append(
            subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        )

    def start(self) -> None:
        self._spawn(
            "web",
            PYTHON, "-m", "gunicorn", "portal.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--threads", "4",
            "--access-logfile", "-",
        )  # fmt: skip
        self._spawn(
            "worker",
            PYTHON, "-m", "celery", "-A", "portal", "worker", "--loglevel", "INFO",
            "--concurrency", "2", "--hostname", "demo-worker@%h",
        )  # fmt: skip
        self._spawn(
            "beat",
            PYTHON, "-m", "celery", "-A", "portal", "beat", "--loglevel", "INFO",
            "--pidfile", str(self.var_dir / "beat.pid"),
        )  # fmt: skip

    def wait_healthy(self, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "healthz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return True
            except OSError:
                pass
            for proc in self.procs:
                if proc.poll() is not None:
                    return False
            time.sleep(0.5)
        return False

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def ensure_admin(stack: Stack) -> str:
    password_file = stack.var_dir / "demo-admin-password"
    if not password_file.exists():
        password = secrets.token_urlsafe(15)
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        stack.manage(
            "create_user", "admin", "--role", "administrator", "--password-file", str(password_file)
        )
        for name, role in (("officer", "security_officer"), ("auditor", "auditor")):
            stack.manage("create_user", name, "--role", role, "--password-file", str(password_file))
    return password_file.read_text().strip()


class Stoppable(Protocol):
    def stop(self) -> None: ...


def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--var-dir", default=str(ROOT / "var"))
    return parser


def main(argv: list[str] | None = None) -> int:
    return run(argument_parser().parse_args(argv))


def run(
    args: argparse.Namespace, start_extras: Callable[[Stack], list[Stoppable]] | None = None
) -> int:
    """Start the stack; ``start_extras(stack)`` starts more once it is healthy (stopped with it)."""
    stack = Stack(Path(args.var_dir), args.port)
    print("migrating the database ...", flush=True)
    stack.manage("migrate", "--verbosity", "0")
    password = ensure_admin(stack)
    stack.start()
    extras: list[Stoppable] = []
    try:
        if not stack.wait_healthy():
            print(f"the web server did not come up; see {stack.var_dir}/web.log", file=sys.stderr)
            return 1
        if start_extras is not None:
            extras = start_extras(stack)
        token_file = stack.env.get("METRICS_TOKEN_FILE") or "FILE-WITH-YOUR-METRICS_TOKEN"
        print(
            f"\nVirtSec Portal runs at {stack.url}\n"
            f"  log in as admin / {password}  (also officer and auditor, same password)\n"
            f'  metrics: curl -H "Authorization: Bearer $(cat {token_file})" '
            f"{stack.url}metrics\n"
            f"  logs in {stack.var_dir}/*.log; Ctrl-C stops everything\n",
            flush=True,
        )
        while all(proc.poll() is None for proc in stack.procs):
            time.sleep(1)
        print("a demo process stopped; see the logs in var/", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        for extra in extras:
            extra.stop()
        stack.stop()
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sys.exit(main())
