"""Deadlines in motion, end to end: a claim sent with zeep times out when its liability deadline
has passed (one sweep of the timeout worker), with its warning, notices, SYSTEM journal row and new
GUID; the sandbox clock and the calendar through the ``gateway`` command."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
import requests
import zeep
from sqlalchemy import select

from gateway.domain.deadlines import london, london_date, timeout_instant
from gateway.service.timeouts import TimeoutWorker
from gateway.store.models import Claim, ClaimTimer, JournalEntry, Notification
from tests.conftest import LiveServer, MovableClock, start_gunicorn
from tests.e2e.claims import cnf
from tests.wire import envelope, get_token, post, scrape

CR = ("cr-a2a", "cr-rta-ch", "Amber-Falcon-2026!")
COMP = ("comp-a2a", "comp-rta-ch", "Cobalt-Heron-2026!")
PATH = "/PIP.WSTK/PIPWSTK"


def _client(live: LiveServer) -> zeep.Client:
    return zeep.Client(f"{live.url}{PATH}?wsdl")


def _token(client: zeep.Client, who: tuple[str, str, str]) -> str:
    pair = client.service.getToken(userID=who[0], userAsID=who[1], password=who[2])
    assert pair.code == "Ok", pair
    return str(pair.accessToken)


def _add_claim(live: LiveServer, reference: str) -> Any:
    client = _client(live)
    reply = client.service.addClaim(claimXML=cnf(reference), accessToken=_token(client, CR))
    assert reply.code == "Ok", reply
    return reply.claimInfo


def _claim(live: LiveServer, application_id: str) -> Claim:
    with live.components.database.unit_of_work() as uow:
        claim = uow.claims.get(application_id)
        assert claim is not None
        uow.session.expunge(claim)  # keep its loaded values past the rollback
        return claim


def _move_to(clock: MovableClock, moment: datetime) -> None:
    clock.advance((moment - clock.now()).total_seconds())


def _notices(live: LiveServer, application_id: str) -> list[tuple[str, str]]:
    with live.components.database.unit_of_work() as uow:
        rows = uow.session.scalars(
            select(Notification).where(Notification.application_id == application_id)
        )
        return [(n.user_id, n.message) for n in rows]


def _system_journal(live: LiveServer, application_id: str) -> list[JournalEntry]:
    with live.components.database.unit_of_work() as uow:
        rows = list(
            uow.session.scalars(
                select(JournalEntry)
                .where(
                    JournalEntry.application_id == application_id, JournalEntry.actor == "SYSTEM"
                )
                .order_by(JournalEntry.id)
            )
        )
        uow.session.expunge_all()
        return rows


def test_liability_decision_times_out_end_to_end(live: LiveServer, clock: MovableClock) -> None:
    info = _add_claim(live, "TIMEOUT-E2E-1")
    app_id, first_guid = info.applicationId, info.activityEngineGuid
    claim = _claim(live, app_id)
    assert (claim.phase, claim.deadline_rule) == ("ClaimSubmitted", "D2")
    assert claim.deadline_date is not None
    worker = TimeoutWorker(live.components)
    assert worker.sweep().fired == 0  # nothing is due on the day it was sent
    counted = scrape(live.url)  # the worker counts into this process's metrics too

    # "5 days left" at 00:00 on the 5th business day before the deadline: to the compensator
    with live.components.database.unit_of_work() as uow:
        warn = uow.session.scalars(
            select(ClaimTimer).where(ClaimTimer.claim_id == claim.id, ClaimTimer.kind == "WARN")
        ).one()
        uow.session.expunge(warn)
    fire = warn.fire_at if warn.fire_at.tzinfo else warn.fire_at.replace(tzinfo=london())
    _move_to(clock, fire + timedelta(minutes=1))
    report = worker.sweep()
    assert (report.warnings, report.timeouts) == (1, 0)
    warned = [(u, m) for u, m in _notices(live, app_id) if "5 days left" in m]
    assert warned and all(u.startswith("comp-") for u, _ in warned)
    assert _claim(live, app_id).guid == first_guid

    # the day after the deadline date (plus a day): the TIMEOUT transition, once
    _move_to(clock, timeout_instant(claim.deadline_date) + timedelta(days=1))
    report = worker.sweep()
    assert (report.timeouts, report.claims) == (1, [app_id])
    assert worker.sweep().fired == 0
    metrics = scrape(live.url)
    fired = "gateway_timeouts_fired_total"
    assert metrics.value(fired, rule="D2") - counted.value(fired, rule="D2") == 1
    warnings = "gateway_timeout_warnings_total"
    assert (
        metrics.value(warnings, kind="days_left") - counted.value(warnings, kind="days_left") == 1
    )
    timed_out = _claim(live, app_id)
    assert timed_out.phase == "LiabilityDecisionTimeout"
    assert timed_out.guid != first_guid and len(timed_out.guid) == 36
    limit = [(u, m) for u, m in _notices(live, app_id) if "time limit reached" in m]
    assert {u.split("-")[0] for u, _ in limit} == {"cr", "comp"}
    assert all(n == 1 for n in Counter(limit).values())
    assert "Liability decision time limit reached" in limit[0][1]
    rows = _system_journal(live, app_id)
    assert [(r.operation, r.outcome) for r in rows] == [("WARNING", "Ok"), ("TIMEOUT", "Ok")]
    entry = rows[-1]
    assert (entry.phase_before, entry.phase_after) == ("ClaimSubmitted", "LiabilityDecisionTimeout")
    assert (entry.guid_before, entry.guid_after) == (first_guid, timed_out.guid)
    assert entry.user_id is None and entry.endpoint == "timeouts"

    # the claimant representative acknowledges the timeout with the new GUID
    client = _client(live)
    token = _token(client, CR)
    stale = client.service.acknowledgeLiabilityDecisionTimeout(
        claimData={"applicationId": app_id, "activityEngineGuid": first_guid}, accessToken=token
    )
    assert stale.code == "Failure" and stale.details.startswith("GUID_STALE")
    done = client.service.acknowledgeLiabilityDecisionTimeout(
        claimData={"applicationId": app_id, "activityEngineGuid": timed_out.guid}, accessToken=token
    )
    assert done.code == "Ok", done
    assert done.claimInfo.phaseCacheId == "LiabilityDecisionTimeoutEnd"
    assert worker.sweep().fired == 0


def test_the_liability_deadline_runs_on_after_acceptance(
    live: LiveServer, clock: MovableClock
) -> None:
    """acceptClaim renews the GUID but D2 carries over into Article75Decision: it still fires."""
    info = _add_claim(live, "TIMEOUT-E2E-2")
    client = _client(live)
    accepted = client.service.acceptClaim(
        claimData={
            "applicationId": info.applicationId,
            "activityEngineGuid": info.activityEngineGuid,
        },
        insurerClaimReferenceNumber="INS-1",
        accessToken=_token(client, COMP),
    )
    assert accepted.code == "Ok", accepted
    claim = _claim(live, info.applicationId)
    assert claim.deadline_date is not None
    _move_to(clock, timeout_instant(claim.deadline_date) + timedelta(hours=1))
    report = TimeoutWorker(live.components).sweep()
    after = _claim(live, info.applicationId)
    assert claim.phase == "Article75Decision" and claim.guid != info.activityEngineGuid
    assert report.timeouts == 1 and after.phase == "LiabilityDecisionTimeout"
    assert len([m for _, m in _notices(live, info.applicationId) if "time limit" in m]) == len(
        {u for u, m in _notices(live, info.applicationId) if "time limit" in m}
    )


# ------------------------------------------------------------------------------ the command
def gateway_cli(
    database_url: str, *args: str, sandbox: bool = False
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["GATEWAY_DATABASE_URL"] = database_url
    if sandbox:
        env["GATEWAY_SANDBOX"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_sandbox_clock_through_the_command(live: LiveServer) -> None:
    url = live.components.settings.database_url
    info = _add_claim(live, "TIMEOUT-SANDBOX-1")
    shown = gateway_cli(url, "clock", "show", sandbox=True)
    assert shown.returncode == 0 and "offset +0.0000 days" in shown.stdout, shown.stderr
    idle = gateway_cli(url, "timeouts", "--once", sandbox=True)
    assert idle.returncode == 0 and "0 timed out" in idle.stdout, idle.stderr
    moved = gateway_cli(url, "clock", "advance", "--business-days", "16", sandbox=True)
    assert moved.returncode == 0, moved.stderr
    swept = gateway_cli(url, "timeouts", "--once", sandbox=True)
    assert swept.returncode == 0 and "1 timed out" in swept.stdout, swept.stdout + swept.stderr
    assert _claim(live, info.applicationId).phase == "LiabilityDecisionTimeout"
    assert gateway_cli(url, "clock", "reset", sandbox=True).returncode == 0
    assert "offset +0.0000 days" in gateway_cli(url, "clock", "show", sandbox=True).stdout


def test_production_refuses_the_clock(live: LiveServer) -> None:
    url = live.components.settings.database_url
    for args in (("show",), ("advance", "--days", "3"), ("set", "2030-01-01"), ("reset",)):
        refused = gateway_cli(url, "clock", *args)
        assert refused.returncode == 2
        assert "not a sandbox" in refused.stderr


def test_calendar_commands(live: LiveServer, tmp_path: Path) -> None:
    url = live.components.settings.database_url
    data = {
        "england-and-wales": {
            "division": "england-and-wales",
            "events": [
                {"title": "New Year’s Day", "date": "2031-01-01", "notes": "", "bunting": True},
                {"title": "Good Friday", "date": "2031-04-11", "notes": "", "bunting": False},
                {"title": "Christmas Day", "date": "2031-12-25", "notes": "", "bunting": True},
            ],
        },
        "scotland": {"division": "scotland", "events": []},
    }
    path = tmp_path / "bank-holidays.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    for _ in range(2):  # idempotent
        imported = gateway_cli(url, "calendar", "import", str(path))
        assert imported.returncode == 0 and "3 bank holidays imported for 2031" in imported.stdout
    listed = gateway_cli(url, "calendar", "list", "--year", "2031").stdout.splitlines()
    assert [line.split("\t")[0] for line in listed] == ["2031-01-01", "2031-04-11", "2031-12-25"]
    assert gateway_cli(url, "calendar", "add", "2031-06-02", "Jubilee").returncode == 0
    assert gateway_cli(url, "calendar", "remove", "2031-04-11").returncode == 0
    listed = gateway_cli(url, "calendar", "list", "--year", "2031").stdout.splitlines()
    assert [line.split("\t")[0] for line in listed] == ["2031-01-01", "2031-06-02", "2031-12-25"]
    assert gateway_cli(url, "calendar", "remove", "2031-04-11").returncode == 1
    path.write_text(
        '{"england-and-wales": {"events": [{"title": "x", "date": "2031-13-01"}]}}',
        encoding="utf-8",
    )
    bad = gateway_cli(url, "calendar", "import", str(path))
    assert bad.returncode == 2 and "not a yyyy-mm-dd date" in bad.stderr
    missing = gateway_cli(url, "calendar", "import", str(tmp_path / "none.json"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    assert gateway_cli(url, "calendar", "add", "1 June", "x").returncode == 2


@pytest.mark.parametrize("args", [("timeouts", "--batch", "0")])
def test_timeouts_rejects_bad_options(live: LiveServer, args: tuple[str, ...]) -> None:
    assert gateway_cli(live.components.settings.database_url, *args).returncode == 2


def test_a_sandbox_server_runs_on_the_moved_clock(live: LiveServer, tmp_path: Path) -> None:
    url = live.components.settings.database_url
    # within the demo passwords' 90 days; the in-process server stays on real time
    assert gateway_cli(url, "clock", "advance", "--days", "30", sandbox=True).returncode == 0
    expected = london_date(datetime.now(UTC)) + timedelta(days=30)
    server = start_gunicorn(url, tmp_path / "serve.log", workers=2, GATEWAY_SANDBOX="1")
    try:
        token = get_token(server.url, *CR).result()["accessToken"]
        added = post(
            server.url,
            envelope(
                "addClaim",
                f"<claimXML>{escape(cnf('SANDBOX-2'))}"
                f"</claimXML><accessToken>{token}"
                "</accessToken>",
            ),
        )
        app_id = added.tree.findtext(".//applicationId")
        assert app_id, added.body[:500]
    finally:
        server.stop()
    assert _claim(live, app_id).sent_date in (expected, expected + timedelta(days=1))


def test_the_worker_loop_stops_on_sigterm(live: LiveServer) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["GATEWAY_DATABASE_URL"] = live.components.settings.database_url
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "gateway.cli", "timeouts", "--interval", "0.2"),
            *("--metrics-bind", "127.0.0.1:0"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert worker.stdout is not None
    served = re.search(r"metrics at (http://\S+)/metrics", worker.stdout.readline())
    assert served is not None
    assert "gateway_timeouts_fired_total" in requests.get(served[1] + "/metrics", timeout=10).text
    assert "sweeping every 0.2 s" in worker.stdout.readline()
    worker.send_signal(signal.SIGTERM)
    out, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0 and "timeout worker stopped" in out
