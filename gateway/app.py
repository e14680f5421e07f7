"""The app factory: settings in, a ready WSGI application out (one per process)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from gateway import logs, metrics
from gateway.config import Settings
from gateway.domain.lifecycle import load_all
from gateway.domain.services import Service
from gateway.service.auth import Authenticator
from gateway.service.claims.calendar_store import calendar_from_store
from gateway.service.claims.workflow import ClaimsEnvironment
from gateway.service.clock import Clock, SystemClock
from gateway.service.gateway import GatewayService
from gateway.service.handlers import operations
from gateway.service.unit_of_work import Database
from gateway.soap.app import SoapApplication
from gateway.store.db import make_engine
from gateway.validation.registry import ReleaseRegistry


@dataclass
class Components:
    settings: Settings
    database: Database
    auth: Authenticator
    clock: Clock
    service: GatewayService


def build(
    settings: Settings, clock: Clock | None = None, registry: ReleaseRegistry | None = None
) -> Components:
    """The components of one process; ``registry`` reuses compiled schemas (tests do)."""
    database = Database(make_engine(settings.database_url))
    metrics.instrument_pool(database.engine)  # before its first connection
    auth = Authenticator(settings)
    clock = clock or _default_clock(settings, database)
    registry = registry or ReleaseRegistry.load(settings.schemas_dir)
    for service_kind in Service:
        registry.current(service_kind, settings.current_release(service_kind))
    load_all()
    env = ClaimsEnvironment(registry=registry, calendar=calendar_from_store)
    service = GatewayService(settings, database, auth, clock, operations(), env)
    return Components(settings, database, auth, clock, service)


def _default_clock(settings: Settings, database: Database) -> Clock:
    """Real time in production; in a sandbox deployment, real time plus the shared offset."""
    if settings.sandbox:
        from gateway.service.sandbox import SandboxClock

        return SandboxClock(database)
    return SystemClock()


def create_app(settings: Settings, clock: Clock | None = None) -> SoapApplication:
    return SoapApplication(settings, build(settings, clock).service)


def from_environment() -> SoapApplication:
    """Entry point for WSGI servers: ``gunicorn 'gateway.app:from_environment()'``.

    Under several workers, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory before the
    server starts, so that ``/metrics`` sums the workers (``gateway serve`` does this itself)."""
    settings = Settings.load(os.environ)
    # prometheus-client's own variable decides its mode (at import): scrape what it writes.
    settings = settings.with_overrides(metrics_dir=os.environ.get(metrics.MULTIPROC_DIR, ""))
    logs.configure(settings)
    return create_app(settings)
