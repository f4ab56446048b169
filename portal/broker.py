"""The embedded broker: a kombu transport on one SQLite file, for the server-less default.

Why not kombu's ``filesystem://`` transport (the embedded broker until now):

- ``_put`` opens the message file under its final name and only then writes it. A consumer
  listing the folder in between moves and reads an empty or half-written file, and
  ``json.loads`` raises; the exception escapes the consumer loop and Celery stops with
  "Unrecoverable error: JSONDecodeError" (kombu#1551 is the same failure). Its ``flock`` does not
  help: readers never take it, and exchange tables are truncated (``open("wb")``) before they
  are locked, so a reader can also see an empty table.
- ``_get`` deletes the message as it hands it out: there is no unacknowledged state outside the
  worker's memory, so a SIGKILLed worker loses the messages it held (with ``acks_late``, the
  one task it was running too). Only a warm shutdown puts them back.
- Message order is by ``time.monotonic()`` in the file name, which restarts at every boot.

kombu's SQLAlchemy transport fixes the first point but not the second (a message is marked
invisible when fetched and never shown again) and needs SQLAlchemy. This transport keeps the
file transport's model (no server; web, beat and worker share a file under ``var/``) and adds
what a laptop needs:

- **Atomic writes.** A message is one row, inserted in one SQLite transaction: a producer killed
  mid-write leaves nothing, never half a message. WAL mode and a busy timeout let web, beat and
  worker write at the same time.
- **Held, not deleted.** A consumer marks the row with its *holder* token and deletes it on ack;
  a reject or a warm shutdown clears the mark. Messages fetched without acknowledgement
  (Celery's control and reply queues) are deleted at once.
- **A killed holder's messages come back.** Each process holds a POSIX lock (``lockf``) on its
  own file under ``holders/`` for as long as it lives; the kernel drops it when the process
  dies, however it dies. Before fetching, a consumer looks at the holders of held rows: a
  holder whose lock it can take is dead, and its rows are made visible again. No visibility
  timeout: a 30-minute sync is never delivered twice while its worker lives, and a killed
  worker's task is redelivered at the next poll.
- **A bad row does not stop the worker.** A row that does not decode (written by something
  else) is logged and moved to the ``dead`` table, and the consumer goes on.

Fanout exchanges (Celery's remote control, ``inspect``) keep their bindings in the same file,
so a broadcast reaches every process.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from queue import Empty

from kombu.transport import TRANSPORT_ALIASES, virtual
from kombu.utils.objects import cached_property

log = logging.getLogger(__name__)

SCHEME = "portalqueue"
DEFAULT_PATH = "var/broker/broker.sqlite3"
RESTORE_EVERY = 5.0  # seconds between looks for dead holders, per process

_SCHEMA = """
CREATE TABLE IF NOT EXISTS message (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    tag TEXT NOT NULL,
    payload TEXT NOT NULL,
    holder TEXT,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS message_ready ON message (queue, holder, id);
CREATE INDEX IF NOT EXISTS message_tag ON message (tag);
CREATE TABLE IF NOT EXISTS binding (
    exchange TEXT NOT NULL,
    routing_key TEXT NOT NULL,
    pattern TEXT NOT NULL,
    queue TEXT NOT NULL,
    PRIMARY KEY (exchange, routing_key, pattern, queue)
);
CREATE TABLE IF NOT EXISTS dead (
    id INTEGER PRIMARY KEY,
    queue TEXT NOT NULL,
    payload TEXT NOT NULL,
    error TEXT NOT NULL,
    created REAL NOT NULL
);
"""


class _Holder:
    """This process's holder token and the lock that proves it is alive (one per process)."""

    _lock = threading.Lock()
    _held: dict[tuple[int, Path], tuple[str, object]] = {}  # (pid, folder): (token, lock file)

    @classmethod
    def token(cls, folder: Path) -> str:
        key = (os.getpid(), folder)  # a forked child gets a token of its own
        with cls._lock:
            if key not in cls._held:
                folder.mkdir(parents=True, exist_ok=True)
                token = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
                f = (folder / f"{token}.lock").open("a+b")
                fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                cls._held[key] = (token, f)
            return cls._held[key][0]


def _holder_dead(folder: Path, token: str) -> bool:
    """Whether the process behind ``token`` is gone: its lock can be taken (or it has none)."""
    path = folder / f"{token}.lock"
    try:
        f = path.open("r+b")
    except FileNotFoundError:
        return True
    with f:
        try:
            fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # held: alive
        fcntl.lockf(f, fcntl.LOCK_UN)
        return True


class QoS(virtual.QoS):
    """Acks delete the held row; everything else the base class keeps in memory."""

    def ack(self, delivery_tag):
        self.channel._forget(delivery_tag)
        super().ack(delivery_tag)

    def reject(self, delivery_tag, requeue=False):
        if requeue:
            self.channel._release([delivery_tag])
        else:
            self.channel._forget(delivery_tag)
        self._quick_ack(delivery_tag)

    def restore_unacked(self):
        self._flush()
        tags = list(self._delivered)
        self._delivered.clear()
        try:
            self.channel._release(tags)
        except Exception as exc:  # the base class reports errors, it does not raise
            return [(exc, None)]
        return []


class Channel(virtual.Channel):
    QoS = QoS
    supports_fanout = True
    _last_restore: dict[Path, float] = {}  # per file: the last look for dead holders

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._no_ack_queues: set[str] = set()
        with self._db() as db:
            db.executescript(_SCHEMA)

    # ------------------------------------------------------------------ storage

    @cached_property
    def path(self) -> Path:
        options = self.connection.client.transport_options
        return Path(options.get("path") or DEFAULT_PATH)

    @cached_property
    def holders(self) -> Path:
        return self.path.parent / "holders"

    def _db(self) -> _Closing:
        """A new connection per operation: safe across threads and forks, cheap on SQLite."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        return _Closing(db)

    # ------------------------------------------------------------------ kombu's interface

    def basic_consume(self, queue, no_ack, *args, **kwargs):
        if no_ack:
            self._no_ack_queues.add(queue)
        return super().basic_consume(queue, no_ack, *args, **kwargs)

    def basic_get(self, queue, no_ack=False, **kwargs):
        if no_ack:
            self._no_ack_queues.add(queue)
        return super().basic_get(queue, no_ack, **kwargs)

    def _put(self, queue, message, **kwargs):
        tag = message["properties"].get("delivery_tag") or uuid.uuid4().hex
        with self._db() as db:
            db.execute(
                "INSERT INTO message (queue, tag, payload, created) VALUES (?, ?, ?, ?)",
                (queue, tag, json.dumps(message), time.time()),
            )

    def _get(self, queue, timeout=None):
        self._restore_dead_holders()
        holder = None if queue in self._no_ack_queues else _Holder.token(self.holders)
        with self._db() as db:
            while True:
                db.execute("BEGIN IMMEDIATE")
                try:
                    row = db.execute(
                        "SELECT id, payload FROM message WHERE queue = ? AND holder IS NULL "
                        "ORDER BY id LIMIT 1",
                        (queue,),
                    ).fetchone()
                    if row is None:
                        db.execute("COMMIT")
                        raise Empty()
                    pk, payload = row
                    try:
                        message = json.loads(payload)
                        message["properties"]["delivery_tag"]  # a message without one is not ours
                    except (ValueError, TypeError, KeyError) as exc:
                        self._bury(db, pk, queue, payload, exc)
                        db.execute("COMMIT")
                        continue
                    if holder is None:
                        db.execute("DELETE FROM message WHERE id = ?", (pk,))
                    else:
                        db.execute("UPDATE message SET holder = ? WHERE id = ?", (holder, pk))
                    db.execute("COMMIT")
                    return message
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise

    def _bury(self, db, pk: int, queue: str, payload: str, exc: Exception) -> None:
        log.error(
            "embedded broker: message %s in queue %s does not decode (%s); moved to the dead table",
            pk,
            queue,
            exc.__class__.__name__,
        )
        db.execute(
            "INSERT INTO dead (id, queue, payload, error, created) VALUES (?, ?, ?, ?, ?)",
            (pk, queue, payload, repr(exc)[:500], time.time()),
        )
        db.execute("DELETE FROM message WHERE id = ?", (pk,))

    def _size(self, queue):
        with self._db() as db:
            row = db.execute(
                "SELECT count(*) FROM message WHERE queue = ? AND holder IS NULL", (queue,)
            ).fetchone()
        return row[0]

    def _purge(self, queue):
        with self._db() as db:
            return db.execute(
                "DELETE FROM message WHERE queue = ? AND holder IS NULL", (queue,)
            ).rowcount

    def _delete(self, queue, exchange, routing_key, pattern, *args, **kwargs):
        super()._delete(queue, exchange, routing_key, pattern, *args, **kwargs)
        with self._db() as db:
            db.execute(
                "DELETE FROM binding WHERE exchange = ? AND routing_key = ? AND pattern = ? "
                "AND queue = ?",
                (exchange, routing_key or "", pattern or "", queue),
            )
            db.execute("DELETE FROM message WHERE queue = ?", (queue,))

    def _has_queue(self, queue, **kwargs):
        return True

    def _new_queue(self, queue, **kwargs):
        pass

    # fanout: bindings shared by every process through the file
    def _queue_bind(self, exchange, routing_key, pattern, queue):
        with self._db() as db:
            db.execute(
                "INSERT OR IGNORE INTO binding VALUES (?, ?, ?, ?)",
                (exchange, routing_key or "", pattern or "", queue),
            )

    def get_table(self, exchange):
        with self._db() as db:
            rows = db.execute(
                "SELECT routing_key, pattern, queue FROM binding WHERE exchange = ?", (exchange,)
            ).fetchall()
        return [tuple(r) for r in rows]

    def _put_fanout(self, exchange, message, routing_key, **kwargs):
        for _key, _pattern, queue in self.get_table(exchange):
            self._put(queue, message)

    # ------------------------------------------------------------------ acknowledgement

    def _forget(self, tag: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM message WHERE tag = ? AND holder IS NOT NULL", (tag,))

    def _release(self, tags: list[str]) -> None:
        """Make held messages visible again (a requeue, a warm shutdown)."""
        if not tags:
            return
        with self._db() as db:
            db.executemany(
                "UPDATE message SET holder = NULL WHERE tag = ? AND holder IS NOT NULL",
                [(t,) for t in tags],
            )

    def _restore(self, message):
        self._release([message.delivery_tag])

    def _restore_dead_holders(self) -> None:
        now = time.monotonic()
        if now - Channel._last_restore.get(self.path, -RESTORE_EVERY) < RESTORE_EVERY:
            return
        Channel._last_restore[self.path] = now
        mine = _Holder.token(self.holders)
        with self._db() as db:
            tokens = [
                r[0]
                for r in db.execute(
                    "SELECT DISTINCT holder FROM message WHERE holder IS NOT NULL AND holder != ?",
                    (mine,),
                )
            ]
            for token in tokens:
                if _holder_dead(self.holders, token):
                    n = db.execute(
                        "UPDATE message SET holder = NULL WHERE holder = ?", (token,)
                    ).rowcount
                    log.warning(
                        "embedded broker: %d message(s) held by a process that ended "
                        "(%s) are queued again",
                        n,
                        token,
                    )
                    (self.holders / f"{token}.lock").unlink(missing_ok=True)


class _Closing:
    """``with self._db() as db``: the connection, closed at the end."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        return self.db

    def __exit__(self, *exc) -> None:
        self.db.close()


class Transport(virtual.Transport):
    Channel = Channel
    # A locked or unreadable file is a connection error: the worker reconnects, it does not stop.
    connection_errors = (*virtual.Transport.connection_errors, sqlite3.OperationalError)
    channel_errors = (*virtual.Transport.channel_errors, sqlite3.DatabaseError)
    polling_interval = 0.5
    default_port = 0
    driver_type = "sqlite"
    driver_name = "sqlite"
    implements = virtual.Transport.implements.extend(
        asynchronous=False, exchange_type=frozenset(["direct", "topic", "fanout"])
    )
    # Declarations are shared by the connections of one process to one file (as kombu's
    # file transport does); the bindings themselves live in the file, for every process.
    _states: dict[str, virtual.BrokerState] = {}

    def __init__(self, client, **kwargs):
        super().__init__(client, **kwargs)
        path = str(Path(client.transport_options.get("path") or DEFAULT_PATH).resolve())
        self.state = self._states.setdefault(path, virtual.BrokerState())

    def driver_version(self):
        return sqlite3.sqlite_version


TRANSPORT_ALIASES.setdefault(SCHEME, "portal.broker:Transport")
