"""Twenty addClaims with one claim reference at once, through ``gateway serve`` with 4 workers:
one claim is made, the other nineteen are refused by the reference rule (CNF-14), on SQLite and
on PostgreSQL. The pack is judged before the request starts writing, so the reference is checked
again, held, once the request writes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import select

from gateway.app import build
from gateway.store.models import Claim, JournalEntry
from tests.conftest import TIMING_GROUP, MovableClock, fresh_database, seeded, start_gunicorn
from tests.conftest import test_settings as settings_for
from tests.e2e.claims import cnf
from tests.wire import envelope, get_token, post_at_once

pytestmark = [pytest.mark.slow, TIMING_GROUP]

CLIENTS = 20


@pytest.fixture(params=["sqlite", "postgres"])
def world_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    for url in fresh_database(request.param, tmp_path):
        seeded(url, MovableClock()).database.dispose()
        yield url


def test_one_claim_per_reference_among_twenty(world_url: str, tmp_path: Path) -> None:
    server = start_gunicorn(world_url, tmp_path / "serve.log", workers=4)
    try:
        token = get_token(server.url, "cr-a2a", "cr-rta-ch", "Amber-Falcon-2026!").result()
        body = envelope(
            "addClaim",
            f"<claimXML>{escape(cnf('Race-Ref-1'))}</claimXML>"
            f"<accessToken>{token['accessToken']}</accessToken>",
        )
        results = post_at_once(server.url, body, CLIENTS)
    finally:
        server.stop()
    assert Counter(r["code"] for r in results) == {"Ok": 1, "Failure": CLIENTS - 1}, results
    refusals = [r for r in results if r["code"] == "Failure"]
    assert all(
        "ReferenceNumber" in r["details"] and "already used" in r["details"] for r in refusals
    ), refusals[:2]
    components = build(settings_for(world_url), MovableClock())
    try:
        with components.database.unit_of_work() as uow:
            claims = uow.session.scalars(
                select(Claim.application_id).where(Claim.cr_reference_key == "race-ref-1")
            ).all()
            assert len(claims) == 1
            outcomes = Counter(
                uow.session.scalars(
                    select(JournalEntry.outcome).where(JournalEntry.operation == "addClaim")
                )
            )
            assert outcomes == {"Ok": 1, "Failure": CLIENTS - 1}
    finally:
        components.database.dispose()
