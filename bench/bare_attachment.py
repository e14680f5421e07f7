"""The baseline of the attachment benchmark: a bare WSGI app that answers every POST with the
same stored 4 MB attachment, read from the gateway's database with the raw driver and
base64-encoded in a getAttachment response envelope. No token check, no journal, no parsing."""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Callable, Iterable
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


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    body = b"".join((HEAD, base64.b64encode(_read()), TAIL))
    start_response(
        "200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]
