"""The claim list queries can use the indexes made for them: on PostgreSQL, with sequential scans
priced out, the worklist reads the partial worklist index of the caller's side (its predicate
``NOT ended AND NOT gdpr_deleted`` must be provable from the query's own WHERE clause; written
``ended IS false`` it is not, and a million claims were scanned)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from gateway.store.claim_queries import Scope, Worklist, worklist
from gateway.store.db import make_engine
from tests.conftest import fresh_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url(tmp_path: Path) -> Iterator[str]:
    yield from fresh_database("postgres", tmp_path)


@pytest.mark.parametrize(
    ("side", "index"), [("CR", "ix_claims_worklist_cr"), ("COMP", "ix_claims_worklist_comp")]
)
def test_the_worklist_reads_its_partial_index(pg_url: str, side: str, index: str) -> None:
    engine = make_engine(pg_url)
    statements: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM claims" in statement:
            statements.append((statement, parameters))

    scope = Scope(service="rta", side=side, organisation_id="ORG1")
    with Session(engine) as session:
        worklist(
            session,
            scope,
            Worklist(frozenset({"ClaimSubmitted", "LiabilityDecision"}), unallocated_or_user="u1"),
            100,
        )
    assert statements, "the worklist ran no claims query"
    statement, parameters = statements[0]
    with engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
    engine.dispose()
    assert index in plan, plan
