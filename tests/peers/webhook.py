"""A local HTTPS webhook receiver (http.server + ssl, certificate from a generated CA) that
checks the portal's HMAC signature, as a receiver in production should.

In tests (in a thread): each path can be told to fail its first N requests (HTTP 503) or to
hang until released (a dead receiver). As a program, for ``make demo`` and docs/integration.md::

    python -m tests.peers.webhook --port 8443 --secret 'a-long-shared-secret' --dir var/webhook-demo

prints the CA file to give the portal (NOTIFY_WEBHOOK_CA_FILE) and every event it receives.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.peers.tlsca import TestCA, make_ca

MAX_SKEW = 300  # seconds a signature's timestamp may be off (replay window)


def verify(secret: str, timestamp: str, signature: str, body: bytes, now: float | None = None):
    """The check a receiver makes: the HMAC over "<timestamp>." + body, and a fresh timestamp."""
    expected = (
        "sha256="
        + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    )
    fresh = abs((now or time.time()) - int(timestamp or 0)) <= MAX_SKEW
    return fresh and hmac.compare_digest(expected, signature or "")


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Behaviour:
    fail_first: int = 0  # answer 503 to this many requests, then 200
    hang: threading.Event | None = None  # wait for this before answering (a dead receiver)
    seen: int = 0


@dataclass
class WebhookReceiver:
    ca: TestCA
    secret: str
    port: int = 0
    received: list[Received] = field(default_factory=list)
    behaviours: dict[str, Behaviour] = field(default_factory=dict)
    log: bool = False

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ok = verify(
                    receiver.secret,
                    self.headers.get("X-VirtSec-Timestamp", ""),
                    self.headers.get("X-VirtSec-Signature", ""),
                    body,
                )
                with receiver._lock:
                    behaviour = receiver.behaviours.setdefault(self.path, Behaviour())
                    behaviour.seen += 1
                    number = behaviour.seen
                    receiver.received.append(Received(self.path, dict(self.headers), body, ok))
                if behaviour.hang is not None:
                    behaviour.hang.wait(300)
                if receiver.log:
                    receiver._print(self.path, body, ok)
                signed = "X-VirtSec-Signature" in self.headers  # Teams/Mattermost: unsigned
                status = (
                    503 if number <= behaviour.fail_first else (401 if signed and not ok else 200)
                )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.ca.cert_file, self.ca.key_file)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]

    def url(self, path: str = "/hook") -> str:
        return f"https://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 120) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.at(path)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{count} request(s) to {path} not received: {self.at(path)}")

    def _print(self, path: str, body: bytes, ok: bool) -> None:
        state = "signature ok" if ok else "SIGNATURE WRONG (answered 401)"
        try:
            events = json.loads(body).get("events", [])
        except ValueError:
            events = []
        print(f"{path}: {state}", flush=True)
        for event in events:
            print(f"  {event.get('kind')}: {event.get('subject')}", flush=True)

    def __enter__(self) -> WebhookReceiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        for behaviour in self.behaviours.values():
            if behaviour.hang is not None:
                behaviour.hang.set()
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--secret", required=True, help="the receiver's signing secret")
    parser.add_argument("--dir", default="var/webhook-demo", help="where the CA is written")
    args = parser.parse_args()
    ca = make_ca(Path(args.dir), "VirtSec demo webhook CA")
    with WebhookReceiver(ca, args.secret, port=args.port, log=True) as receiver:
        print(f"listening on {receiver.url('/hook')}", flush=True)
        print(f"CA for the portal: NOTIFY_WEBHOOK_CA_FILE={ca.ca_file.resolve()}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
