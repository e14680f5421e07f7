"""Storage on SQLite and PostgreSQL: migrations match the models; the admin commands are
idempotent and scriptable; the demo world and the journal command work."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from gateway.store.db import make_engine
from gateway.store.models import Base


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def _gateway(
    url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "GATEWAY_DATABASE_URL": url,
        "GATEWAY_ARGON2_TIME_COST": "1",
        "GATEWAY_ARGON2_MEMORY_KIB": "1024",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


def test_demo_json_and_idempotent_admin(database_url: str) -> None:
    first = _gateway(database_url, "demo", "--json")
    assert first.returncode == 0, first.stderr
    creds = json.loads(first.stdout)["a2a"]
    assert {
        "organisationId",
        "organisationType",
        "profile",
        "userID",
        "userAsID",
        "password",
    } == set(creds[0])
    assert {c["organisationType"] for c in creds} == {"CR", "COMP"}
    assert len({c["organisationId"] for c in creds}) == 3
    assert json.loads(_gateway(database_url, "demo", "--json").stdout) == {"a2a": creds}
    # idempotent creation and clear errors
    for _ in range(2):
        made = _gateway(
            database_url,
            "admin",
            "org-create",
            "COMP009",
            "--type",
            "COMP",
            "--name",
            "Ninth Insurance",
            "--compensator-type",
            "I",
        )
        assert made.returncode == 0, made.stderr
    assert "unchanged" in made.stdout
    bad = _gateway(
        database_url, "admin", "org-create", "COMP010", "--type", "COMP", "--name", "No Type"
    )
    assert bad.returncode == 2 and "needs a type" in bad.stderr
    branch = _gateway(database_url, "admin", "branch-create", "COMP009", "002", "--name", "North")
    assert branch.returncode == 0
    user = _gateway(
        database_url,
        "admin",
        "user-create",
        "n-a2a",
        "--org",
        "COMP009",
        "--first-name",
        "Nine",
        "--surname",
        "Bot",
        "--profiles",
        "A2A",
        "--password-env",
        "NEW_PW",
        env={"NEW_PW": "Initial-Secret-99"},
    )
    assert user.returncode == 0, user.stderr
    wrong = _gateway(
        database_url,
        "admin",
        "user-create",
        "n-x",
        "--org",
        "COMP009",
        "--first-name",
        "N",
        "--surname",
        "X",
        "--profiles",
        "CR_RTA_CH",
    )
    assert wrong.returncode == 2 and "CR_RTA_CH" in wrong.stderr
    listing = _gateway(database_url, "admin", "branch-list", "COMP009")
    assert listing.stdout.splitlines() == ["/COMP009/001\tCentral Point", "/COMP009/002\tNorth"]
    hospitals = _gateway(database_url, "admin", "import-hospitals", "/nonexistent.csv")
    assert hospitals.returncode == 2 and "cannot read" in hospitals.stderr


def test_new_a2a_password_is_created_expired(database_url: str) -> None:
    from gateway.app import build
    from gateway.config import Settings

    _gateway(database_url, "demo")
    _gateway(
        database_url,
        "admin",
        "user-create",
        "late-a2a",
        "--org",
        "CR00001",
        "--first-name",
        "L",
        "--surname",
        "Bot",
        "--profiles",
        "A2A",
        "--password-env",
        "NEW_PW",
        env={"NEW_PW": "Initial-Secret-99"},
    )
    c = build(Settings(database_url=database_url, argon2_time_cost=1, argon2_memory_kib=1024))
    from datetime import UTC, datetime

    from gateway.errors import AuthRefusal

    with c.database.unit_of_work() as uow:
        try:
            c.auth.get_token(
                uow, "late-a2a", "cr-rta-ch", "Initial-Secret-99", None, datetime.now(UTC)
            )
            raise AssertionError("an initial A2A password must be expired")
        except AuthRefusal as exc:
            assert exc.key == "AUTH_PASSWORD_EXPIRED"
    c.database.dispose()
