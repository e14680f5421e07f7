"""Observability: ``/metrics`` counts the requests per operation and outcome (in process, and
summed over the workers of ``gateway serve``), and JSON log lines carry the correlation id."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from gateway.app import Components
from gateway.config import Settings
from gateway.logs import JsonFormatter, correlated
from gateway.service.gateway import Call, GatewayService, OperationSpec
from gateway.service.handlers import operations
from gateway.soap.app import SoapApplication
from tests.conftest import TIMING_GROUP, LiveServer, fresh_database, start_gunicorn
from tests.wire import Reply, envelope, get_token, post, scrape

CR = ("cr-a2a", "cr-rta-ch", "Amber-Falcon-2026!")
VERSION = "getSystemProcessVersion"


def _version(url: str, token: str) -> Reply:
    return post(url, envelope(VERSION, f"<accessToken>{token}</accessToken>"))


def test_requests_are_counted_per_operation_and_outcome(live: LiveServer) -> None:
    before = scrape(live.url)
    token = get_token(live.url, *CR).result()["accessToken"]
    for _ in range(3):
        assert _version(live.url, token).result()["code"] == "Ok"
    for _ in range(2):
        assert _version(live.url, "not-a-token").result()["code"] == "Failure"
    assert post(live.url, b"not xml").fault_code() == "soap:Client"
    after = scrape(live.url)

    def delta(name: str, **labels: str) -> float:
        return after.value(name, **labels) - before.value(name, **labels)

    requests = "gateway_requests_total"
    assert delta(requests, service="rta", operation="getToken", outcome="Ok") == 1
    assert delta(requests, service="rta", operation=VERSION, outcome="Ok", key="") == 3
    assert delta(requests, operation=VERSION, outcome="Failure", key="AUTH_TOKEN_INVALID") == 2
    assert delta(requests, service="rta", operation="", outcome="Fault", key="soap:Client") == 1
    assert delta(requests, operation=VERSION, outcome="Error") == 0
    assert delta("gateway_request_seconds_count", service="rta", operation=VERSION) == 5
    assert delta("gateway_request_seconds_bucket", operation=VERSION, le="+Inf") == 5
    assert delta("gateway_rate_limited_total") == 0

    # The file databases of both kinds pool their connections in a QueuePool of 5 (+10).
    assert after.value("gateway_db_pool_size") == 5
    assert after.value("gateway_db_pool_max_overflow") == 10
    with live.components.database.unit_of_work() as uow:
        uow.session.execute(text("SELECT 1"))
        during = scrape(live.url)
    checked_out = "gateway_db_pool_checked_out"
    assert during.value(checked_out) - after.value(checked_out) == 1
    assert scrape(live.url).value(checked_out) == after.value(checked_out)
    assert during.value("gateway_db_pool_connections") >= 1


# ------------------------------------------------------------------------- errors and logs
def _fails(call: Call[Any]) -> Any:
    logging.getLogger("gateway.test").warning("about to fail for %s", call.operation)
    raise RuntimeError("a bug in a handler")


def _wsgi(app: SoapApplication, method: str, path: str, body: bytes = b"") -> tuple[str, bytes]:
    """One request straight into the WSGI application."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "REMOTE_ADDR": "127.0.0.1",
    }
    status: list[str] = []
    out = b"".join(app(environ, lambda s, _headers: status.append(s)))
    return status[0], out


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What the root logger receives, as the JSON formatter writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def test_an_error_is_counted_and_its_log_lines_carry_the_correlation_id(
    live: LiveServer, json_log: io.StringIO
) -> None:
    c: Components = live.components
    # A test-only operation table: getSystemProcessVersion's handler logs, then raises.
    table = {**operations(), VERSION: OperationSpec(_fails, reads_only=True)}
    service = GatewayService(c.settings, c.database, c.auth, c.clock, table, c.service.env)
    app = SoapApplication(c.settings, service)
    before = scrape(live.url)  # one process, one registry: the live server shows app's counts
    _, body = _wsgi(app, "POST", "/PIP.WSTK/PIPWSTK", get_token_envelope())
    token = Reply(200, "", body).result()["accessToken"]
    status, body = _wsgi(app, "POST", "/PIP.WSTK/PIPWSTK", _version_envelope(token))
    result = Reply(200, "", body).result()
    assert (status, result["code"], result["details"]) == ("200 OK", "Error", "INTERNAL_ERROR")
    incident = result["trace"]
    after = scrape(live.url)
    assert (
        after.value("gateway_requests_total", operation=VERSION, outcome="Error")
        - (before.value("gateway_requests_total", operation=VERSION, outcome="Error"))
        == 1
    )
    status, text = _wsgi(app, "GET", "/metrics")
    assert status == "200 OK" and b"gateway_requests_total" in text

    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    ours = [line for line in lines if line.get("correlation_id") == incident]
    assert [(line["level"], line["logger"]) for line in ours] == [
        ("WARNING", "gateway.test"),
        ("ERROR", "gateway.requests"),
    ]
    assert ours[0]["message"] == f"about to fail for {VERSION}"
    assert "RuntimeError: a bug in a handler" in ours[1]["exception"]
    assert "exception" not in ours[0]
    assert datetime.fromisoformat(ours[0]["time"]).tzinfo is not None
    assert all("correlation_id" not in line for line in lines if line not in ours)


