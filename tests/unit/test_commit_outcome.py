"""A request whose COMMIT fails: if the server committed all the same (the connection was lost
after the COMMIT reached it, before its answer came back), the work and its Ok journal entry
are durable and the caller is answered Ok; if it did not, the caller gets Error and the journal
an Error entry, and nothing of the request is stored."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from gateway.service import messages as m
from gateway.service.gateway import Done, Failed
from gateway.service.unit_of_work import UnitOfWork
from gateway.store.models import Claim, JournalEntry
from tests.e2e.claims import cnf

LOST = OperationalError("COMMIT", None, Exception("server closed the connection unexpectedly"))


def _add_claim_outcomes(harness: Any) -> list[tuple[str, str | None]]:
    with harness.components.database.engine.connect() as conn:
        rows = conn.execute(
            select(JournalEntry.outcome, JournalEntry.application_id)
            .where(JournalEntry.operation == "addClaim")
            .order_by(JournalEntry.id)
        )
        return [(outcome, application_id) for outcome, application_id in rows]


def _claims(harness: Any) -> list[str]:
    with harness.components.database.engine.connect() as conn:
        return list(conn.execute(select(Claim.application_id)).scalars())


def test_a_commit_that_took_effect_answers_ok(
    harness: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.token("cr-rta-ch")
    real = UnitOfWork.commit

    def committed_then_lost(uow: UnitOfWork, last: Any = None) -> None:
        real(uow, last)
        raise LOST

    monkeypatch.setattr(UnitOfWork, "commit", committed_then_lost)
    outcome = harness.run("addClaim", m.AddClaim(claim_xml=cnf("LOST-1")), as_="cr-rta-ch")
    monkeypatch.undo()
    assert isinstance(outcome, Done)
    application_id = outcome.result.claim_info.application_id
    assert _claims(harness) == [application_id]
    assert _add_claim_outcomes(harness) == [("Ok", application_id)]  # no Error entry beside it


def test_a_commit_that_did_not_take_effect_answers_error(
    harness: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.token("cr-rta-ch")
    real = UnitOfWork.commit
    calls: list[int] = []

    def lost_before(uow: UnitOfWork, last: Any = None) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise LOST  # the request's own commit: nothing reached the server
        real(uow, last)  # the Error entry's

    monkeypatch.setattr(UnitOfWork, "commit", lost_before)
    outcome = harness.run("addClaim", m.AddClaim(claim_xml=cnf("LOST-2")), as_="cr-rta-ch")
    monkeypatch.undo()
    assert isinstance(outcome, Failed)
    assert _claims(harness) == []
    assert [outcome for outcome, _ in _add_claim_outcomes(harness)] == ["Error"]
