"""What a crash or a lost connection must leave: every acknowledged claim, and every claim whole."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from gateway.store.models import Claim, ClaimPack, ClaimTimer, JournalEntry
from tests.integration.test_concurrency import seeded_reader


def assert_claims_whole(url: str, acknowledged: Iterable[str]) -> None:
    """Every acknowledged applicationId is a claim of ``url``'s database, and every claim there
    has its one CNF pack, its timers and one ``Ok`` journal entry: none is half-written."""
    reader = seeded_reader(url)
    try:
        with reader.database.unit_of_work() as uow:
            claims = {
                row.application_id: row.id
                for row in uow.session.execute(select(Claim.application_id, Claim.id))
            }
            assert set(acknowledged) <= set(claims)
            for app_id, claim_id in claims.items():
                packs, timers, journaled = (
                    uow.session.scalar(select(func.count()).select_from(table).where(where))
                    for table, where in (
                        (ClaimPack, ClaimPack.claim_id == claim_id),
                        (ClaimTimer, ClaimTimer.claim_id == claim_id),
                        (
                            JournalEntry,
                            (JournalEntry.application_id == app_id)
                            & (JournalEntry.outcome == "Ok"),
                        ),
                    )
                )
                assert (packs, journaled) == (1, 1) and timers, app_id
    finally:
        reader.database.dispose()
