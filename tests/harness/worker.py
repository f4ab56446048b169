"""A real Celery worker as a child process, for tests and benchmarks.

The worker runs ``celery -A portal worker`` with the given environment (database, broker), on
its own queue so concurrent test sessions do not steal each other's tasks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
            if " ready." in self.log()[self._log_offset :]:
                return self
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready after {timeout}s:\n{self.log()[-3000:]}")

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
