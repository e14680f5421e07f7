"""A purge killed with SIGKILL in the middle of a batch (``gateway retention run`` in a
subprocess, each batch pausing before it commits) leaves every claim whole or gone, and the
next run finishes: no row of any claim-keyed table outlives its claim (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from gateway.app import Components
from gateway.domain.deadlines import london_date
from gateway.service import messages as m
from gateway.store.models import Claim, ClaimTransfer, JournalEntry
from gateway.store.retention import claim_tables
from tests.conftest import ROOT, fresh_database
from tests.harness import Harness
from tests.integration.retention_world import (
    COMP,
    CR,
    assert_no_orphans,
    days,
    sandboxed,
    set_today,
)

pytestmark = [pytest.mark.slow]

CLAIMS = 12
BATCH = 2
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"0" * 1000


@pytest.fixture(params=["sqlite", "postgres"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Components]]:
    for url in fresh_database(request.param, tmp_path):
        components, _clock = sandboxed(url)
        yield url, components
        components.database.dispose()


def _due_claims(components: Components) -> list[str]:
    """``CLAIMS`` claims, each with packs, timers, notifications, a document, an attachment and
    a transfer, ended 40 days ago (due for the 30-day purge); and one active claim."""
    today = london_date(components.clock.now())
    h = Harness(components, components.clock)  # type: ignore[arg-type]
    ids = []
    for n in range(CLAIMS):
        claim = h.submit(f"KILL-PURGE-{n}")
        attachment = m.AttachmentInput(
            application_id=claim.application_id,
            data_attachment_file_name="report.pdf",
            data_attachment_file_zip=PDF,
            data_attachment_title="Medical report",
        )
        h.ok("addAttachment", m.AddAttachment(attachment=attachment), as_=CR)
        ids.append(claim.application_id)
    h.submit("KILL-ACTIVE")
    with components.database.unit_of_work() as uow:
        claims = uow.session.execute(
            select(Claim.id, Claim.application_id).where(Claim.application_id.in_(ids))
        ).all()
        for claim_id, _app in claims:
            uow.session.add(
                ClaimTransfer(
                    claim_id=claim_id,
                    transfer_id=str(uuid.uuid4()),
                    side="COMP",
                    from_organisation_id="COMP001",
                    to_organisation_id="COMP002",
                    description="bulk transfer",
                    at=datetime.now(UTC),
                    actor=COMP,
                )
            )
        uow.session.execute(
            update(Claim)
            .where(Claim.application_id.in_(ids))
            .values(phase="ExitProcessEnd", ended=True, end_date=today - days(40))
        )
        uow.commit()
    return ids


def _rows_per_claim(components: Components) -> dict[str, dict[str, int]]:
    """For each claim, its rows in every claim-keyed table and its notifications."""
    found: dict[str, dict[str, int]] = {}
    with components.database.unit_of_work() as uow:
        claims = dict(uow.session.execute(select(Claim.id, Claim.application_id)).all())
        for app_id in claims.values():
            found[app_id] = {}
        for table in claim_tables():
            column = next(
                fk.parent for fk in table.foreign_keys if fk.column.table.name == "claims"
            )
            for claim_id, count in uow.session.execute(
                select(column, func.count()).group_by(column)
            ):
                found[claims[claim_id]][table.name] = count
        for app_id, count in uow.session.execute(
            text("SELECT application_id, COUNT(*) FROM notifications GROUP BY application_id")
        ):
            if app_id in found:
                found[app_id]["notifications"] = count
    return found


def _purge_batches(components: Components) -> int:
    with components.database.unit_of_work() as uow:
        query = select(func.count()).where(JournalEntry.operation == "PURGE")
        return int(uow.session.scalar(query) or 0)


def _retention(url: str, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    """``gateway retention run`` on the sandbox clock, its output to ``log``."""
    env = {**os.environ, "GATEWAY_SANDBOX": "1", "GATEWAY_DATABASE_URL": url}
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "retention", "run", *extra],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def test_a_purge_killed_mid_batch_leaves_claims_whole_and_the_next_run_finishes(
    world: tuple[str, Components], tmp_path: Path
) -> None:
    url, components = world
    set_today(components, london_date(datetime.now(UTC)) + days(3))
    due = _due_claims(components)
    before = _rows_per_claim(components)
    assert all(
        set(before[a]) >= {"claim_packs", "claim_attachments", "claim_transfers"} for a in due
    )

    log = tmp_path / "killed.log"
    process = _retention(url, log, "--batch", str(BATCH), "--pause-in-batch", "0.6")
    try:
        deadline = time.monotonic() + 60
        while _purge_batches(components) < 1:  # the first batch committed
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.3)  # inside the second batch's pause: its deletes done, not committed
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL, log.read_text()

    after = _rows_per_claim(components)
    gone = set(before) - set(after)
    assert gone and gone < set(due)  # some purged, not all
    assert len(gone) % BATCH == 0  # whole batches only
    for app_id, rows in after.items():
        assert rows == before[app_id], app_id  # every remaining claim whole
    assert_no_orphans(components)

    finish = _retention(url, tmp_path / "finish.log", "--batch", str(BATCH))
    assert finish.wait(timeout=120) == 0, (tmp_path / "finish.log").read_text()
    assert set(_rows_per_claim(components)) == set(before) - set(due)
    assert_no_orphans(components)
    assert f"purged {CLAIMS - len(gone)} claims" in (tmp_path / "finish.log").read_text()


def test_the_timeout_worker_loop_runs_retention(
    world: tuple[str, Components], tmp_path: Path
) -> None:
    url, components = world
    set_today(components, london_date(datetime.now(UTC)) + days(3))
    due = set(_due_claims(components))
    env = {**os.environ, "GATEWAY_SANDBOX": "1", "GATEWAY_DATABASE_URL": url}
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "timeouts", "--interval", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while due & set(_rows_per_claim(components)):
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    assert len(_rows_per_claim(components)) == 1  # the active claim
    assert f"retention purged {CLAIMS} claims" in log.read_text()
    with components.database.unit_of_work() as uow:
        actors = set(
            uow.session.scalars(select(JournalEntry.actor).where(JournalEntry.operation == "PURGE"))
        )
    assert actors == {"SYSTEM"}
