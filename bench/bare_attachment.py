"""The baselines of the attachment benchmark, WSGI apps that answer every POST with the same
stored 4 MB attachment, read from the gateway's database with the raw driver and base64-encoded
in a getAttachment response envelope.

* ``app`` (the bare app): that alone; no token check, no journal, no parsing.
* ``floor``: the least a gateway request must also do (bench/floor_app.py): in one transaction,
  the token check as one SELECT, the attachment's row joined to its claim (the claim's
  organisations, which visibility needs), the journal and message-store INSERTs, COMMIT; then the
  same read and encoding as ``app``. Its rate bounds what any implementation of the contract
  can reach on the machine."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

_STATE = threading.local()  # one connection per gunicorn thread
HEAD = (
    b"<?xml version='1.0' encoding='utf-8'?>\n<soap:Envelope xmlns:soap=\"http://schemas."
    b'xmlsoap.org/soap/envelope/"><soap:Body><ns2:getAttachmentResponse xmlns:ns2='
    b'"http://wstk.pip.crif.com/"><attachmentResponse><code>Ok</code><message>Attachment'
    b"</message><attachment><dataAttachmentFileZip>"
)
TAIL = (
    b"</dataAttachmentFileZip></attachment></attachmentResponse></ns2:getAttachmentResponse>"
    b"</soap:Body></soap:Envelope>"
)


def _read() -> bytes:
    if not hasattr(_STATE, "conn"):
        url = os.environ["FLOOR_DATABASE_URL"]
        if url.startswith("sqlite"):
            import sqlite3

            _STATE.conn = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
            _STATE.p = "?"
        else:
            import psycopg

            _STATE.conn = psycopg.connect(
                url.replace("postgresql+psycopg", "postgresql"), autocommit=True
            )
            _STATE.p = "%s"
    query = f"SELECT content FROM claim_attachments WHERE guid = {_STATE.p}"
    guid = os.environ["BENCH_ATTACHMENT_GUID"]
    if _STATE.p == "%s":  # PostgreSQL: bytea in the binary protocol, as the gateway reads it
        with _STATE.conn.cursor(binary=True) as cursor:
            row = cursor.execute(query, (guid,)).fetchone()
    else:
        row = _STATE.conn.execute(query, (guid,)).fetchone()
    return bytes(row[0])


VISIBLE = (
    "SELECT a.id, c.application_id, c.cr_org_id, c.comp_org_id "
    "FROM claim_attachments a JOIN claims c ON c.id = a.claim_id WHERE a.guid = {p}"
)


_FLOOR = threading.local()  # floor_app's connection is one per process (sync workers)


def _floor_state() -> dict[str, Any]:
    """floor_app's connection settings, one connection per gunicorn thread."""
    if not hasattr(_FLOOR, "state"):
        from floor_app import _sqlite_time

        url = os.environ["FLOOR_DATABASE_URL"]
        if url.startswith("sqlite"):
            import sqlite3

            conn: Any = sqlite3.connect(url.split("///", 1)[1], isolation_level=None, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            _FLOOR.state = {"conn": conn, "begin": "BEGIN IMMEDIATE", "p": "?",
                            "stamp": _sqlite_time}  # fmt: skip
        else:
            import psycopg

            conn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)
            _FLOOR.state = {"conn": conn, "begin": "BEGIN", "p": "%s", "stamp": lambda at: at}
    return dict(_FLOOR.state)


def floor(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    from floor_app import CHECK, TOKEN, journal

    state = _floor_state()
    conn, p, stamp = state["conn"], state["p"], state["stamp"]
    raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    found = TOKEN.search(raw)
    token = hashlib.sha256(found.group(1) if found else b"").hexdigest()
    correlation_id, now = str(uuid.uuid4()), datetime.now(UTC)
    conn.execute(state["begin"])
    ok = conn.execute(CHECK.format(p=p), (token,)).fetchone() is not None
    guid = os.environ["BENCH_ATTACHMENT_GUID"]
    ok = ok and conn.execute(VISIBLE.format(p=p), (guid,)).fetchone() is not None
    size = len(HEAD) + len(TAIL) + (SIZE + 2) // 3 * 4
    journal(conn, p, stamp, now, correlation_id, "getAttachment", ok, raw, size)
    conn.execute("COMMIT")
    body = b"".join((HEAD, base64.b64encode(_read()), TAIL))
    start_response(
        "200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]


SIZE = 4 * 1024 * 1024


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    body = b"".join((HEAD, base64.b64encode(_read()), TAIL))
    start_response(
        "200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]
