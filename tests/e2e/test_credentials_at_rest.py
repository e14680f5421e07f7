"""No password or token at rest or in the log (security.md section 6.1): every credential of both
endpoint kinds, sent as UTF-8, UTF-16 LE and UTF-16 BE, is found in no column of any table and
nowhere in the captured log, on SQLite and on PostgreSQL."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests
from sqlalchemy import inspect, text

from tests.conftest import LiveServer
from tests.wire import RTA_NS, RTA_PATH, SOAP11, Reply

LEGACY_PATH, LEGACY_NS = "/PIP.WS/PIPWS", "http://ws.pip.crif.com/"
FIRST_PASSWORD = "Amber-Falcon-2026!"
SENT_AS = ("utf-8", "utf-16-le", "utf-16-be")
# How a leaked secret could be spelled in a column or the log.
SPELLINGS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


def _post(
    live: LiveServer, encoding: str, path: str, ns: str, operation: str, fields: str
) -> Reply:
    declared = "UTF-8" if encoding == "utf-8" else "UTF-16"
    document = (
        f'<?xml version="1.0" encoding="{declared}"?><soap:Envelope xmlns:soap="{SOAP11}" '
        f'xmlns:t="{ns}"><soap:Body><t:{operation}>{fields}</t:{operation}></soap:Body>'
        "</soap:Envelope>"
    )
    body = document.encode() if encoding == "utf-8" else ("\ufeff" + document).encode(encoding)
    response = requests.post(
        live.url + path,
        data=body,
        timeout=30,
        headers={"Content-Type": f"text/xml; charset={declared}", "SOAPAction": ""},
    )
    return Reply(response.status_code, response.headers.get("Content-Type", ""), response.content)


def _ok(reply: Reply) -> dict[str, str]:
    result = reply.result()
    assert result["code"] == "Ok", result
    return result


def _round(live: LiveServer, encoding: str, password: str, new_password: str) -> list[str]:
    """Every kind of credential call in ``encoding``; the secrets it sent or received."""
    token_era = (live, encoding, RTA_PATH, RTA_NS)
    ids = "<userID>cr-a2a</userID><userAsID>cr-rta-ch</userAsID>"
    pair = _ok(_post(*token_era, "getToken", f"{ids}<password>{password}</password>"))
    wrong = f"Wrong-Guess-{encoding}-1!"
    refused = _post(*token_era, "getToken", f"{ids}<password>{wrong}</password>").result()
    assert refused["details"].startswith("AUTH_LOGIN_FAILED")
    access = f"<accessToken>{pair['accessToken']}</accessToken>"
    _ok(_post(*token_era, "getSystemProcessVersion", access))
    refresh = f"<refreshToken>{pair['refreshToken']}</refreshToken>"
    renewed = _ok(_post(*token_era, "refreshToken", f"{ids}{refresh}"))
    _ok(
        _post(
            *token_era,
            "getSystemProcessVersion",
            f"<accessToken>{renewed['accessToken']}</accessToken>",
        )
    )
    user_auth = (
        f"<userAuth><asUser>cr-rta-ch</asUser><password>{password}</password>"
        "<username>cr-a2a</username></userAuth>"
    )
    _ok(_post(live, encoding, LEGACY_PATH, LEGACY_NS, "getSystemProcessVersion", user_auth))
    # An unescaped "&" in a password: a SOAP Fault, whose reason libxml2 would have quoted.
    broken = f"Broken&Zq7Secret{encoding[-2:]};1!"
    fault = _post(*token_era, "getToken", f"{ids}<password>{broken}</password>")
    assert fault.fault_code() is not None
    changed = _post(
        *token_era,
        "changePassword",
        f"<userID>cr-a2a</userID><oldPassword>{password}</oldPassword>"
        f"<newPassword>{new_password}</newPassword>",
    )
    _ok(changed)
    return [
        password,
        new_password,
        wrong,
        broken,
        "Zq7Secret",
        pair["accessToken"],
        pair["refreshToken"],
        renewed["accessToken"],
        renewed["refreshToken"],
    ]


def _every_value(live: LiveServer) -> list[tuple[str, Any]]:
    engine = live.components.database.engine
    values: list[tuple[str, Any]] = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                values += [(table, value) for value in row if value is not None]
    return values


def _leaks(secret: str, value: Any) -> bool:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return any(secret.encode(spelling) in value for spelling in SPELLINGS)
    return secret in str(value)


def test_no_credential_of_any_encoding_is_stored_or_logged(
    live: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="gateway")
    secrets: list[str] = []
    password = FIRST_PASSWORD
    for number, encoding in enumerate(SENT_AS):
        new_password = f"Harbour-Kite-{number}7#"
        secrets += _round(live, encoding, password, new_password)
        password = new_password
    values = _every_value(live)
    assert {"journal", "message_store", "users", "tokens"} <= {table for table, _ in values}
    for secret in secrets:
        leaked = [(table, str(value)[:80]) for table, value in values if _leaks(secret, value)]
        assert not leaked, (secret, leaked)
        assert secret not in caplog.text
    # and the test saw what it meant to: the requests are in the store, masked
    bodies = [bytes(v) for t, v in values if isinstance(v, (bytes, memoryview))]
    masked = [body for body in bodies if b"***" in body]
    assert len(masked) >= len(SENT_AS) * 8, "every credential-carrying request stored, masked"
