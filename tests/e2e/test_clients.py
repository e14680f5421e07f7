"""The client examples of examples/, each run unmodified against ``gateway serve`` on a free port.

node-soap (examples/node, installed by ``npm ci`` from its lock file), PHP's SoapClient (Debian's
php-cli and php-soap), suds-community (a dev dependency) and curl with raw envelopes each take a
token, send a sample CNF exported by ``gateway samples export``, read the claim back
(``getClaimsStatus``, ``getClaim``), have a stale GUID refused and carry on with the current one.
The gateway's own tables then say whether that really happened, as the example's client id.

The tools come from the project's files (tools/system-deps, pyproject.toml); where one is missing
the test is skipped, saying why, except in CI, where it fails. The quirks of these clients that
the gateway tolerates (docs/client-guide.md, "Client quirks") are covered at the end.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from gateway.cli import main
from gateway.store.models import Claim, JournalEntry
from tests.conftest import MovableClock, fresh_database, seeded, start_gunicorn
from tests.wire import RTA_NS, envelope, get_token, post

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
GUID = r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}"


@dataclass
class Served:
    url: str
    database_url: str
    cnf: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A gateway with the demo world under gunicorn, and the sample packs a user exports."""
    tmp = tmp_path_factory.mktemp("clients")
    databases = fresh_database("sqlite", tmp)
    url = next(databases)
    seeded(url, MovableClock()).database.dispose()
    assert main(["samples", "export", str(tmp / "samples"), "--service", "rta"]) == 0
    server = start_gunicorn(url, tmp / "serve.log", workers=1)
    try:
        yield Served(server.url, url, tmp / "samples" / "rta" / "R7" / "cnf-rta.xml")
    finally:
        server.stop()


def missing(what: str) -> None:
    reason = f"{what} (tools/system-deps installs it)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run every client example", pytrace=False)
    pytest.skip(reason)


def node_command() -> list[str]:
    if shutil.which("node") is None or shutil.which("npm") is None:
        missing("node and npm are not installed")
    folder = EXAMPLES / "node"
    if not (folder / "node_modules" / "soap" / "package.json").is_file():
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
    return ["node", str(folder / "claim.js")]


def php_command() -> list[str]:
    if shutil.which("php") is None:
        missing("php-cli is not installed")
    modules = subprocess.run(["php", "-m"], capture_output=True, text=True).stdout.split()
    if "soap" not in modules:
        missing("php-soap is not installed")
    return ["php", str(EXAMPLES / "php" / "claim.php")]


def suds_command() -> list[str]:
    try:
        import suds  # noqa: F401
    except ImportError:
        missing("suds-community is not installed (make install)")
    return [sys.executable, str(EXAMPLES / "suds" / "claim.py")]


def curl_command() -> list[str]:
    if shutil.which("curl") is None:
        missing("curl is not installed")
    return ["bash", str(EXAMPLES / "curl" / "claim.sh")]


