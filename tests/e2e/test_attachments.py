"""Attachments over the wire, with zeep against a live server, on both services: 1 KB, exactly
4,194,304 bytes and one byte more; the list; a download identical to the upload (SHA-256); the
51st file; a Windows program renamed .pdf; another organisation's caller answered exactly as for
a claim that does not exist; the other side's notification; bad base64; and the message store,
which keeps the request without the file's bytes."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

import pytest
import zeep
from sqlalchemy import select

from gateway.store.models import JournalEntry, Notification, StoredMessage
from tests.conftest import LiveServer
from tests.e2e.claims import cnf, cnf_elpl
from tests.wire import ELPL_NS, ELPL_PATH, RTA_NS, RTA_PATH, envelope, post

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 1000
LIMIT = 4 * 1024 * 1024


@dataclass(frozen=True)
class Side:
    """One service's endpoint and the users that act on it."""

    path: str
    ns: str
    cr: str
    comp: str
    stranger: tuple[str, str, str]  # (A2A user, password, asUser) of another organisation
    cnf: Any


SERVICES = {
    "rta": Side(
        RTA_PATH,
        RTA_NS,
        "cr-rta-ch",
        "comp-rta-ch",
        ("mib-a2a", "Silver-Otter-2026!", "mib-rta-ch"),
        cnf,
    ),
    "elpl": Side(
        ELPL_PATH,
        ELPL_NS,
        "cr-elpl-ch",
        "comp-elpl-ch",
        ("mib-a2a", "Silver-Otter-2026!", "mib-rta-ch"),
        cnf_elpl,
    ),
}
A2A = {"cr": ("cr-a2a", "Amber-Falcon-2026!"), "comp": ("comp-a2a", "Cobalt-Heron-2026!")}


class Client:
    def __init__(self, live: LiveServer, side: Side) -> None:
        self.live, self.side = live, side
        self.zeep = zeep.Client(f"{live.url}{side.path}?wsdl")
        self.tokens: dict[str, str] = {}

    def token(self, user: str, a2a: tuple[str, str] | None = None) -> str:
        if user not in self.tokens:
            name, password = a2a or A2A[user.split("-")[0]]
            reply = self.zeep.service.getToken(userID=name, userAsID=user, password=password)
            assert reply.code == "Ok", reply
            self.tokens[user] = reply.accessToken
        return self.tokens[user]

    def call(self, user: str, operation: str, **fields: Any) -> Any:
        return getattr(self.zeep.service, operation)(accessToken=self.token(user), **fields)

    def add(self, user: str, app_id: str, content: bytes, name: str = "report.pdf") -> Any:
        return self.call(
            user,
            "addAttachment",
            attachment={
                "applicationId": app_id,
                "dataAttachmentFileName": name,
                "dataAttachmentFileZip": content,
                "dataAttachmentTitle": f"Upload {name}",
                "dataAttachmentDesc": "sent by the test",
            },
        )


def _claim(client: Client, reference: str) -> str:
    reply = client.call(client.side.cr, "addClaim", claimXML=client.side.cnf(reference))
    assert reply.code == "Ok", reply
    return str(reply.claimInfo.applicationId)


