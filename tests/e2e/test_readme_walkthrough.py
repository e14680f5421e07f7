"""The README's walkthrough, run as written against ``gateway serve`` on a free port.

The walkthrough's code blocks are the fenced blocks whose info string is ``sh walkthrough`` or
``python walkthrough``, in README order. The shell blocks run in bash (``.venv/bin`` first on the
``PATH``), the Python blocks as one script, all in one empty folder, with the README's
``http://127.0.0.1:8080`` replaced by the live server's address and nothing else changed. Each
``# -> expected`` comment after a ``print`` is what the reader is told to see: the script's
output must match them line for line (``...`` stands for anything). Then the database is asked
whether the claim really went where the README says.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from gateway.store.models import JournalEntry, Notification
from tests.conftest import MovableClock, fresh_database, seeded, start_gunicorn

ROOT = Path(__file__).resolve().parents[2]
README_URL = "http://127.0.0.1:8080"
_FENCE = re.compile(r"^```(\w+) walkthrough\n(.*?)^```$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Block:
    language: str
    code: str


def walkthrough_blocks(readme: str) -> list[Block]:
    return [Block(m.group(1), m.group(2)) for m in _FENCE.finditer(readme)]


def expected_lines(code: str) -> list[str]:
    return [
        line.strip()[len("# -> ") :]
        for line in code.splitlines()
        if line.strip().startswith("# -> ")
    ]


def matches(pattern: str, line: str) -> bool:
    regex = ".*".join(re.escape(part) for part in pattern.split("..."))
    return re.fullmatch(regex, line) is not None


@dataclass
class Served:
    url: str
    database_url: str


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """``make run`` in small: a migrated SQLite database with the demo world, under gunicorn."""
    databases = fresh_database("sqlite", tmp_path)
    url = next(databases)
    seeded(url, MovableClock()).database.dispose()
    server = start_gunicorn(url, tmp_path / "serve.log", workers=1)
    try:
        yield Served(server.url, url)
    finally:
        server.stop()


def test_the_readme_declares_a_walkthrough_with_expectations() -> None:
    blocks = walkthrough_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert {b.language for b in blocks} == {"sh", "python"}
    assert len(expected_lines("".join(b.code for b in blocks))) >= 8
    assert all(README_URL in b.code for b in blocks if "zeep.Client" in b.code)


def test_the_readme_walkthrough_runs_as_written(served: Served, tmp_path: Path) -> None:
    blocks = walkthrough_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    work = tmp_path / "reader"
    work.mkdir()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env["GATEWAY_DATABASE_URL"] = served.database_url
    for block in blocks:
        if block.language == "sh":
            shell = block.code.replace(README_URL, served.url)
            done = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", shell],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stderr
    script = "\n".join(b.code for b in blocks if b.language == "python")
    (work / "walkthrough.py").write_text(script.replace(README_URL, served.url), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "walkthrough.py"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    printed = done.stdout.splitlines()
    wanted = expected_lines(script)
    assert len(printed) == len(wanted), (printed, wanted)
    for want, got in zip(wanted, printed, strict=True):
        assert matches(want, got), (want, got)

    # What the README told the reader happened, from the gateway's own tables.
    engine = create_engine(served.database_url)
    with Session(engine) as session:
        journal = session.scalars(select(JournalEntry).order_by(JournalEntry.id)).all()
        steps = [
            (row.user_id, row.operation, row.error_key, row.phase_after)
            for row in journal
            if row.phase_after is not None
        ]
        left = session.scalars(select(Notification).where(Notification.user_id == "cr-rta-ch"))
        notifications_left = list(left)
    engine.dispose()
    assert steps == [
        ("cr-a2a", "addClaim", None, "ClaimSubmitted"),
        ("comp-a2a", "acceptClaim", None, "Article75Decision"),
        ("comp-a2a", "applyArticle75", None, "LiabilityDecision"),
        ("comp-a2a", "sendLiabilityDecision", None, "LiabilityAdmitted"),
        ("cr-a2a", "acknowledgeLiabilityAdmitted", "GUID_STALE", "LiabilityAdmitted"),
        ("cr-a2a", "acknowledgeLiabilityAdmitted", None, "Stage1Payment"),
        ("cr-a2a", "setStage1Payment", None, "StartOfStage21"),
    ]
    assert notifications_left == []  # the walkthrough removed what it had handled
