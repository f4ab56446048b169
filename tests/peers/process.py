"""A peer server in its own process: started, waited for, stopped (by its own pid only)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path


class PeerProcess:
    """Subclasses set ``dir`` and call :meth:`spawn`; ``stop()`` ends only the process it made."""

    dir: Path
    name = "peer"
    proc: subprocess.Popen | None = None

    def spawn(
        self, argv: list[str], ready: Callable[[], None], errors: tuple[type[BaseException], ...],
        timeout: float = 60, **popen: object,
    ) -> None:  # fmt: skip
        """Start ``argv`` (output to ``<dir>/<name>.log``) and wait until ``ready()`` stops
        raising one of ``errors``; fail with the log's tail if the process ends or time runs out."""
        log_file = self.dir / f"{self.name}.log"
        log = open(log_file, "ab")  # noqa: SIM115 - the process keeps it
        self.proc = subprocess.Popen(argv, stdout=log, stderr=log, **popen)  # type: ignore[call-overload]
        deadline = time.monotonic() + timeout
        while True:
            try:
                ready()
                return
            except errors:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    tail = log_file.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"{self.name} did not start: {tail}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
