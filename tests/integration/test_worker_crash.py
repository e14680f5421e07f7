"""Crash safety: ``kill -9`` of gateway workers under addClaim load loses no acknowledged claim
and half-writes none, on SQLite and PostgreSQL; gunicorn replaces the workers and the next
requests succeed."""

from __future__ import annotations

import http.client
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import requests
import urllib3

from tests.conftest import TIMING_GROUP, MovableClock, fresh_database, seeded, start_gunicorn
from tests.e2e.claims import cnf
from tests.integration.test_concurrency import CR, _token
from tests.integration.wholeness import assert_claims_whole
from tests.wire import envelope, post

pytestmark = [pytest.mark.slow, TIMING_GROUP]

CLIENTS = 4
SECONDS = 3.0
#: How a request whose worker is killed under it ends for the client: the connection reset, or
#: the answer cut short.
TRANSPORT_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
)


@pytest.fixture(params=["sqlite", "postgres"])
def world_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    for url in fresh_database(request.param, tmp_path):
        seeded(url, MovableClock()).database.dispose()
        yield url


def _workers(master: int) -> list[int]:
    """The worker processes of a gunicorn master (its children)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def test_killed_workers_lose_no_acknowledged_claim(world_url: str, tmp_path: Path) -> None:
    server = start_gunicorn(world_url, tmp_path / "serve.log", workers=2)
    acknowledged: list[str] = []
    broken = 0
    try:
        token = _token(server.url, CR)
        stop = time.monotonic() + SECONDS

        def client(number: int) -> None:
            nonlocal broken
            sent = 0
            while time.monotonic() < stop:
                sent += 1
                body = envelope(
                    "addClaim",
                    f"<claimXML>{escape(cnf(f'KILL-{number}-{sent}'))}</claimXML>"
                    f"<accessToken>{token}</accessToken>",
                )
                try:
                    reply = post(server.url, body, timeout=10)
                except TRANSPORT_ERRORS:
                    broken += 1  # the worker died under this request: not acknowledged
                    continue
                if reply.status == 200 and reply.result()["code"] == "Ok":
                    acknowledged.append(reply.tree.findtext(".//applicationId") or "")

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        killed = 0
        for _ in range(2):
            time.sleep(SECONDS / 3)
            for pid in _workers(server.process.pid):
                os.kill(pid, signal.SIGKILL)
                killed += 1
        for thread in threads:
            thread.join()
        assert killed >= 2
        deadline = time.monotonic() + 30  # gunicorn boots new workers
        while True:
            try:
                after = post(
                    server.url,
                    envelope(
                        "addClaim",
                        f"<claimXML>{escape(cnf('AFTER-KILL'))}</claimXML>"
                        f"<accessToken>{token}</accessToken>",
                    ),
                    timeout=10,
                ).result()["code"]
                break
            except TRANSPORT_ERRORS:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert after == "Ok"
    finally:
        server.stop()
    assert acknowledged
    assert_claims_whole(world_url, acknowledged)
