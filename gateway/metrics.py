"""Prometheus metrics: the metric objects, what feeds them, and the ``/metrics`` exposition.

Every process counts into the metric objects below. Under ``gateway serve`` the gunicorn workers
are separate processes, so prometheus-client runs in its multiprocess mode: each process writes
its values to files in ``PROMETHEUS_MULTIPROC_DIR`` (``gateway serve`` creates and empties that
directory before anything imports prometheus-client, which reads the variable once, at import,
and passes it on as ``Settings.metrics_dir``), and a scrape, whichever worker answers it, merges
every process's files. Without it (a single process: the tests' in-process server, ``gateway
timeouts``) the default registry is used.

Label values are bounded: ``operation`` is an operation of the contract (an envelope that named
none, or an unknown one, is a Fault with ``operation=""``), ``key`` a catalogue key of
``gateway.errors.MESSAGES`` (anything else is ``OTHER``) or a SOAP faultcode, ``rule`` a
deadline id.
"""

from __future__ import annotations

from typing import Any, Final

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine, QueuePool, event
from sqlalchemy.pool import Pool

from gateway.errors import MESSAGES

#: The variable prometheus-client reads for its multiprocess mode (its own name, not a setting).
MULTIPROC_DIR: Final = "PROMETHEUS_MULTIPROC_DIR"
RATE_LIMITED: Final = "RATE_LIMITED"

REQUESTS = Counter(
    "gateway_requests",
    "SOAP requests answered, by outcome: Ok, Failure (key: its catalogue key), Error, "
    "Fault (key: its faultcode)",
    ["service", "operation", "outcome", "key"],
)
REQUEST_SECONDS = Histogram(
    "gateway_request_seconds",
    "Time from reading a SOAP request to its answer, in seconds",
    ["service", "operation"],
)
RATE_LIMITED_REQUESTS = Counter(
    "gateway_rate_limited",
    "Requests refused with Failure RATE_LIMITED",
    ["service", "operation"],
)
TIMEOUTS_FIRED = Counter(
    "gateway_timeouts_fired",
    "Claims moved on by a deadline's TIMEOUT transition, by deadline rule",
    ["rule"],
)
TIMEOUT_WARNINGS = Counter(
    "gateway_timeout_warnings",
    'Deadline notices sent by the timeout worker: kind "days_left" (N days left) or '
    '"time_limit" (time limit reached, no transition), by deadline rule',
    ["rule", "kind"],
)
# Pool gauges follow the pools' events, so that a scrape sums them over every live process
# (a scrape-time reading would see only the pool of the worker answering the scrape).
POOL_CHECKED_OUT = Gauge(
    "gateway_db_pool_checked_out",
    "Database connections handed out by the connection pools of the live processes",
    multiprocess_mode="livesum",
)
POOL_OPEN = Gauge(
    "gateway_db_pool_connections",
    "Database connections open (in use or idle in a pool) in the live processes",
    multiprocess_mode="livesum",
)
POOL_SIZE = Gauge(
    "gateway_db_pool_size",
    "Connections each process's pool keeps open (QueuePool pool_size; SQLite files use a "
    "QueuePool too)",
    multiprocess_mode="livemax",
)
POOL_MAX_OVERFLOW = Gauge(
    "gateway_db_pool_max_overflow",
    "Connections each process's pool may open beyond its size (QueuePool max_overflow)",
    multiprocess_mode="livemax",
)


# ------------------------------------------------------------------------------- requests
def request_answered(
    service: str, operation: str, outcome: str, key: str | None, seconds: float
) -> None:
    """Count one answered request. ``key``: a Failure's catalogue key or a Fault's faultcode."""
    if outcome == "Failure":
        label = key if key in MESSAGES else "OTHER"
    elif outcome == "Fault":
        label = key or ""
    else:
        label = ""
    REQUESTS.labels(service, operation, outcome, label).inc()
    REQUEST_SECONDS.labels(service, operation).observe(seconds)
    if label == RATE_LIMITED:
        RATE_LIMITED_REQUESTS.labels(service, operation).inc()


# ------------------------------------------------------------------------------- timeouts
def timer_fired(kind: str, rule: str) -> None:
    """Count one effect of the timeout worker: ``timeout``, ``days_left`` or ``time_limit``."""
    if kind == "timeout":
        TIMEOUTS_FIRED.labels(rule).inc()
    else:
        TIMEOUT_WARNINGS.labels(rule, kind).inc()


# ------------------------------------------------------------------------------- database pool
_pool_events_installed = False


def instrument_pool(engine: Engine) -> None:
    """Follow the connection pools of this process and record ``engine``'s pool limits.

    Called before the process's first connection (``gateway.app.build``): the gauges count the
    connections opened and checked out from then on. The events are listened for on the ``Pool``
    class, once per process, not per engine: the event registry keys its targets by ``id()``
    (see ``gateway.store.write_behind.install``). A pool that is not a QueuePool (SQLite
    ``:memory:``) has no size to report.
    """
    global _pool_events_installed
    if not _pool_events_installed:
        event.listen(Pool, "checkout", _checked_out)
        event.listen(Pool, "checkin", _checked_in)
        event.listen(Pool, "detach", _checked_in)  # a detached connection is not checked in
        event.listen(Pool, "connect", _opened)
        event.listen(Pool, "close", _closed)
        event.listen(Pool, "close_detached", _closed)
        _pool_events_installed = True
    pool = engine.pool
    if isinstance(pool, QueuePool):
        POOL_SIZE.set(pool.size())
        POOL_MAX_OVERFLOW.set(pool._max_overflow)  # no public reader for it


def _checked_out(*_args: Any) -> None:
    POOL_CHECKED_OUT.inc()


def _checked_in(*_args: Any) -> None:
    POOL_CHECKED_OUT.dec()


def _opened(*_args: Any) -> None:
    POOL_OPEN.inc()


def _closed(*_args: Any) -> None:
    POOL_OPEN.dec()


# ------------------------------------------------------------------------------- exposition
def exposition(accept: str, directory: str = "") -> tuple[bytes, str]:
    """The metrics and their content type: the Prometheus text format (version 0.0.4), or the
    format the scraper's ``Accept`` header asks for (OpenMetrics, text 1.0.0). ``directory``:
    the multiprocess directory (``Settings.metrics_dir``), whose files hold every process's
    metrics; empty, this process's own."""
    encode, content_type = choose_encoder(accept)
    if not directory:
        return encode(REGISTRY), content_type
    registry = CollectorRegistry()
    MultiProcessCollector(registry, directory)  # type: ignore[no-untyped-call]
    return encode(registry), content_type
