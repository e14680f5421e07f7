"""Concurrency on PostgreSQL: many workers, one claim; many claims, two timeout workers.

(a) ``gateway serve`` with 4 workers; 20 clients send the same acceptClaim with the same GUID at
once: one wins, 19 are told GUID_STALE, and one journal row records the change.
(b) 1,000 claims whose liability deadline has passed; two ``gateway timeouts --once`` processes
run at the same time: every claim times out exactly once (one SYSTEM journal row, one "time limit
reached" per recipient).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import func, insert, select

from gateway.app import Components, build
from gateway.domain.deadlines import london_date, timeout_instant
from gateway.store.models import Claim, ClaimTimer, JournalEntry, Notification
from tests.conftest import TIMING_GROUP, MovableClock, fresh_database, seeded, start_gunicorn
from tests.conftest import test_settings as settings_for
from tests.e2e.claims import cnf
from tests.wire import envelope, get_token, post, post_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.slow, TIMING_GROUP]

CR = ("cr-a2a", "cr-rta-ch", "Amber-Falcon-2026!")
COMP = ("comp-a2a", "comp-rta-ch", "Cobalt-Heron-2026!")
CLIENTS = 20
CLAIMS = 1000


@pytest.fixture
def pg_url(tmp_path: Path) -> Iterator[str]:
    """A fresh PostgreSQL database with the demo world (skipped when PostgreSQL is down)."""
    for url in fresh_database("postgres", tmp_path):
        components = seeded(url, MovableClock())
        components.database.dispose()
        yield url


def _token(url: str, who: tuple[str, str, str]) -> str:
    result = get_token(url, *who).result()
    assert result["code"] == "Ok", result
    return result["accessToken"]


def test_one_accept_wins_among_twenty(pg_url: str, tmp_path: Path) -> None:
    server = start_gunicorn(pg_url, tmp_path / "serve.log", workers=4)
    try:
        cr = _token(server.url, CR)
        added = post(
            server.url,
            envelope(
                "addClaim",
                f"<claimXML>{escape(cnf('RACE-1'))}</claimXML><accessToken>{cr}</accessToken>",
            ),
        )
        app_id = added.tree.findtext(".//applicationId")
        guid = added.tree.findtext(".//activityEngineGuid")
        assert added.result()["code"] == "Ok" and app_id and guid, added.body[:500]
        comp = _token(server.url, COMP)
        body = envelope(
            "acceptClaim",
            f"<claimData><applicationId>{app_id}</applicationId>"
            f"<activityEngineGuid>{guid}</activityEngineGuid>"
            "</claimData><insurerClaimReferenceNumber>INS-RACE"
            f"</insurerClaimReferenceNumber><accessToken>{comp}"
            "</accessToken>",
        )
        results = post_at_once(server.url, body, CLIENTS)
    finally:
        server.stop()
    codes = Counter(r["code"] for r in results)
    assert codes == {"Ok": 1, "Failure": CLIENTS - 1}, results
    assert all(r["details"].startswith("GUID_STALE") for r in results if r["code"] == "Failure")
    components = seeded_reader(pg_url)
    try:
        with components.database.unit_of_work() as uow:
            rows = uow.session.scalars(
                select(JournalEntry).where(
                    JournalEntry.operation == "acceptClaim", JournalEntry.application_id == app_id
                )
            ).all()
            claim = uow.claims.get(app_id)
            assert claim is not None and claim.guid != guid
            assert Counter(r.outcome for r in rows) == {"Ok": 1, "Failure": CLIENTS - 1}
            changed = [r for r in rows if r.guid_before != r.guid_after]
            assert len(changed) == 1 and changed[0].outcome == "Ok"
            assert changed[0].guid_after == claim.guid
    finally:
        components.database.dispose()


def seeded_reader(url: str) -> Components:
    """Components on ``url`` to look at (or prepare) the database from the test."""
    return build(settings_for(url), MovableClock())


def _make_due_claims(url: str, count: int) -> None:
    """``count`` RTA claims in ClaimSubmitted whose D2 passed a week ago, with their timers."""
    now = datetime.now(UTC)
    deadline = london_date(now) - timedelta(days=7)
    fire = timeout_instant(deadline)
    claims, timers = [], []
    for n in range(1, count + 1):
        guid = str(uuid.uuid4()).upper()
        claims.append(
            {
                "id": n,
                "application_id": f"{n:016d}",
                "service": "rta",
                "release": "R7",
                "version_major": 7,
                "version_minor": 0,
                "phase": "ClaimSubmitted",
                "guid": guid,
                "ended": False,
                "cr_org_id": "CR00001",
                "comp_org_id": "COMP001",
                "comp_branch_id": "001",
                "insurer_type": "I",
                "cr_reference": f"BULK-{n}",
                "cr_reference_key": f"bulk-{n}",
                "child_claim": False,
                "created_at": now,
                "updated_at": now,
                "sent_date": deadline - timedelta(days=21),
                "dispatched_at": now,
                "deadline_rule": "D2",
                "deadline_date": deadline,
                "timeout_at": fire,
                "liability_deadline": deadline,
                "liability_rule": "D2",
                "gdpr_deleted": False,
            }
        )
        timers.append(
            {"claim_id": n, "kind": "TIMEOUT", "rule": "D2", "fire_at": fire, "guid": guid}
        )
    components = seeded_reader(url)
    try:
        with components.database.unit_of_work() as uow:
            uow.session.execute(insert(Claim), claims)
            uow.session.execute(insert(ClaimTimer), timers)
            uow.commit()
    finally:
        components.database.dispose()


def test_two_timeout_workers_fire_each_deadline_once(pg_url: str) -> None:
    _make_due_claims(pg_url, CLAIMS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["GATEWAY_DATABASE_URL"] = pg_url
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "timeouts", "--once", "--batch", "25"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=600) for worker in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    done = [
        int(re.search(r"(\d+) timed out", out).group(1))  # type: ignore[union-attr]
        for out, _ in outputs
    ]
    assert sum(done) == CLAIMS, outputs
    print("timed out per worker:", done)
    components = seeded_reader(pg_url)
    try:
        with components.database.unit_of_work() as uow:
            phases = Counter(uow.session.scalars(select(Claim.phase)))
            assert phases == {"LiabilityDecisionTimeout": CLAIMS}
            journal = Counter(
                uow.session.scalars(
                    select(JournalEntry.application_id).where(
                        JournalEntry.actor == "SYSTEM", JournalEntry.operation == "TIMEOUT"
                    )
                )
            )
            assert len(journal) == CLAIMS and set(journal.values()) == {1}
            notes = Counter(
                uow.session.execute(
                    select(Notification.user_id, Notification.application_id).where(
                        Notification.message.contains("time limit reached")
                    )
                ).all()
            )
            assert set(notes.values()) == {1}
            per_claim = Counter(app for _, app in notes)
            assert len(per_claim) == CLAIMS and len(set(per_claim.values())) == 1
            users = {user for user, _ in notes}
            assert any(u.startswith("cr-") for u in users)
            assert any(u.startswith("comp-") for u in users)
            unfired = uow.session.scalar(
                select(func.count())
                .select_from(ClaimTimer)
                .where(ClaimTimer.fired_at.is_(None), ClaimTimer.fire_at <= datetime.now(UTC))
            )
            assert unfired == 0
    finally:
        components.database.dispose()
