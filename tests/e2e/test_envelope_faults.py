"""Envelope problems get exactly the SOAP Faults of spec README section 5, fast, and the server
keeps serving; each is journaled."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from tests.conftest import (
    TIMING_GROUP,
    GunicornServer,
    LiveServer,
    fresh_database,
    start_gunicorn,
)
from tests.wire import RTA_PATH, SOAP11, envelope, get_token, post

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
LOL = "".join(f'<!ENTITY l{i} "{"".join(f"&l{i - 1};" for _ in range(10))}">' for i in range(1, 10))
CASES = {
    "not-xml": (b"this is not xml <<<", "soap:Client"),
    "truncated": (
        envelope("getSystemProcessVersion", "<accessToken>x</accessToken>")[:-20],
        "soap:Client",
    ),
    "not-an-envelope": (b"<getSystemProcessVersion/>", "soap:Client"),
    "no-body": (f'<soap:Envelope xmlns:soap="{SOAP11}"/>'.encode(), "soap:Client"),
    "soap12": (
        f'<e:Envelope xmlns:e="{SOAP12}"><e:Body><x/></e:Body></e:Envelope>'.encode(),
        "soap:VersionMismatch",
    ),
    "unknown-operation": (envelope("stealClaims", ""), "soap:Client"),
    "other-namespace": (envelope("getSystemProcessVersion", "", "urn:elsewhere"), "soap:Client"),
    "xxe": (
        b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + envelope("getSystemProcessVersion", "<accessToken>&x;</accessToken>")[38:],
        "soap:Client",
    ),
    "billion-laughs": (
        f'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY l0 "lol">{LOL}]>'.encode()
        + envelope("getSystemProcessVersion", "<accessToken>&l9;</accessToken>")[38:],
        "soap:Client",
    ),
    "processing-instruction": (envelope("getSystemProcessVersion", "<?evil x?>"), "soap:Client"),
    "deep": (envelope("getSystemProcessVersion", "<a>" * 5000 + "</a>" * 5000), "soap:Client"),
    "must-understand": (
        f'<soap:Envelope xmlns:soap="{SOAP11}"><soap:Header><s:Security xmlns:s="urn:sec" '
        f'soap:mustUnderstand="1"/></soap:Header><soap:Body><t:getSystemProcessVersion '
        f'xmlns:t="http://wstk.pip.crif.com/"/></soap:Body></soap:Envelope>'.encode(),
        "soap:MustUnderstand",
    ),
}


@TIMING_GROUP
@pytest.mark.parametrize("case", sorted(CASES))
def test_envelope_problem_gets_its_fault(live: LiveServer, case: str) -> None:
    body, code = CASES[case]
    started = time.monotonic()
    reply = post(live.url, body)
    assert time.monotonic() - started < 1.0
    assert reply.status == 500
    assert reply.content_type.startswith("text/xml")
    assert reply.fault_code() == code
    assert b"Traceback" not in reply.body and b"<html" not in reply.body.lower()


def test_faults_are_journaled(live: LiveServer) -> None:
    from gateway.store.models import JournalEntry

    post(live.url, CASES["soap12"][0])
    with live.components.database.unit_of_work() as uow:
        entry = uow.session.scalars(select(JournalEntry).order_by(JournalEntry.id.desc())).first()
        assert entry is not None
        assert (entry.outcome, entry.error_key) == ("Fault", "soap:VersionMismatch")


def test_unknown_mustunderstand_zero_is_ignored(live: LiveServer) -> None:
    body = CASES["must-understand"][0].replace(b'mustUnderstand="1"', b'mustUnderstand="0"')
    reply = post(live.url, body)
    assert reply.status == 200
    assert reply.result()["code"] == "Failure"  # no token: in-band, not a fault


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[GunicornServer]:
    url = next(fresh_database("sqlite", tmp_path))
    from datetime import UTC, datetime

    from gateway.app import build
    from gateway.config import Settings
    from gateway.service.demo import seed

    c = build(Settings(database_url=url, argon2_time_cost=1, argon2_memory_kib=1024))
    with c.database.unit_of_work() as uow:
        seed(uow, c.auth, datetime.now(UTC))
        uow.commit()
    server = start_gunicorn(url, tmp_path / "gunicorn.log")
    yield server
    server.stop()


def _raw_oversize(url: str, size: int) -> bytes:
    """Announce ``size`` bytes and start sending them; return what the server answers."""
    parsed = urlparse(url)
    with socket.create_connection((parsed.hostname, parsed.port), timeout=5) as sock:
        sock.sendall(
            f"POST {RTA_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
            f"Content-Length: {size}\r\n\r\n".encode()
            + b"<" * 65536
        )
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"</soap:Envelope>" in data:
                break
        return data


@TIMING_GROUP
def test_hostile_requests_under_gunicorn_keep_the_server_serving(gunicorn: GunicornServer) -> None:
    for case in ("xxe", "billion-laughs", "deep"):
        started = time.monotonic()
        assert post(gunicorn.url, CASES[case][0]).fault_code() == "soap:Client"
        assert time.monotonic() - started < 1.0
    started = time.monotonic()
    answer = _raw_oversize(gunicorn.url, 50 * 1024 * 1024)
    assert time.monotonic() - started < 1.0
    assert b" 500 " in answer.split(b"\r\n", 1)[0] and b"<faultcode>soap:Client" in answer
    # a real 50 MB body, sent in full
    started = time.monotonic()
    big = post(gunicorn.url, b"<" * (50 * 1024 * 1024), timeout=30)
    assert big.fault_code() == "soap:Client"
    reply = get_token(gunicorn.url, "cr-a2a", "cr-rta-ch", "Amber-Falcon-2026!")
    assert reply.result()["code"] == "Ok"
    log = gunicorn.log.read_text("utf-8", "replace")
    assert "Amber-Falcon-2026!" not in log and "<soap:Envelope" not in log
