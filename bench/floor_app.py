"""The floor of the SOAP benchmark: the least work a gateway request must do with its database,
with nothing else. Per request: find the access token in the body with a regular expression,
BEGIN, the token check as one SELECT (token, family, both users, organisation), the journal
INSERT and the message-store INSERT, COMMIT; then the bare app's fixed envelope. No SOAP
parsing, no encoding, no SQLAlchemy: the raw driver (sqlite3 or psycopg) on the gateway's own
tables, seeded by ``gateway demo``.

Its rate bounds from above what any implementation of the gateway's contract (every request
authenticated and journaled durably, in its own transaction) can reach on the machine.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from bare_app import BODY

TOKEN = re.compile(rb"<accessToken>([^<]+)</accessToken>")
CHECK = (
    "SELECT t.kind, t.expires_at, f.revoked_at, a.enabled, u.enabled, u.profiles, o.active "
    "FROM tokens t JOIN token_families f ON f.family_id = t.family_id "
    "JOIN users a ON a.user_id = f.user_id JOIN users u ON u.user_id = f.as_user_id "
    "JOIN organisations o ON o.organisation_id = u.organisation_id WHERE t.token_hash = {p}"
)
JOURNAL = (
    "INSERT INTO journal (at, correlation_id, endpoint, service, operation, user_id, as_user_id,"
    " outcome, duration_ms, request_bytes, response_bytes) VALUES ({p}, {p}, {p}, {p}, {p}, {p},"
    " {p}, {p}, {p}, {p}, {p})"
)
MESSAGE = (
    "INSERT INTO message_store (correlation_id, received_at, expires_at, endpoint, body,"
    " truncated) VALUES ({p}, {p}, {p}, {p}, {p}, {p})"
)
_STATE: dict[str, Any] = {}


def _connect() -> dict[str, Any]:
    if not _STATE:
        url = os.environ["FLOOR_DATABASE_URL"]
        if url.startswith("sqlite"):
            import sqlite3

            conn: Any = sqlite3.connect(url.split("///", 1)[1], isolation_level=None, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            _STATE.update(conn=conn, begin="BEGIN IMMEDIATE", p="?", stamp=_sqlite_time)
        else:
            import psycopg

            conn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)
            _STATE.update(conn=conn, begin="BEGIN", p="%s", stamp=lambda at: at)
    return _STATE


def _sqlite_time(at: datetime) -> str:
    return at.replace(tzinfo=None).isoformat(" ")


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    state = _connect()
    conn, p, stamp = state["conn"], state["p"], state["stamp"]
    raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    found = TOKEN.search(raw)
    token = hashlib.sha256(found.group(1) if found else b"").hexdigest()
    correlation_id, now = str(uuid.uuid4()), datetime.now(UTC)
    conn.execute(state["begin"])
    row = conn.execute(CHECK.format(p=p), (token,)).fetchone()
    journal(
        conn,
        p,
        stamp,
        now,
        correlation_id,
        "getSystemProcessVersion",
        row is not None,
        raw,
        len(BODY),
    )
    conn.execute("COMMIT")
    return answer(start_response, BODY, row is not None)


def journal(
    conn: Any,
    p: str,
    stamp: Callable[[datetime], Any],
    now: datetime,
    correlation_id: str,
    operation: str,
    ok: bool,
    raw: bytes,
    answered: int,
) -> None:
    """The journal entry and the stored message of a request (inside its transaction)."""
    conn.execute(
        JOURNAL.format(p=p),
        (
            stamp(now),
            correlation_id,
            "/PIP.WSTK/PIPWSTK",
            "RTA",
            operation,
            "cr-a2a",
            "cr-rta-ch",
            "Ok" if ok else "Failure",
            1,
            len(raw),
            answered,
        ),
    )
    conn.execute(
        MESSAGE.format(p=p),
        (
            correlation_id,
            stamp(now),
            stamp(now + timedelta(days=30)),
            "/PIP.WSTK/PIPWSTK",
            raw,
            False,
        ),
    )


def answer(start_response: Callable[..., Any], body: bytes, ok: bool) -> list[bytes]:
    """``body`` as it is, or with its code turned to Failure."""
    if not ok:
        body = body.replace(b"<code>Ok</code>", b"<code>Failure</code>")
    start_response(
        "200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]
