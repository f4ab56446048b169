"""A local syslog receiver for the SIEM tests: TLS with octet-counting framing (RFC 5425) and UDP.

It behaves like rsyslog's and syslog-ng's TLS inputs where the portal relies on it: it reads
every frame of a connection, and when the sender closes the TLS session it answers the
``close_notify`` with its own. ``crash_after(n)`` makes it die like a killed process after the
n-th message: the connection is reset (no close_notify) and the listener closed; ``start()``
opens it again on the same port. Each received message is kept as bytes, per start
(``sessions``) and all together (``messages``).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading

from tests.peers.tlsca import TestCA


def read_frames(buffer: bytearray) -> list[bytes]:
    """Take the complete octet-counted frames (``LEN SP MSG``) off the front of ``buffer``."""
    frames = []
    while True:
        space = buffer.find(b" ")
        if space <= 0:
            return frames
        length = int(buffer[:space])  # not a number: the framing is wrong, the test fails
        if len(buffer) < space + 1 + length:
            return frames
        frames.append(bytes(buffer[space + 1 : space + 1 + length]))
        del buffer[: space + 1 + length]


class TlsSyslogReceiver:
    def __init__(self, ca: TestCA, host: str = "127.0.0.1", port: int = 0) -> None:
        self.ca = ca
        self.host, self.port = host, port
        self.messages: list[bytes] = []
        self.sessions: list[list[bytes]] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._crash_at: int | None = None
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._running = False

    # --- control ----------------------------------------------------------------------
    def start(self) -> TlsSyslogReceiver:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener, self._running = listener, True
        self.sessions.append([])
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Close the listener and reset every open connection (a killed process)."""
        with self._lock:
            self._running = False
            listener, self._listener = self._listener, None
            conns, self._open = list(self._open), set()
        if listener is not None:
            with contextlib.suppress(OSError):  # wakes the accepting thread at once
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for conn in conns:
            _reset(conn)

    def crash_after(self, count: int) -> None:
        """Die (reset, listener closed) once ``count`` more messages have arrived."""
        with self._lock:
            self._crash_at = len(self.messages) + count

    @property
    def running(self) -> bool:
        return self._running

    # --- serving ----------------------------------------------------------------------
    def _accept(self, listener: socket.socket) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.ca.cert_file, self.ca.key_file)
        while True:
            try:
                raw, _ = listener.accept()
            except OSError:
                return  # stopped
            with self._lock:
                if not self._running:
                    raw.close()
                    return
                self._open.add(raw)
                self.connections += 1
            threading.Thread(target=self._serve, args=(context, raw), daemon=True).start()

    def _serve(self, context: ssl.SSLContext, raw: socket.socket) -> None:
        raw.settimeout(30)
        try:
            tls = context.wrap_socket(raw, server_side=True)  # takes over raw's descriptor
        except (OSError, ssl.SSLError):
            self._forget(raw)
            raw.close()
            return
        with self._lock:
            self._open.discard(raw)
            self._open.add(tls)
        buffer = bytearray()
        try:
            while True:
                data = tls.recv(65536)
                if not data:  # the sender's close_notify: every record before it is read
                    tls.unwrap()  # ... and answered with ours: the batch is confirmed
                    break
                buffer += data
                for frame in read_frames(buffer):
                    if not self._keep(frame):
                        self.stop()  # crash: reset, no close_notify
                        return
        except (OSError, ssl.SSLError):
            pass
        finally:
            self._forget(tls)
            tls.close()

    def _keep(self, frame: bytes) -> bool:
        with self._lock:
            if not self._running:
                return False
            self.messages.append(frame)
            self.sessions[-1].append(frame)
            if self._crash_at is not None and len(self.messages) >= self._crash_at:
                self._crash_at = None
                return False
            return True

    def _forget(self, raw: socket.socket) -> None:
        with self._lock:
            self._open.discard(raw)


def _reset(conn: socket.socket) -> None:
    """Close with a TCP reset, as the kernel does for a killed process with unread data."""
    with contextlib.suppress(OSError):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()


class UdpSyslogReceiver:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.messages: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, _ = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            self.messages.append(data)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()
