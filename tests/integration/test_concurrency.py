"""Concurrency on PostgreSQL: many workers, one claim; many claims, two timeout workers.

(a) ``gateway serve`` with 4 workers; 20 clients send the same acceptClaim with the same GUID at
once: one wins, 19 are told GUID_STALE, and one journal row records the change. The same race
for the Stage 2 answers: addStage2SPFResponse and addStage2SPFCounterOfferByCM.
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
from typing import Any
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import func, insert, select

from gateway.app import Components, build
from gateway.domain.deadlines import london_date, timeout_instant
from gateway.store.models import Claim, ClaimTimer, JournalEntry, Notification
from tests.conftest import TIMING_GROUP, MovableClock, fresh_database, seeded, start_gunicorn
from tests.conftest import test_settings as settings_for
from tests.e2e import claims as packs
from tests.e2e.claims import cnf, insurer_response
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


# ------------------------------------------------------------------ Stage 2 answers race too
def _claim_data(app_id: str, guid: str) -> str:
    return (
        f"<claimData><applicationId>{app_id}</applicationId>"
        f"<activityEngineGuid>{guid}</activityEngineGuid></claimData>"
    )


def _step(url: str, token: str, operation: str, app_id: str, guid: str, fields: str = "") -> str:
    """One workflow step over the wire that must succeed; the claim's new GUID."""
    reply = post(
        url,
        envelope(
            operation,
            f"{_claim_data(app_id, guid)}{fields}<accessToken>{token}</accessToken>",
        ),
    )
    new = reply.tree.findtext(".//activityEngineGuid")
    assert reply.result()["code"] == "Ok" and new, reply.body[:500]
    return new


def _pack(name: str, text: str) -> str:
    return f"<{name}>{escape(text)}</{name}>"


def _to_settlement_decision(url: str, cr: str, comp: str) -> tuple[str, str]:
    """A claim through Stage 1 with its Stage 2 settlement pack sent: (applicationId, GUID)."""
    added = post(
        url,
        envelope(
            "addClaim",
            f"<claimXML>{escape(cnf('RACE-S2'))}</claimXML><accessToken>{cr}</accessToken>",
        ),
    )
    app_id = added.tree.findtext(".//applicationId") or ""
    guid = added.tree.findtext(".//activityEngineGuid") or ""
    assert added.result()["code"] == "Ok", added.body[:500]
    steps: list[tuple[str, str, str]] = [
        (comp, "acceptClaim", "<insurerClaimReferenceNumber>INS-S2</insurerClaimReferenceNumber>"),
        (comp, "applyArticle75", "<isArticle75>false</isArticle75>"),
        (comp, "sendLiabilityDecision", _pack("insurerResponseXml", insurer_response())),
        (cr, "acknowledgeLiabilityAdmitted", ""),
        (cr, "setStage1Payment", "<isStage1Paid>true</isStage1Paid>"),
        (cr, "setInterimPaymentNeeded", "<isInterimPaymentNeeded>false</isInterimPaymentNeeded>"),
        (cr, "addStage2SPFRequest", _pack("S2SPFRequestXML", packs.s2sp_request())),
    ]
    for token, operation, fields in steps:
        guid = _step(url, token, operation, app_id, guid, fields)
    return app_id, guid


def _to_counter_offer_decision(url: str, cr: str, comp: str) -> tuple[str, str]:
    app_id, guid = _to_settlement_decision(url, cr, comp)
    steps: list[tuple[str, str, str]] = [
        (comp, "addStage2SPFResponse", _pack("S2SPFResponseXML", packs.s2sp_response("CO"))),
        (cr, "setStage2SPFAgreementDecision", "<isAgreed>false</isAgreed>"),
        (
            cr,
            "setStage2SPFCounterOfferNeeded",
            "<isStage2SPFCounterOfferNeeded>true</isStage2SPFCounterOfferNeeded>",
        ),
        (
            cr,
            "addStage2SPFCounterOfferByCR",
            _pack("S2SPFCounterOfferByCRXML", packs.counter_offer_cr()),
        ),
    ]
    for token, operation, fields in steps:
        guid = _step(url, token, operation, app_id, guid, fields)
    return app_id, guid


@pytest.mark.parametrize(
    ("operation", "prepare", "fields"),
    [
        (
            "addStage2SPFResponse",
            _to_settlement_decision,
            _pack("S2SPFResponseXML", packs.s2sp_response("CO")),
        ),
        (
            "addStage2SPFCounterOfferByCM",
            _to_counter_offer_decision,
            _pack("S2SPFCounterOfferByCMXML", packs.counter_offer_cm("NEWCO")),
        ),
    ],
    ids=["addStage2SPFResponse", "addStage2SPFCounterOfferByCM"],
)
def test_one_stage2_answer_wins_among_twenty(
    pg_url: str, tmp_path: Path, operation: str, prepare: Any, fields: str
) -> None:
    server = start_gunicorn(pg_url, tmp_path / "serve.log", workers=4)
    try:
        cr, comp = _token(server.url, CR), _token(server.url, COMP)
        app_id, guid = prepare(server.url, cr, comp)
        body = envelope(
            operation, f"{_claim_data(app_id, guid)}{fields}<accessToken>{comp}</accessToken>"
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
            claim = uow.claims.get(app_id)
            assert claim is not None and claim.phase == "Stage2SettlementPackAgreementDecision"
            kind = (
                "s2sp-response" if operation == "addStage2SPFResponse" else "s2sp-counter-offer-cm"
            )
            assert len(uow.claims.packs(claim.id, kind)) == 1  # one answer stored, not twenty
            rows = uow.session.scalars(
                select(JournalEntry).where(
                    JournalEntry.operation == operation, JournalEntry.application_id == app_id
                )
            ).all()
            assert Counter(r.outcome for r in rows) == {"Ok": 1, "Failure": CLIENTS - 1}
    finally:
        components.database.dispose()
