"""User-access audit reports (security.md 6.1) on SQLite and PostgreSQL, from a journal of 50,000
seeded requests: CR00001's report lists exactly its users' claim accesses in the period, one row
per request, nothing of another organisation and nothing outside the period; CSV and JSON agree;
the filters give the two standard views; an organisation administrator reads only its own
organisation's report; the report streams (tracemalloc's peak stays small while 50,000 rows go
through); a deleted account's entries still count for its organisation."""

from __future__ import annotations

import csv
import io
import json
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from gateway.app import Components
from gateway.cli import main as gateway_main
from gateway.service.operator import Operator, OperatorRefused
from gateway.service.operator.audit import report
from gateway.store.models import FormerUser, JournalEntry
from gateway.store.operator_queries import AuditFilter

START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 4, 1, tzinfo=UTC)
ROWS = 50_000
#: (A2A user, asUser) of each organisation in the seeded journal
MINE = [("cr-a2a", "cr-rta-ch"), ("cr-a2a", "cr-rta-tl"), ("cr-a2a", "cr-gone")]
THEIRS = [("comp-a2a", "comp-rta-ch"), ("mib-a2a", "mib-rta-ch")]
OPERATIONS = ["getClaim", "acceptClaim", "getClaimsList", "getToken", "getOrganisation"]


def _entry(n: int, at: datetime, who: tuple[str, str], operation: str) -> dict[str, Any]:
    claim = None if operation in ("getClaimsList", "getToken", "getOrganisation") else n % 997
    return {
        "at": at,
        "correlation_id": str(uuid.UUID(int=n)),
        "endpoint": "/PIP.WSTK/PIPWSTK",
        "service": "RTA",
        "operation": operation,
        "actor": None,
        "user_id": who[0],
        "as_user_id": who[1],
        "client_id": "case-system",
        "token_family": None,
        "source_ip": "10.0.0.1",
        "application_id": None if claim is None else f"{claim:016d}",
        "phase_before": None,
        "phase_after": None,
        "guid_before": None,
        "guid_after": None,
        "outcome": "Failure" if n % 10 == 1 else "Ok",
        "error_key": "CLAIM_NOT_FOUND" if n % 10 == 1 else None,
        "detail": None,
        "duration_ms": 3,
        "request_bytes": 900,
        "response_bytes": 1200,
        "pack_sha256": None,
        "transition": None,
    }


def _seed(components: Components) -> int:
    """50,000 journal entries: 80% of CR00001's users, a tenth of them outside the period.
    Returns how many CR00001 claim accesses fall in the period."""
    expected, batch = 0, []
    with components.database.unit_of_work() as uow:
        uow.session.add(FormerUser(user_id="cr-gone", organisation_id="CR00001", deleted_at=END))
        for n in range(ROWS):
            mine = n % 5 != 0
            who = MINE[n % 3] if mine else THEIRS[n % 2]
            operation = OPERATIONS[(n // 7) % len(OPERATIONS)]
            inside = n % 10 != 7
            at = START + timedelta(seconds=n * 50) if inside else END + timedelta(minutes=n)
            if mine and inside and operation not in ("getToken", "getOrganisation"):
                expected += 1
            batch.append(_entry(n, at, who, operation))
            if len(batch) == 5000:
                uow.session.execute(insert(JournalEntry), batch)
                batch = []
        uow.commit()
    return expected


class Counter(io.TextIOBase):
    """A sink that keeps nothing: what a report costs in memory is the report's own."""

    def __init__(self) -> None:
        self.lines = 0

    def write(self, text: str) -> int:
        self.lines += text.count("\n")
        return len(text)


def test_an_organisations_report_streams_its_own_accesses(gateway: Components) -> None:
    expected = _seed(gateway)
    platform = Operator.platform()
    period = AuditFilter("CR00001", START, END)

    # memory: every request of the period (45,000 rows) through a sink that keeps nothing
    everything = AuditFilter(None, START, END, claims_only=False)
    sink = Counter()
    tracemalloc.start()
    started = time.perf_counter()
    count = report(gateway, platform, everything, sink, "csv")
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"\naudit report: {count} rows in {seconds:.2f} s, peak {peak / 1e6:.1f} MB")
    assert count == ROWS - ROWS // 10 and sink.lines == count + 1  # the header
    assert peak < 12_000_000, peak  # the rows as Python objects would be ~40 MB

    text = io.StringIO()
    assert report(gateway, platform, period, text, "csv") == expected
    rows = list(csv.DictReader(io.StringIO(text.getvalue())))
    assert len(rows) == expected
    assert {r["as_user_id"] for r in rows} == {"cr-rta-ch", "cr-rta-tl", "cr-gone"}
    assert {r["user_id"] for r in rows} == {"cr-a2a"}
    assert all(START.isoformat() <= r["at"] < END.isoformat() for r in rows)
    assert {r["operation"] for r in rows} == {"getClaim", "acceptClaim", "getClaimsList"}
    assert {r["outcome"] for r in rows} == {"Ok", "Failure"}

    as_json = io.StringIO()
    report(gateway, platform, period, as_json, "json")
    parsed = json.loads(as_json.getvalue())
    assert [r["correlation_id"] for r in parsed] == [r["correlation_id"] for r in rows]

    # the standard views: claims accessed by a user, users who accessed a claim
    by_user = io.StringIO()
    n = report(
        gateway, platform, AuditFilter("CR00001", START, END, user_id="cr-rta-tl"), by_user, "csv"
    )
    assert n == sum(r["as_user_id"] == "cr-rta-tl" for r in rows)
    claim = rows[0]["application_id"]
    by_claim = io.StringIO()
    n = report(
        gateway, platform, AuditFilter("CR00001", START, END, application_id=claim), by_claim, "csv"
    )
    assert n == sum(r["application_id"] == claim for r in rows) > 0


def test_rights_and_the_command(
    gateway: Components, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    with gateway.database.unit_of_work() as uow:
        uow.session.execute(
            insert(JournalEntry),
            [
                _entry(1, START, MINE[0], "getClaim"),
                _entry(2, START, THEIRS[0], "getClaim"),
            ],
        )
        uow.commit()
        cr_admin = Operator.user(uow, "cr-admin")
        clerk = Operator.user(uow, "cr-rta-ch")
    period = AuditFilter("CR00001", START, END)
    assert report(gateway, cr_admin, period, io.StringIO(), "csv") == 1
    for operator, f in (
        (cr_admin, AuditFilter("COMP001", START, END)),
        (cr_admin, AuditFilter(None, START, END)),
        (clerk, period),
    ):
        with pytest.raises(OperatorRefused):
            report(gateway, operator, f, io.StringIO(), "csv")
    out = tmp_path / "audit.csv"
    argv = ["--database-url", gateway.settings.database_url, "audit", "report"]
    period_args = ["--from", "2026-03-01", "--to", "2026-03-31"]
    assert (
        gateway_main([*argv, "--organisation", "COMP001", *period_args, "--output", str(out)]) == 0
    )
    (line,) = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert line["as_user_id"] == "comp-rta-ch"
    assert gateway_main([*argv, "--organisation", "COMP001", *period_args, "--as", "cr-admin"]) == 2
    assert "only its own organisation" in capsys.readouterr().err