@pytest.mark.parametrize("service", ["rta", "elpl"])
def test_upload_list_download_and_the_limits(live: LiveServer, service: str) -> None:
    client = Client(live, SERVICES[service])
    side = client.side
    app_id = _claim(client, f"ATT-{service.upper()}")
    small = PDF + b"1" * (1024 - len(PDF))
    exact = PDF + b"2" * (LIMIT - len(PDF))
    first = client.add(side.cr, app_id, small)
    assert first.code == "Ok" and first.value, first
    big = client.add(side.comp, app_id, exact, "exactly-4mb.pdf")
    assert big.code == "Ok", big
    over = client.add(side.cr, app_id, exact + b"3", "over.pdf")
    assert (over.code, over.details.split(":")[0]) == ("Failure", "ATTACHMENT_TOO_LARGE")
    listed = client.call(side.comp, "getAttachmentsList", applicationId=app_id)
    assert listed.code == "Ok"
    assert [a.dataAttachmentFileName for a in listed.attachemntsList] == [
        "report.pdf",
        "exactly-4mb.pdf",
    ]
    for guid, sent in ((first.value, small), (big.value, exact)):
        got = client.call(side.cr, "getAttachment", attachmentGuid=guid)
        assert got.code == "Ok", got.details
        assert (
            hashlib.sha256(got.attachment.dataAttachmentFileZip).hexdigest()
            == hashlib.sha256(sent).hexdigest()
        )
    renamed = client.add(side.cr, app_id, EXE, "invoice.pdf")
    assert (renamed.code, renamed.details.split(":")[0]) == ("Failure", "ATTACHMENT_TYPE")
    with live.components.database.unit_of_work() as uow:
        told = uow.session.scalars(
            select(Notification.user_id).where(
                Notification.application_id == app_id, Notification.message.like("%new attachment%")
            )
        ).all()
        # The message store keeps the upload's envelope without the file's bytes.
        entry = uow.session.scalars(
            select(JournalEntry)
            .where(JournalEntry.operation == "addAttachment", JournalEntry.outcome == "Ok")
            .order_by(JournalEntry.request_bytes.desc())
        ).first()
        assert entry is not None and entry.request_bytes > LIMIT
        stored = uow.session.get(StoredMessage, entry.correlation_id)
        assert stored is not None
        body = bytes(stored.body)
    assert {user.split("-")[0] for user in told} == {
        "cr",
        "comp",
    }  # each upload told the other side
    assert base64.b64encode(exact[:3000]).decode()[:4000] not in body.decode()
    assert b"dataAttachmentFileZip>***<" in body and len(body) < 10_000


@pytest.mark.parametrize("service", ["rta", "elpl"])
def test_the_fifty_first_file_is_refused(live: LiveServer, service: str) -> None:
    client = Client(live, SERVICES[service])
    app_id = _claim(client, f"ATT-51-{service.upper()}")
    for n in range(50):
        assert client.add(client.side.cr, app_id, PDF, f"f{n}.pdf").code == "Ok"
    refused = client.add(client.side.cr, app_id, PDF, "f51.pdf")
    assert (refused.code, refused.details.split(":")[0]) == ("Failure", "ATTACHMENT_LIMIT")


def test_another_organisation_is_answered_as_for_a_claim_that_does_not_exist(
    live: LiveServer,
) -> None:
    client = Client(live, SERVICES["rta"])
    app_id = _claim(client, "ATT-OTHER")
    mib = ("mib-a2a", "Silver-Otter-2026!")
    client.token("mib-rta-ch", mib)
    theirs = client.add("mib-rta-ch", app_id, PDF)
    missing = client.add("mib-rta-ch", "9999999999999999", PDF)
    assert theirs.code == missing.code == "Failure"
    assert theirs.message == missing.message
    assert theirs.details.split(":")[0] == missing.details.split(":")[0] == "CLAIM_NOT_FOUND"
    listed = client.call("mib-rta-ch", "getAttachmentsList", applicationId=app_id)
    assert listed.details.split(":")[0] == "CLAIM_NOT_FOUND"


def test_bad_base64_is_refused_with_the_field(live: LiveServer) -> None:
    client = Client(live, SERVICES["rta"])
    app_id = _claim(client, "ATT-B64")
    token = client.token("cr-rta-ch")
    body = envelope(
        "addAttachment",
        f"<attachment><applicationId>{app_id}</applicationId>"
        "<dataAttachmentFileName>a.pdf</dataAttachmentFileName>"
        "<dataAttachmentFileZip>not*base64!</dataAttachmentFileZip>"
        "<dataAttachmentTitle>x</dataAttachmentTitle></attachment>"
        f"<accessToken>{token}</accessToken>",
    )
    result = post(live.url, body).result()
    assert result["code"] == "Failure" and result["details"].startswith("INPUT_INVALID")
    assert "dataAttachmentFileZip" in result["details"]
