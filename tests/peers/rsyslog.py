"""Debian's rsyslogd as the SIEM's receiver: TLS input (imtcp, OpenSSL driver) with a CA the
test made, each message written to a file in RFC 5424 (RSYSLOG_SyslogProtocol23Format).

The configuration is the one docs/integration.md shows, with test paths and a free port.
rsyslogd runs in the foreground (``-n``) as a child of the test, never as a service.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.peers.tlsca import TestCA

CONFIG = """\
global(
  workDirectory="{work}"
  DefaultNetstreamDriver="ossl"
  DefaultNetstreamDriverCAFile="{ca}"
  DefaultNetstreamDriverCertFile="{cert}"
  DefaultNetstreamDriverKeyFile="{key}"
)
module(load="imtcp" StreamDriver.Name="ossl" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
input(type="imtcp" address="127.0.0.1" port="{port}" ruleset="virtsec")
ruleset(name="virtsec") {{
  action(type="omfile" file="{output}" template="RSYSLOG_SyslogProtocol23Format")
}}
"""


def rsyslogd() -> str:
    path = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
    if not os.path.exists(path):
        raise RuntimeError("rsyslogd is missing: apt-get install rsyslog rsyslog-openssl")
    return path


class Rsyslog:
    def __init__(self, directory: Path, ca: TestCA) -> None:
        self.directory = directory
        self.output = directory / "audit.log"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        (directory / "work").mkdir(parents=True, exist_ok=True)
        self.config = directory / "rsyslog.conf"
        self.config.write_text(
            CONFIG.format(
                work=directory / "work",
                ca=ca.ca_file,
                cert=ca.cert_file,
                key=ca.key_file,
                port=self.port,
                output=self.output,
            )
        )
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> Rsyslog:
        log = (self.directory / "rsyslogd.log").open("ab")
        self.proc = subprocess.Popen(
            [rsyslogd(), "-n", "-f", str(self.config), "-i", str(self.directory / "pid")],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"rsyslogd exited: {self.log()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"rsyslogd not listening after {timeout}s: {self.log()[-2000:]}")

    def stop(self) -> None:
        """SIGTERM: rsyslogd writes what it holds and exits."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)

    def lines(self) -> list[bytes]:
        if not self.output.exists():
            return []
        return [line for line in self.output.read_bytes().split(b"\n") if line]

    def log(self) -> str:
        path = self.directory / "rsyslogd.log"
        return path.read_text(errors="replace") if path.exists() else ""
