"""`make demo`'s start command brings up web, worker and beat; /healthz and /metrics answer."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request

import pytest

from portal.demo import Stack, demo_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_the_demo_stack_serves_the_login_page_and_runs_a_worker(tmp_path):
    env = demo_env(tmp_path)
    for key in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_QUEUE", "DEBUG"):
        env.pop(key, None)  # the demo runs on the embedded defaults
    stack = Stack(tmp_path, free_port(), env)
    stack.manage("migrate", "--verbosity", "0")
    stack.start()
    try:
        assert stack.wait_healthy(60), (tmp_path / "web.log").read_text()[-2000:]
        with urllib.request.urlopen(stack.url + "login/", timeout=5) as answer:
            assert b"password" in answer.read().lower()
        deadline = time.monotonic() + 60
        while (
            " ready." not in (tmp_path / "worker.log").read_text() and time.monotonic() < deadline
        ):
            time.sleep(0.5)
        assert " ready." in (tmp_path / "worker.log").read_text()
        # /metrics answers the demo's own token (var/metrics-token), and nobody without it.
        token = (tmp_path / "metrics-token").read_text().strip()
        scrape = urllib.request.Request(
            stack.url + "metrics", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(scrape, timeout=10) as answer:
            body = answer.read().decode()
        assert "virtsec_celery_broker_up 1.0" in body and "virtsec_requirements{" in body
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(stack.url + "metrics", timeout=10)
        assert refused.value.code == 401
    finally:
        stack.stop()
