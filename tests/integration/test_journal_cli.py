"""``gateway journal``: listing, filtering, showing the stored message (masked) and purging."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import update

from gateway.store.models import StoredMessage
from tests.conftest import LiveServer
from tests.wire import envelope, get_token, post


def _journal(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GATEWAY_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", "journal", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_list_show_and_purge(live: LiveServer) -> None:
    url = live.components.settings.database_url
    token = get_token(live.url, "cr-a2a", "cr-rta-ch", "Amber-Falcon-2026!").result()
    get_token(live.url, "cr-a2a", "cr-rta-ch", "Not-The-Password-1")
    post(
        live.url,
        envelope(
            "getHospitalsList",
            f"<hospitalName>river</hospitalName><accessToken>{token['accessToken']}</accessToken>",
        ),
    )
    listed = _journal(url, "list", "--json", "--user", "cr-a2a")
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["operation"] for r in rows] == ["getHospitalsList", "getToken", "getToken"]
    failures = _journal(url, "list", "--json", "--outcome", "Failure")
    assert [json.loads(x)["error_key"] for x in failures.stdout.splitlines()] == [
        "AUTH_LOGIN_FAILED"
    ]
    shown = _journal(url, "show", rows[2]["correlation_id"], "--message")
    assert shown.returncode == 0
    assert "<password>***</password>" in shown.stdout and "Amber-Falcon" not in shown.stdout
    assert _journal(url, "show", "no-such-id").returncode == 1
    with live.components.database.unit_of_work() as uow:
        uow.session.execute(
            update(StoredMessage).values(expires_at=StoredMessage.received_at - timedelta(days=1))
        )
        uow.commit()
    purged = _journal(url, "purge")
    assert purged.returncode == 0 and purged.stdout.startswith("3 stored messages")
    assert (
        "(message no longer stored)"
        in _journal(url, "show", rows[0]["correlation_id"], "--message").stdout
    )


def test_hospitals_search(live: LiveServer) -> None:
    token = get_token(live.url, "cr-a2a", "cr-rta-ch", "Amber-Falcon-2026!").result()
    found = post(
        live.url,
        envelope(
            "getHospitalsList",
            f"<postCode>ls1</postCode><accessToken>{token['accessToken']}</accessToken>",
        ),
    )
    names = [n.text for n in found.tree.iter("name")]
    assert names == ["Riverside General Hospital"]
    missing = post(
        live.url, envelope("getHospitalsList", f"<accessToken>{token['accessToken']}</accessToken>")
    )
    assert missing.result()["details"].startswith("INPUT_MISSING")
