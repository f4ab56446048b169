"""A real Celery worker as a child process, for tests and benchmarks.

The worker runs ``celery -A portal worker`` with the given environment (database, broker), on
its own queue so concurrent test sessions do not steal each other's tasks.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kombu.exceptions import ChannelError

ROOT = Path(__file__).resolve().parents[1]
READY = re.compile(r"(\S+@\S+) ready\.")


class Worker:
    def __init__(self, env: dict[str, str], queue: str, concurrency: int = 2, name: str = "test"):
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.queue = queue
        self.concurrency = concurrency
        self.name = name
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(tempfile.mkstemp(prefix=f"worker-{name}-", suffix=".log")[1])

    def start(self, timeout: float = 60) -> Worker:
        # A restart appends to the same log: only lines written from here on count.
        self._log_offset = self.log_path.stat().st_size
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "portal", "worker",
                "-Q", self.queue, "--concurrency", str(self.concurrency),
                "--hostname", f"{self.name}-{os.getpid()}@%h", "--loglevel", "INFO",
                "--without-gossip", "--without-mingle",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so kill() reaches the pool children too
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited at start:\n{self.log()[-3000:]}")
            ready = READY.search(self.log()[self._log_offset :])
            if ready:
                self.hostname = ready.group(1)
                return self
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready after {timeout}s:\n{self.log()[-3000:]}")

    def busy(self, app) -> list[str]:
        """What the worker still has to do: waiting messages, running, prefetched, scheduled."""
        waiting = self._waiting(app)
        inspect = app.control.inspect(destination=[self.hostname], timeout=2.0)
        held = []
        for kind in ("active", "reserved", "scheduled"):
            answer = getattr(inspect, kind)() or {}
            held += [f"{kind}: {t.get('name') or t}" for t in answer.get(self.hostname, [])]
        return ([f"{waiting} waiting"] if waiting else []) + held

    def _waiting(self, app, purge: bool = False) -> int:
        with app.connection_for_write() as conn:
            try:
                if purge:
                    return conn.default_channel.queue_purge(self.queue) or 0
                return conn.default_channel.queue_declare(self.queue, passive=True).message_count
            except ChannelError:  # Redis keeps no empty list: a queue never used is empty
                return 0

    def settle(self, app, timeout: float = 60) -> None:
        """Let the worker finish what a test left it; restart it empty if it does not.

        A transactional test's database flush must not meet a task still writing: the two
        lock tables in different orders and PostgreSQL breaks the deadlock by failing one.
        """
        deadline = time.monotonic() + timeout
        while (left := self.busy(app)) and time.monotonic() < deadline:
            time.sleep(0.2)
        if left:
            self.stop()  # a warm shutdown gives unacknowledged messages back to the queue
            self._waiting(app, purge=True)
            self.start()

    def log(self) -> str:
        """Everything the worker wrote, across restarts."""
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool), as a crash would."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> Worker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
