"""Shared fixtures: the spec, databases (SQLite and PostgreSQL, both real), a seeded gateway and
live servers (an in-process WSGI server, or ``gateway serve`` under gunicorn)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from sqlalchemy import create_engine, text

from gateway.app import Components, build
from gateway.config import Settings
from gateway.service.demo import seed
from gateway.soap.app import SoapApplication
from gateway.store.db import upgrade
from tests.e2e import transitions

ROOT = Path(__file__).resolve().parent.parent
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def spec_dir() -> Path:
    """Where the product spec is: ``GATEWAY_SPEC_DIR``, else ``../shared/spec`` beside the clone."""
    return Path(os.environ.get("GATEWAY_SPEC_DIR") or ROOT.parent / "shared" / "spec")


@pytest.fixture(scope="session")
def spec() -> Path:
    """The spec folder, for the tests that compare the project with it.

    A clone on its own has no spec beside it: those tests are skipped there, saying so. CI lays
    the spec beside the clone, and a CI run without it fails rather than skip the contract tests.
    """
    path = spec_dir()
    if not (path / "operations.md").is_file():
        reason = f"the product spec is absent: no {path / 'operations.md'} (set GATEWAY_SPEC_DIR)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the tests against the spec", pytrace=False)
        pytest.skip(reason)
    return path


# Under pytest-xdist (make test), the tests that time requests and the races that fill the
# machine with server processes go to one worker (--dist loadgroup), so a race never slows a timed
# request of the other worker.
TIMING_GROUP = pytest.mark.xdist_group("timing")


class MovableClock:
    """The real clock plus an offset that tests move (expiry, lockout windows)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self.offset, UTC)

    def advance(self, seconds: float) -> None:
        self.offset += seconds


# ------------------------------------------------------------------------------- databases
def _postgres_server_url() -> str | None:
    url = os.environ.get("GATEWAY_TEST_POSTGRES_URL", PG_DEFAULT)
    try:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return url
    except Exception as exc:
        if os.environ.get("CI"):
            raise RuntimeError(
                f"PostgreSQL is required in CI and unreachable at {url}: {exc}"
            ) from exc
        return None


_PG_URL = _postgres_server_url()


@pytest.fixture(scope="session")
def postgres_server() -> str:
    if _PG_URL is None:
        pytest.skip("PostgreSQL not reachable (set GATEWAY_TEST_POSTGRES_URL)")
    return _PG_URL


def fresh_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A new, migrated database of ``kind`` (sqlite | postgres), dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'gateway.db'}"
        upgrade(url)
        yield url
        return
    if _PG_URL is None:
        pytest.skip("PostgreSQL not reachable (set GATEWAY_TEST_POSTGRES_URL)")
    name = f"gw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = re.sub(r"/[^/]+$", f"/{name}", _PG_URL)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database(request.param, tmp_path)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    yield from fresh_database("sqlite", tmp_path)


#: Rate limits far above what any test sends, which the rate-limit tests lower again: the harness
#: runs hundreds of requests a second as one A2A user, and the lockout tests fail logins on purpose.
RELAXED_LIMITS = {"rate_limit_per_user": 100_000, "failed_logins_per_address": 100_000}


def test_settings(database_url: str, **overrides: Any) -> Settings:
    # Cheap Argon2 parameters keep the suite fast; production keeps the defaults.
    return Settings(
        database_url=database_url,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        **{**RELAXED_LIMITS, **overrides},
    )


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


def seeded(url: str, clock: MovableClock, **overrides: Any) -> Components:
    components = build(test_settings(url, **overrides), clock)
    with components.database.unit_of_work() as uow:
        seed(uow, components.auth, clock.now())
        uow.commit()
    return components


@pytest.fixture
def gateway(database_url: str, clock: MovableClock) -> Iterator[Components]:
    components = seeded(database_url, clock, legacy_endpoints=True)
    yield components
    components.database.dispose()


# ---------------------------------------------------------------------------- live servers
class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class LiveServer:
    url: str
    components: Components


@pytest.fixture
def live(gateway: Components) -> Iterator[LiveServer]:
    """The gateway in a WSGI server on a free port of this process (port 0, ready on return)."""
    server: WSGIServer = make_server("127.0.0.1", 0, _placeholder, handler_class=_QuietHandler)
    url = f"http://127.0.0.1:{server.server_port}"
    settings = gateway.settings.with_overrides(bind=f"127.0.0.1:{server.server_port}")
    server.set_app(SoapApplication(settings, gateway.service))
    # shutdown() waits for the loop to look at its flag: every 0.5 s by default, half a second
    # of every test's teardown.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield LiveServer(url, gateway)
    server.shutdown()
    server.server_close()
    transitions.record(gateway)  # the lifecycle rows this server's journal shows taken


def _placeholder(environ: Any, start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [])
    return []


@dataclass
class GunicornServer:
    url: str
    process: subprocess.Popen[bytes]
    database_url: str
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_gunicorn(
    database_url: str,
    log: Path,
    workers: int = 2,
    args: Sequence[str] = (),
    ca: Path | None = None,
    **env: str,
) -> GunicornServer:
    """``gateway serve`` on port 0, with ``args`` added; returns when it listens (its log names
    the port) and answers ``/healthz`` (over HTTPS, trusting ``ca``, when given a certificate)."""
    environment = {
        **os.environ,
        "GATEWAY_DATABASE_URL": database_url,
        "GATEWAY_ARGON2_TIME_COST": "1",
        "GATEWAY_ARGON2_MEMORY_KIB": "1024",
        **{f"GATEWAY_{name.upper()}": str(value) for name, value in RELAXED_LIMITS.items()},
        **env,
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gateway.cli",
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--workers",
                str(workers),
                *args,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environment,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        match = re.search(
            r"Listening at: (https?)://127\.0\.0\.1:(\d+)", log.read_text("utf-8", "replace")
        )
        if match:
            server = GunicornServer(
                f"{match.group(1)}://127.0.0.1:{match.group(2)}", process, database_url, log
            )
            _wait_healthy(server, ca)
            return server
        if process.poll() is not None:
            raise RuntimeError(f"gateway serve exited: {log.read_text('utf-8', 'replace')}")
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("gateway serve did not report its port")


def _wait_healthy(server: GunicornServer, ca: Path | None = None) -> None:
    import ssl
    import urllib.request

    context = ssl.create_default_context(cafile=str(ca)) if ca else None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(
                server.url + "/healthz", timeout=2, context=context
            ) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("gateway serve never became healthy")


# ----------------------------------------------------------- lifecycle transition coverage
# tests/e2e/transitions.py: the rows the live servers' journals show taken, merged from the
# pytest-xdist workers, counted at the end and, with GATEWAY_TRANSITION_COVERAGE=1, enforced.
@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    transitions.node_down(node)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    transitions.finish(session)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    transitions.summary(terminalreporter)


# ---------------------------------------------------------------------- in-process harness
@pytest.fixture(scope="session")
def harness_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.harness import template

    return template(tmp_path_factory.mktemp("harness"))


@pytest.fixture
def harness(harness_template: Path, tmp_path: Path) -> Iterator[Any]:
    """Operations run in process through the service layer (``tests.harness.Harness``)."""
    from tests.harness import Harness

    running = Harness.on_copy(harness_template, tmp_path)
    yield running
    running.close()
