"""The simulators' per-call delays (issue 17's scale-out benchmark): fakepve's ``--latency-ms``
delays every answer, the waits overlap (a slow answer does not hold up another request), and on
SIGTERM the fake says how many requests it answered; the vCenter simulator's ``-delay-ms``
delays every SOAP call."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from inventory.connectors.proxmox import TrustAdapter
from simulators.vcsim import RunningVcsim, VcsimSpec, service_instance

ROOT = Path(__file__).resolve().parents[2]
LATENCY = 2.0


def test_latency_delays_each_answer_in_parallel_and_requests_are_counted():
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulators.fakepve", "--guests", "2", "--nodes", "1",
         "--latency-ms", str(LATENCY * 1000)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        info = json.loads(proc.stdout.readline())
        session = requests.Session()
        session.trust_env = False
        session.mount(
            "https://", TrustAdapter(context=None, fingerprint=info["fingerprint"], pool=8)
        )
        headers = {"Authorization": f"PVEAPIToken={info['token_id']}={info['token_secret']}"}

        def get(_: int) -> float:
            t0 = time.monotonic()
            answer = session.get(f"{info['url']}/api2/json/version", headers=headers, timeout=120)
            assert answer.status_code == 200, answer.text
            return time.monotonic() - t0

        each = [get(0)]  # one alone: the whole latency
        t0 = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            each += list(pool.map(get, range(8)))
        together = time.monotonic() - t0
        assert min(each) >= LATENCY
        # Eight sequential answers would take 8 x the latency; in parallel they wait together.
        # (A lower bound only could fail on a fast machine; this upper bound is generous.)
        assert together < 8 * LATENCY, each
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=60)
    counted = [json.loads(line) for line in out.splitlines() if line.startswith("{")][-1]
    assert counted == {"requests": 9}


def test_vcsim_delay_ms_delays_every_soap_call():
    sim = RunningVcsim(VcsimSpec(delay_ms=int(LATENCY * 1000)))
    with sim, service_instance(sim) as si:  # several calls: login, content
        t0 = time.monotonic()
        si.CurrentTime()
        assert time.monotonic() - t0 >= LATENCY
