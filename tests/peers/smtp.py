"""A real SMTP server (aiosmtpd) in a thread, on a free port, that requires STARTTLS."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from email import message_from_bytes, policy
from email.message import Message

from aiosmtpd.controller import Controller

from tests.peers.tlsca import TestCA


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, box: MailBox) -> None:
        self.box = box

    async def handle_DATA(self, server, session, envelope):
        self.box.add(
            envelope.rcpt_tos,
            message_from_bytes(envelope.original_content, policy=policy.default),
            session,
        )
        return "250 Message accepted for delivery"


class MailBox:
    """What the server received: (recipients, message, was the session under TLS)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message, bool]] = []
        self._lock = threading.Lock()

    def add(self, rcpt: list[str], message: Message, session) -> None:
        with self._lock:
            self.messages.append((list(rcpt), message, session.ssl is not None))

    def to(self, address: str) -> list[Message]:
        with self._lock:
            return [m for rcpt, m, _ in self.messages if address in rcpt]

    def wait_for(self, address: str, count: int = 1, timeout: float = 120) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{count} mail(s) to {address} not received; have {self.messages}")


class SmtpServer:
    def __init__(self, ca: TestCA) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(ca.cert_file, ca.key_file)
        self.box = MailBox()
        self.port = free_port()
        self.controller = Controller(
            _Handler(self.box),
            hostname="127.0.0.1",
            port=self.port,
            tls_context=context,
            require_starttls=True,
        )

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