CLIENTS = {
    "node": node_command,
    "php": php_command,
    "suds": suds_command,
    "curl": curl_command,
}


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_the_example_client_sends_a_claim_and_follows_its_guid(
    client: str, served: Served, tmp_path: Path
) -> None:
    reference = f"{client.upper()}/EXAMPLE-1"
    done = subprocess.run(
        [*CLIENTS[client](), served.url, str(served.cnf), reference],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 7, done.stdout
    assert lines[0] == "getToken Ok"
    added = re.fullmatch(rf"addClaim Ok (\d{{16}}) ClaimSubmitted ({GUID})", lines[1])
    assert added, lines[1]
    application_id, guid = added.groups()
    assert lines[2] == f"getClaimsStatus Ok {application_id} ClaimSubmitted {guid}"
    assert lines[3] == f"getClaim Ok has {reference}"
    assert lines[4:] == ["lockClaim Failure GUID_STALE", "lockClaim Ok", "unlockClaim Ok"]

    engine = create_engine(served.database_url)
    with Session(engine) as session:
        claim = session.scalars(select(Claim).where(Claim.application_id == application_id)).one()
        journal = session.scalars(
            select(JournalEntry)
            .where(JournalEntry.client_id == f"example-{client}")
            .order_by(JournalEntry.id)
        ).all()
        steps = [(row.operation, row.outcome, row.error_key) for row in journal]
        users = {(row.user_id, row.as_user_id) for row in journal}
    engine.dispose()
    assert (claim.cr_reference, claim.phase, claim.guid) == (reference, "ClaimSubmitted", guid)
    assert claim.cr_lock_user is None  # locked, then unlocked
    assert steps == [
        ("getToken", "Ok", None),
        ("addClaim", "Ok", None),
        ("getClaimsStatus", "Ok", None),
        ("getClaim", "Ok", None),
        ("lockClaim", "Failure", "GUID_STALE"),
        ("getClaimsStatus", "Ok", None),
        ("lockClaim", "Ok", None),
        ("unlockClaim", "Ok", None),
    ]
    assert users == {("cr-a2a", "cr-rta-ch")}


# ------------------------------------------------------------------------------ client quirks
def _token(served: Served) -> str:
    reply = get_token(served.url, "cr-a2a", "cr-rta-ch", "Amber-Falcon-2026!")
    return reply.result()["accessToken"]


def test_children_in_any_order_qualified_or_not_with_any_prefix_and_soapaction(
    served: Served,
) -> None:
    """Hand-written envelopes and older toolkits: accessToken first, children qualified, the
    prefixes PHP uses (SOAP-ENV, ns1) and a SOAPAction naming the operation are all accepted."""
    token = _token(served)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope '
        'xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:ns1="{RTA_NS}"><SOAP-ENV:Body><ns1:getClaimsList>'
        f"<ns1:accessToken>{token}</ns1:accessToken>"
        "</ns1:getClaimsList></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()
    import requests

    reply = requests.post(
        served.url + "/PIP.WSTK/PIPWSTK",
        data=body,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"getClaimsList"'},
        timeout=30,
    )
    assert reply.status_code == 200 and b"<code>Ok</code>" in reply.content, reply.text
    swapped = post(
        served.url,
        envelope(
            "getClaimsStatus",
            f"<accessToken>{token}</accessToken><applicationId>0000000000000404</applicationId>",
        ),
    )
    assert swapped.result()["details"].startswith("CLAIM_NOT_FOUND"), swapped.result()


def test_an_element_the_operation_does_not_declare_is_refused_by_name(served: Served) -> None:
    """node-soap sends whatever keys it is given (a ``claimData`` to ``unlockClaim``, which takes
    an ``applicationId``): the gateway names the element rather than ignore it."""
    token = _token(served)
    reply = post(
        served.url,
        envelope(
            "unlockClaim",
            "<claimData><applicationId>0000000000000001</applicationId></claimData>"
            f"<accessToken>{token}</accessToken>",
        ),
    ).result()
    assert reply["code"] == "Failure"
    assert reply["details"] == "INPUT_INVALID: unlockClaim/claimData: unexpected element"


def test_curl_expect_100_continue_on_a_large_request_is_answered_at_once(served: Served) -> None:
    """curl sends ``Expect: 100-continue`` before a body over 1 MiB (an attachment, say) and waits
    a second for the interim answer unless the server gives it."""
    if shutil.which("curl") is None:
        missing("curl is not installed")
    token = _token(served)
    padding = " " * (1024 * 1024 + 1)
    body = envelope("getClaimsList", f"<accessToken>{token}</accessToken>{padding}")
    done = subprocess.run(
        [
            "curl",
            "-sS",
            "-v",
            "--max-time",
            "20",
            "-H",
            "Content-Type: text/xml; charset=utf-8",
            "-w",
            "\n%{time_total}",
            "--data-binary",
            "@-",
            served.url + "/PIP.WSTK/PIPWSTK",
        ],
        input=body,
        capture_output=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert b"Expect: 100-continue" in done.stderr and b"100 Continue" in done.stderr
    answer, elapsed = done.stdout.rsplit(b"\n", 1)
    assert b"<code>Ok</code>" in answer
    assert float(elapsed) < 0.9  # not curl's one-second wait for a 100 that never came
