"""Every database connection of a running gateway terminated under addClaim load on PostgreSQL
(``pg_terminate_backend``, as a failover or an idle-killer does): requests in flight get a clean
in-band answer, no claim is half-written, and the next requests succeed without a restart."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import TIMING_GROUP, start_gunicorn
from tests.e2e.claims import cnf
from tests.integration.test_concurrency import CR, _token, pg_url
from tests.integration.wholeness import assert_claims_whole
from tests.wire import envelope, post

pytestmark = [pytest.mark.postgres, pytest.mark.slow, TIMING_GROUP]
__all__ = ["pg_url"]  # the fixture, used by name

CLIENTS = 4
SECONDS = 3.0


def _terminate(url: str) -> int:
    """Terminate every session of ``url``'s database but this one; how many were."""
    name = url.rsplit("/", 1)[-1]
    admin = create_engine(re.sub(r"/[^/]+$", "/postgres", url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            return len(
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :n AND pid <> pg_backend_pid()"
                    ),
                    {"n": name},
                ).all()
            )
    finally:
        admin.dispose()


def test_terminated_connections_leave_no_half_written_claim(pg_url: str, tmp_path: Path) -> None:
    server = start_gunicorn(pg_url, tmp_path / "serve.log", workers=2)
    replies: list[tuple[int, str, str | None]] = []
    try:
        token = _token(server.url, CR)
        stop = time.monotonic() + SECONDS

        def client(number: int) -> None:
            sent = 0
            while time.monotonic() < stop:
                sent += 1
                body = envelope(
                    "addClaim",
                    f"<claimXML>{escape(cnf(f'FAIL-{number}-{sent}'))}</claimXML>"
                    f"<accessToken>{token}</accessToken>",
                )
                reply = post(server.url, body, timeout=10)
                result = reply.result() if reply.content_type.startswith("text/xml") else {}
                replies.append(
                    (reply.status, result.get("code", "?"), reply.tree.findtext(".//applicationId"))
                )

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        terminated = 0
        for _ in range(3):
            time.sleep(SECONDS / 4)
            terminated += _terminate(pg_url)
        for thread in threads:
            thread.join()
        assert terminated > 0
        after = [
            post(
                server.url,
                envelope(
                    "addClaim",
                    f"<claimXML>{escape(cnf(f'AFTER-{n}'))}</claimXML>"
                    f"<accessToken>{token}</accessToken>",
                ),
            ).result()["code"]
            for n in range(5)
        ]
    finally:
        server.stop()
    outcomes = Counter((status, code) for status, code, _ in replies)
    assert set(outcomes) <= {(200, "Ok"), (200, "Error")}, outcomes  # in band, never HTML
    assert outcomes[(200, "Ok")] > 0
    assert after == ["Ok"] * 5  # no restart needed
    assert_claims_whole(pg_url, {app_id for _, code, app_id in replies if code == "Ok" and app_id})
