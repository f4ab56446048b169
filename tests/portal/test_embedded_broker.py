"""The embedded broker survives a laptop: concurrent producers, killed consumers, broken writes.

Producers and consumers are separate processes, as web, beat and worker are; kills are SIGKILL.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from kombu import Connection

ROOT = Path(__file__).resolve().parents[2]
QUEUE = "laptop"


def connection(path: Path) -> Connection:
    return Connection("portalqueue://", transport_options={"path": str(path)})


def run_python(code: str, path: Path, *args: str) -> subprocess.Popen:
    """A separate process with the broker registered (``import portal.broker``)."""
    script = "import sys, portal.broker\nfrom kombu import Connection\n" + textwrap.dedent(code)
    return subprocess.Popen(
        [sys.executable, "-c", script, str(path), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


PRODUCE = """
    path, who, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with Connection("portalqueue://", transport_options={"path": path}) as conn:
        queue = conn.SimpleQueue("laptop")
        for i in range(count):
            queue.put({"who": who, "i": i})
"""

HOLD_ONE = """
    path = sys.argv[1]
    with Connection("portalqueue://", transport_options={"path": path}) as conn:
        queue = conn.SimpleQueue("laptop")
        message = queue.get(timeout=10)  # held, never acknowledged
        print(message.payload["i"], flush=True)
        import time
        time.sleep(600)
"""


def drain(path: Path, timeout: float = 10.0) -> list[dict]:
    """Everything the queue gives within ``timeout`` after the last message, acknowledged."""
    got = []
    with connection(path) as conn:
        queue = conn.SimpleQueue(QUEUE)
        while True:
            try:
                message = queue.get(timeout=timeout)
            except queue.Empty:
                return got
            got.append(message.payload)
            message.ack()


def test_four_producers_at_once_lose_and_duplicate_nothing(tmp_path):
    path = tmp_path / "broker.sqlite3"
    producers = [run_python(PRODUCE, path, f"p{n}", "150") for n in range(4)]
    for p in producers:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    got = drain(path, timeout=1.5)
    assert sorted((m["who"], m["i"]) for m in got) == sorted(
        (f"p{n}", i) for n in range(4) for i in range(150)
    )
    for n in range(4):  # each producer's messages in the order it sent them
        assert [m["i"] for m in got if m["who"] == f"p{n}"] == list(range(150))


def test_a_message_held_by_a_killed_consumer_is_delivered_again_and_only_once(tmp_path):
    path = tmp_path / "broker.sqlite3"
    p = run_python(PRODUCE, path, "web", "3")
    assert p.wait(timeout=60) == 0
    holder = run_python(HOLD_ONE, path)
    assert holder.stdout.readline().strip() == "0"  # it holds message 0
    with connection(path) as conn:
        queue = conn.SimpleQueue(QUEUE)
        first = queue.get(timeout=5)
        assert first.payload["i"] == 1  # the held one is not given to anyone else
        first.ack()
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    got = drain(path, timeout=8)  # the dead holder's message comes back at the next look
    assert sorted(m["i"] for m in got) == [0, 2]


def test_a_producer_killed_in_the_middle_of_a_write_leaves_no_half_message(tmp_path):
    path = tmp_path / "broker.sqlite3"
    with connection(path) as conn:
        conn.SimpleQueue(QUEUE).put({"i": 0})
    # A writer that dies inside its transaction, after writing half a message.
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "db.execute('BEGIN IMMEDIATE')\n"
            'db.execute("INSERT INTO message (queue, tag, payload, created) '
            "VALUES ('laptop', 'x', '{\\\"body\\\": \\\"half', 0)\")\n"
            "print('written', flush=True)\n"
            "time.sleep(600)\n",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout.readline().strip() == "written"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    with connection(path) as conn:
        conn.SimpleQueue(QUEUE).put({"i": 1})
    assert [m["i"] for m in drain(path, timeout=1.5)] == [0, 1]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM message").fetchone() == (0,)


@pytest.mark.slow
def test_a_worker_passes_over_an_undecodable_message_and_keeps_running(embedded_worker):
    """The demo's worker died with "Unrecoverable error: JSONDecodeError"; this one logs the
    bad message, sets it aside and runs the next task."""
    with sqlite3.connect(embedded_worker.broker) as db:
        db.execute(
            "INSERT INTO message (queue, tag, payload, created) VALUES (?, 'bad', ?, ?)",
            (embedded_worker.queue, '{"body": "trunc', time.time()),
        )
    assert embedded_worker.ping(uuid.uuid4().hex), embedded_worker.worker.log()[-3000:]
    assert embedded_worker.worker.proc.poll() is None
    log = embedded_worker.worker.log()
    assert "does not decode" in log and "Unrecoverable" not in log
    with sqlite3.connect(embedded_worker.broker) as db:
        assert db.execute("SELECT payload FROM dead").fetchall() == [('{"body": "trunc',)]
