"""The runbook's backup and restore (docs/runbook.md), for real: ``pg_dump`` of a gateway's
database in custom format, ``pg_restore`` into an empty database, and a gateway on the restored
database serves the claim it had and makes new ones with new ids."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from gateway.app import build
from gateway.service import messages as m
from tests.conftest import MovableClock
from tests.conftest import test_settings as settings_for
from tests.harness import Harness
from tests.integration.test_concurrency import pg_url

pytestmark = [pytest.mark.postgres]
__all__ = ["pg_url"]  # the fixture, used by name


def _libpq(url: str) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore take it."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def _harness(url: str) -> Harness:
    clock = MovableClock()
    return Harness(build(settings_for(url), clock), clock)


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_a_dump_restored_into_an_empty_database_serves_as_before(
    pg_url: str, tmp_path: Path
) -> None:
    before = _harness(pg_url)
    try:
        claim = before.submit("BACKUP-1")
    finally:
        before.close()
    dump = tmp_path / "gateway.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", _libpq(pg_url)], check=True
    )
    name = f"gw_restore_{uuid.uuid4().hex[:12]}"
    restored_url = re.sub(r"/[^/]+$", f"/{name}", pg_url)
    admin = create_engine(re.sub(r"/[^/]+$", "/postgres", pg_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={_libpq(restored_url)}", str(dump)],
            check=True,
        )
        after = _harness(restored_url)
        try:
            status = after.ok(
                "getClaimsStatus",
                m.GetClaimsStatus(application_id=claim.application_id),
                as_="cr-rta-ch",
            ).claim_info
            assert (status.activity_engine_guid, status.phase_cache_id) == (claim.guid, claim.phase)
            again = after.submit("BACKUP-2")
            assert int(again.application_id) > int(claim.application_id)
        finally:
            after.close()
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