def get_token_envelope() -> bytes:
    user, as_user, password = CR
    fields = f"<userID>{user}</userID><userAsID>{as_user}</userAsID><password>{password}</password>"
    return envelope("getToken", fields)


def _version_envelope(token: str) -> bytes:
    return envelope(VERSION, f"<accessToken>{token}</accessToken>")


def test_the_json_formatter_outside_a_request() -> None:
    record = logging.LogRecord("gateway.x", logging.INFO, __file__, 1, "n=%d", (3,), None)
    line = json.loads(JsonFormatter().format(record))
    assert (line["level"], line["logger"], line["message"]) == ("INFO", "gateway.x", "n=3")
    assert "correlation_id" not in line
    with correlated("abc"):
        assert json.loads(JsonFormatter().format(record))["correlation_id"] == "abc"


# ------------------------------------------------------------------------- gunicorn workers
def _worker_counts(directory: Path, operation: str) -> list[float]:
    """Per process file of the multiprocess directory: its count of ``operation``'s requests."""
    from prometheus_client.multiprocess import MultiProcessCollector

    counts = []
    for path in sorted(directory.glob("counter_*.db")):
        total = 0.0
        for family in MultiProcessCollector.merge([str(path)]):
            for sample in family.samples:
                if sample.name == "gateway_requests_total" and (
                    sample.labels.get("operation") == operation
                ):
                    total += sample.value
        counts.append(total)
    return counts


def _log_lines(log: Path) -> list[dict[str, Any]]:
    """Every line of the server's output, each a JSON object (gunicorn's own lines too)."""
    return [json.loads(line) for line in log.read_text("utf-8").splitlines() if line.strip()]


def _booted(log: Path) -> list[int]:
    return [
        int(line["message"].rsplit(" ", 1)[1])
        for line in _log_lines(log)
        if line["message"].startswith("Booting worker with pid:")
    ]


@TIMING_GROUP
def test_metrics_sum_the_requests_of_every_gunicorn_worker(tmp_path: Path) -> None:
    url = next(fresh_database("sqlite", tmp_path))
    from gateway.app import build
    from gateway.service.demo import seed

    c = build(Settings(database_url=url, argon2_time_cost=1, argon2_memory_kib=1024))
    with c.database.unit_of_work() as uow:
        seed(uow, c.auth, datetime.now(UTC))
        uow.commit()
    c.database.dispose()
    log = tmp_path / "gunicorn.log"
    server = start_gunicorn(url, log, workers=2, GATEWAY_LOG_FORMAT="json")
    (said,) = [m["message"] for m in _log_lines(log) if "multiprocess directory" in m["message"]]
    directory = Path(said.rsplit(" ", 1)[1])
    batch, requests = 40, 0

    def sums_hold() -> None:
        for _ in range(6):  # each scrape may be answered by either worker: the same sums
            metrics = scrape(server.url)
            ok = metrics.value("gateway_requests_total", operation=VERSION, outcome="Ok")
            assert ok == requests
            assert metrics.value("gateway_request_seconds_count", operation=VERSION) == requests
            assert metrics.value("gateway_requests_total", operation="getToken") == 1
            assert metrics.value("gateway_db_pool_size") == 5

    try:
        token = get_token(server.url, *CR).result()["accessToken"]
        # Batches of 40 requests from four clients at once, until both workers took part (a
        # worker's threads may serve a whole batch alone on a busy machine).
        while sum(1 for n in _worker_counts(directory, VERSION) if n > 0) < 2:
            assert requests < 10 * batch, "one worker served every request"
            with ThreadPoolExecutor(4) as pool:
                codes = list(
                    pool.map(lambda _: _version(server.url, token).result()["code"], range(batch))
                )
            assert codes == ["Ok"] * batch
            requests += batch
        sums_hold()
        # A worker that ends is replaced; its counts stay in the sums, the directory stays.
        os.kill(_booted(log)[0], signal.SIGTERM)
        deadline = time.monotonic() + 30
        while len(_booted(log)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_booted(log)) == 3 and directory.is_dir()
        sums_hold()
    finally:
        server.stop()
    assert any("Listening at" in line["message"] for line in _log_lines(log))
    assert not directory.exists()  # the temporary directory goes with the server
