"""Hostile and careless input over the wire: every built operation of both services, every
element filled with over-long values, wrong types, control characters, injection strings and
odd encodings. Whatever arrives, the answer is in band (``Ok`` or ``Failure`` with a catalogue
key) or one of the SOAP Faults of README "The contract": never ``Error``, never HTML, never
slower than 2 s; and every login attempt is journaled."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import func, select

from gateway.errors import MESSAGES
from gateway.service.handlers import operations
from gateway.soap.contract import Contract, Element, load_contract
from gateway.soap.namespaces import ENDPOINTS
from gateway.store.models import JournalEntry
from tests.conftest import LiveServer
from tests.wire import SOAP11, Reply, get_token, post

ROOT = Path(__file__).resolve().parents[2]
TOKEN_ERA = [e for e in ENDPOINTS if e.era == "token"]
FAULTS = {"soap:Client", "soap:VersionMismatch", "soap:MustUnderstand"}
#: What a careless or hostile client puts in a field (raw XML text, escaped where it is text).
PAYLOADS = {
    "over-long": "x" * 300,
    "far too long": "y" * 20_000,
    "control character": "&#1;",
    "NUL": "&#0;",
    "sql injection": escape("' OR '1'='1'; DROP TABLE claims; --"),
    "like wildcards": "%_%",
    "markup": escape("<script>alert(1)</script>"),
    "path": "../../../../etc/passwd",
    "digits": "9" * 40,
    "not a boolean": "perhaps",
    "not a date": "2026-13-45T25:61:00",
    "empty": "",
    "blank": "   ",
    "unicode": "\U0001d518ñí©ødé\u202e",
    "nested element": "<a><b>c</b></a>",
}


def _value(contract: Contract, element: Element, payload: str, depth: int = 0) -> str:
    if not element.is_simple and element.type in contract.types and depth < 3:
        return "".join(
            f"<{e.name}>{_value(contract, e, payload, depth + 1)}</{e.name}>"
            for e in contract.types[element.type]
        )
    return payload


def _requests(contract: Contract, token: dict[str, str]) -> Iterator[tuple[str, str, bytes]]:
    ns, access = contract.endpoint.namespace, token["accessToken"]
    for name in sorted(set(contract.operations) & set(operations())):
        for label, payload in PAYLOADS.items():
            fields = "".join(
                f"<{e.name}>{access if e.name == 'accessToken' else _value(contract, e, payload)}"
                f"</{e.name}>"
                for e in contract.operations[name].request
            )
            body = (
                f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP11}" '
                f'xmlns:t="{ns}"><soap:Body><t:{name}>{fields}</t:{name}></soap:Body>'
                "</soap:Envelope>"
            )
            yield name, label, body.encode("utf-8")
            if label in ("unicode", "over-long"):  # the same in UTF-16, as the spec allows
                utf16 = body.replace('encoding="utf-8"', 'encoding="utf-16"')
                yield name, f"{label} utf-16", utf16.encode("utf-16")


def _judge(reply: Reply, seconds: float, what: str) -> str:
    assert seconds < 2, f"{what}: {seconds:.2f} s"
    assert reply.content_type.startswith("text/xml"), f"{what}: {reply.body[:200]!r}"
    if reply.status == 500:
        code = reply.fault_code()
        assert code in FAULTS, f"{what}: fault {code}"
        return code or ""
    assert reply.status == 200, f"{what}: HTTP {reply.status}"
    result = reply.result()
    assert result["code"] in ("Ok", "Failure"), f"{what}: {result}"
    if result["code"] == "Failure":
        key = result["details"].split(":")[0]
        assert key in MESSAGES, f"{what}: {result['details'][:120]}"
    return result["code"]


@pytest.mark.slow
def test_every_built_operation_answers_hostile_input_in_band(live: LiveServer) -> None:
    as_users = {"rta": "cr-rta-ch", "elpl": "cr-elpl-ch"}
    sent = logins = 0
    answers: dict[str, int] = {}
    for endpoint in TOKEN_ERA:
        contract = load_contract(ROOT / "wsdl", endpoint)
        as_user = as_users[endpoint.service.value]
        token = get_token(
            live.url, "cr-a2a", as_user, "Amber-Falcon-2026!", endpoint.path, endpoint.namespace
        ).result()
        for name, label, body in _requests(contract, token):
            started = time.monotonic()
            reply = post(live.url, body, path=endpoint.path)
            outcome = _judge(reply, time.monotonic() - started, f"{endpoint.path} {name} {label}")
            answers[outcome] = answers.get(outcome, 0) + 1
            sent += 1
            logins += name == "getToken" and not outcome.startswith("soap:")
    assert sent >= 1000, sent
    assert answers.get("Failure", 0) > sent / 2, answers
    with live.components.database.unit_of_work() as uow:
        journaled = uow.session.scalar(
            select(func.count())
            .select_from(JournalEntry)
            .where(JournalEntry.operation == "getToken")
        )
    assert journaled == logins + 2  # and the two that gave tokens (faults: no operation)
    again = get_token(live.url, "cr-a2a", "cr-rta-ch", "Amber-Falcon-2026!")  # still serving
    assert again.result()["code"] == "Ok"
