"""Every text field of every built operation is bounded before it reaches the database
(``gateway.service.bounds``): one character over its cap is ``INPUT_INVALID`` naming the field,
the cap itself is not; journal columns cannot be overflowed by anything a request carries; LIKE
searches treat ``%`` and ``_`` as themselves."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import String

from gateway.service import bounds
from gateway.service import messages as m
from gateway.service.handlers import operations
from gateway.service.unit_of_work import Database
from gateway.store.db import make_engine
from gateway.store.models import JournalEntry, StoredMessage
from tests.harness import Harness
from tests.wire import envelope, post

BUILT = sorted(operations())


def _text_fields(cls: type, path: str = "") -> Iterator[tuple[str, list[str]]]:
    """(path, attribute chain) of every text field of a request class, nested ones included."""
    for f in dataclasses.fields(cls):
        where = f"{path}.{f.name}" if path else f.name
        annotation = str(f.type)
        if annotation.startswith("str"):
            yield where, where.split(".")
        elif not annotation.startswith(("int", "bool", "datetime", "bytes", "list")):
            nested = getattr(m, annotation.split(" ")[0])
            yield from _text_fields(nested, where)


def _request(cls: type, chain: list[str], value: str) -> Any:
    """A request of ``cls`` whose field at ``chain`` holds ``value`` (the rest empty)."""
    if len(chain) == 1:
        return cls(**{chain[0]: value})
    inner = {f.name: f.type for f in dataclasses.fields(cls)}[chain[0]]
    return cls(**{chain[0]: _request(getattr(m, str(inner).split(" ")[0]), chain[1:], value)})


CASES = [
    (operation, path, chain)
    for operation in BUILT
    for path, chain in _text_fields(m.OPERATIONS[operation][0])
    if bounds.cap(chain[-1])
]


@pytest.mark.parametrize(
    ("operation", "path", "chain"), CASES, ids=[c[0] + ":" + c[1] for c in CASES]
)
def test_one_character_over_the_cap_is_refused_naming_the_field(
    harness: Harness, operation: str, path: str, chain: list[str]
) -> None:
    cls = m.OPERATIONS[operation][0]
    limit = bounds.cap(chain[-1])
    refusal = harness.refused(operation, _request(cls, chain, "x" * (limit + 1)), as_="cr-rta-ch")
    assert refusal.key == "INPUT_INVALID"
    assert refusal.field == path and f"more than {limit} characters" in refusal.details
    at_cap = harness.run(operation, _request(cls, chain, "x" * limit), as_="cr-rta-ch")
    refused = getattr(at_cap, "refusal", None)
    assert refused is None or "more than" not in refused.details


def test_every_text_field_of_the_contract_has_a_cap_or_is_a_pack() -> None:
    uncapped = {path for _op, path, chain in CASES if not bounds.cap(chain[-1])}
    packs = {
        path
        for op in m.OPERATIONS
        for path, chain in _text_fields(m.OPERATIONS[op][0])
        if not bounds.cap(chain[-1])
    }
    assert not uncapped
    assert all(p.endswith("xml") for p in packs)


def test_an_over_long_access_token_is_an_invalid_token(harness: Harness) -> None:
    refusal = harness.refused("getClaimsList", m.GetClaimsList(), token="t" * 10_000)
    assert refusal.key == "AUTH_TOKEN_INVALID"


def _lengths(table: Any) -> dict[str, int]:
    return {
        c.name: c.type.length for c in table.columns if isinstance(c.type, String) and c.type.length
    }


def test_no_journal_column_can_be_overflowed(database_url: str) -> None:
    """Every text column of the journal and the message store, filled far past its length, is
    written cut to it (PostgreSQL would refuse the whole transaction otherwise)."""
    database = Database(make_engine(database_url))
    entry: dict[str, object] = {
        c.key: None for c in JournalEntry.__table__.columns if c.key != "id"
    }
    entry.update(dict.fromkeys(_lengths(JournalEntry.__table__), "j" * 10000))
    entry.update(at=_now(), duration_ms=1, request_bytes=1, response_bytes=1)
    message: dict[str, object] = dict.fromkeys(_lengths(StoredMessage.__table__), "m" * 10000)
    message.update(received_at=_now(), expires_at=_now(), body=b"", truncated=False)
    with database.unit_of_work() as uow:
        uow.journal.append(entry, message)
        uow.commit()
    with database.unit_of_work() as uow:
        row = uow.journal.search(limit=1)[0]
        for name, length in _lengths(JournalEntry.__table__).items():
            assert getattr(row, name) == "j" * length, name
    database.dispose()


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


@pytest.mark.parametrize("field", ["userID", "userAsID", "clientID"])
def test_an_over_long_login_field_is_refused_in_band_and_journaled(live: Any, field: str) -> None:
    values = {"userID": "cr-a2a", "userAsID": "cr-rta-ch", "clientID": "client-1"}
    values[field] = "u" * 60
    fields = "".join(f"<{k}>{v}</{k}>" for k, v in values.items())
    reply = post(live.url, envelope("getToken", fields + "<password>Wrong-Pass-2026!</password>"))
    assert reply.status == 200 and reply.result()["code"] == "Failure"
    assert reply.result()["details"].startswith(f"INPUT_INVALID: {field}: more than 50")
    with live.components.database.unit_of_work() as uow:
        journaled = uow.journal.search(operation="getToken", outcome="Failure")
        assert [(e.error_key, len(e.user_id or "")) for e in journaled] == [
            ("INPUT_INVALID", 50 if field == "userID" else 6)
        ]


def test_like_patterns_are_taken_literally(harness: Harness) -> None:
    everything = harness.ok(
        "getHospitalsList", m.GetHospitalsList(hospital_name="%"), as_="cr-rta-ch"
    )
    assert everything.hospitals_list == []
    some = harness.ok("getHospitalsList", m.GetHospitalsList(hospital_name="a"), as_="cr-rta-ch")
    assert some.hospitals_list
    underscore = harness.ok(
        "searchCompensators", m.SearchCompensators(organisation_name="___"), as_="cr-rta-ch"
    )
    assert underscore.organisation_infos_list == []


def test_a_hundred_thousand_character_search_is_refused(harness: Harness) -> None:
    huge = "a" * 100_000
    for operation, request in (
        ("getHospitalsList", m.GetHospitalsList(hospital_name=huge)),
        (
            "searchClaims",
            m.SearchClaims(search_claim_criteria=m.SearchClaimCriteria(cr_reference_number=huge)),
        ),
    ):
        assert harness.refused(operation, request, as_="cr-rta-ch").key == "INPUT_INVALID"
