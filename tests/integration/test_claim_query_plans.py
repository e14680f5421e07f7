"""The claim list queries can use the indexes made for them, whatever the planner knows of the
data (a new SQLite database has no statistics; PostgreSQL is asked with sequential scans priced
out):

* the worklist reads the worklist index of the caller's side. On PostgreSQL it is partial, and its
  predicate ``NOT ended AND NOT gdpr_deleted`` must be provable from the query's own WHERE
  clause; written ``ended IS false`` it was not, and a million claims were scanned.
* searchClaims in its default order (UpdateDate) reads the organisation's update index instead of
  sorting every claim of the organisation (0.2 s at a million claims).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from gateway.store.claim_queries import Scope, SearchCriteria, Worklist, search, worklist
from gateway.store.db import make_engine
from tests.conftest import fresh_database


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database(request.param, tmp_path)


def _plan(url: str, query: Callable[[Session], object]) -> str:
    """The plan of the first claims SELECT that ``query`` runs."""
    engine = make_engine(url)
    statements: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM claims" in statement:
            statements.append((statement, parameters))

    with Session(engine) as session:
        query(session)
    assert statements, "no claims query ran"
    statement, parameters = statements[0]
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET enable_seqscan = off"))
            explain = "EXPLAIN "
        else:
            explain = "EXPLAIN QUERY PLAN "
        rows = conn.exec_driver_sql(explain + statement, parameters).all()
    engine.dispose()
    return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize("side", ["CR", "COMP"])
def test_the_worklist_reads_its_index(url: str, side: str) -> None:
    scope = Scope(service="rta", side=side, organisation_id="ORG1")
    wanted = Worklist(frozenset({"ClaimSubmitted", "LiabilityDecision"}),
                      unallocated_or_user="u1")
    plan = _plan(url, lambda session: worklist(session, scope, wanted, 100))
    assert f"ix_claims_worklist_{side.lower()}" in plan, plan


@pytest.mark.parametrize("side", ["CR", "COMP"])
def test_the_default_search_reads_the_update_index(url: str, side: str) -> None:
    scope = Scope(service="rta", side=side, organisation_id="ORG1")
    plan = _plan(url, lambda session: search(session, scope, SearchCriteria(), 501))
    assert f"ix_claims_updated_{side.lower()}" in plan, plan
