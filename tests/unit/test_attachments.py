"""Attachments in process (``tests.harness``): the limits (4 MB a file, 50 files and 100 MB a
claim), types by extension and by content, executables, names, the virus-scan hook, visibility,
ended and deleted claims; every refusal stores nothing and is journaled. The wire has its own
end-to-end tests (tests/e2e/test_attachments.py)."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from gateway.domain.services import Service
from gateway.errors import AttachmentLimit
from gateway.service import messages as m
from gateway.service.claims import attachments as rules
from gateway.store.models import Claim, ClaimAttachment, JournalEntry, Notification
from tests.harness import Claimed, Harness

CR, COMP = "cr-rta-ch", "comp-rta-ch"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"0" * 1000
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 200
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def _add(h: Harness, claim: Claimed, content: bytes, name: str = "report.pdf", *, as_: str = CR,
         title: str = "Medical report", desc: str | None = None) -> Any:  # fmt: skip
    attachment = m.AttachmentInput(
        application_id=claim.application_id,
        data_attachment_file_name=name,
        data_attachment_file_zip=content,
        data_attachment_title=title,
        data_attachment_desc=desc,
    )
    return h.run("addAttachment", m.AddAttachment(attachment=attachment), as_=as_)


def _stored(h: Harness) -> tuple[int, int]:
    with h.components.database.unit_of_work() as uow:
        files = uow.session.scalar(select(func.count()).select_from(ClaimAttachment)) or 0
        counted = uow.session.scalar(select(func.sum(Claim.attachments_count))) or 0
        return files, counted


def _last_journal(h: Harness) -> JournalEntry:
    with h.components.database.unit_of_work() as uow:
        entry = uow.session.scalars(select(JournalEntry).order_by(JournalEntry.id.desc())).first()
        assert entry is not None
        uow.session.expunge(entry)
        return entry


def test_a_file_is_stored_listed_read_back_and_the_other_side_told(harness: Harness) -> None:
    claim = harness.submit("ATT-1")
    guid = harness.ok(
        "addAttachment", _request(claim, PDF, "C:\\Users\\me\\report.pdf"), as_=CR
    ).value
    listed = harness.ok(
        "getAttachmentsList", m.GetAttachmentsList(application_id=claim.application_id), as_=COMP
    ).attachemnts_list
    assert [
        (a.data_attachment_guid, a.data_attachment_file_name, a.data_attachment_title)
        for a in listed
    ] == [(guid, "report.pdf", "Medical report")]
    assert listed[0].data_attachment_file_zip is None  # metadata only
    got = harness.ok("getAttachment", m.GetAttachment(attachment_guid=guid), as_=COMP)
    assert got.attachment.data_attachment_file_zip == PDF
    assert hashlib.sha256(PDF).hexdigest() in got.message
    with harness.components.database.unit_of_work() as uow:
        notices = uow.session.scalars(
            select(Notification.user_id).where(Notification.message.like("%new attachment%"))
        ).all()
    assert notices and all(user.startswith("comp-") for user in notices)
    rows = harness.ok("getClaimsList", m.GetClaimsList(), as_=COMP).claims_list
    assert [r.attachments_count for r in rows if r.application_id == claim.application_id] == [1]
    assert harness.ok(
        "getClaimsStatus", m.GetClaimsStatus(application_id=claim.application_id), as_=CR
    )
    stored = _last_journal(harness)
    assert stored.operation == "getClaimsStatus"


def _request(
    claim: Claimed, content: bytes, name: str = "report.pdf", title: str = "Medical report"
) -> Any:
    return m.AddAttachment(
        attachment=m.AttachmentInput(
            application_id=claim.application_id,
            data_attachment_file_name=name,
            data_attachment_file_zip=content,
            data_attachment_title=title,
        )
    )


def test_four_megabytes_exactly_are_accepted_and_one_byte_more_refused(harness: Harness) -> None:
    claim = harness.submit("ATT-4MB")
    limit = PDF + b"0" * (rules.MAX_FILE_BYTES - len(PDF))
    assert len(limit) == 4_194_304
    assert harness.ok("addAttachment", _request(claim, limit), as_=CR).value
    refusal = harness.refused("addAttachment", _request(claim, limit + b"0"), as_=CR)
    assert refusal.key == "ATTACHMENT_TOO_LARGE" and "4,194,305" in refusal.details
    assert _stored(harness) == (1, 1)


def test_the_fifty_first_file_is_refused(harness: Harness) -> None:
    claim = harness.submit("ATT-51")
    for n in range(50):
        harness.ok(
            "addAttachment", _request(claim, PDF, f"file-{n}.pdf"), as_=CR if n % 2 else COMP
        )
    refusal = harness.refused("addAttachment", _request(claim, PDF, "file-51.pdf"), as_=CR)
    assert refusal.key == "ATTACHMENT_LIMIT"
    assert _stored(harness) == (50, 50)


def test_a_claim_holds_at_most_100_megabytes() -> None:
    rules.check_room(49, rules.MAX_CLAIM_BYTES - 10, 10)
    with pytest.raises(AttachmentLimit):
        rules.check_room(25, rules.MAX_CLAIM_BYTES - 10, 11)


@pytest.mark.parametrize(
    ("content", "name", "key"),
    [
        (EXE, "invoice.pdf", "ATTACHMENT_TYPE"),  # a Windows program renamed .pdf
        (EXE, "setup.exe", "ATTACHMENT_TYPE"),
        (b"#!/bin/sh\nrm -rf /\n", "notes.txt", "ATTACHMENT_TYPE"),  # a script is a program
        (PNG, "scan.pdf", "ATTACHMENT_TYPE"),  # the signature contradicts the extension
        (PDF, "report.html", "ATTACHMENT_TYPE"),  # not an allowed extension
        (PDF, "report", "ATTACHMENT_TYPE"),
        (b"", "empty.pdf", "INPUT_INVALID"),
        (PDF, "../", "INPUT_INVALID"),
        (PDF, "a" * 252 + ".pdf", "INPUT_INVALID"),
    ],
    ids=[
        "exe-as-pdf",
        "exe",
        "script",
        "png-as-pdf",
        "html",
        "no-extension",
        "empty",
        "no-name",
        "long-name",
    ],
)
def test_a_file_of_the_wrong_kind_is_refused_and_nothing_stored(
    harness: Harness, content: bytes, name: str, key: str
) -> None:
    claim = harness.submit("ATT-TYPE")
    refusal = harness.refused("addAttachment", _request(claim, content, name), as_=CR)
    assert refusal.key == key, refusal.details
    assert _stored(harness) == (0, 0)
    entry = _last_journal(harness)
    assert (entry.operation, entry.error_key) == ("addAttachment", key)


@pytest.mark.parametrize(
    ("title", "desc", "key"),
    [
        ("", None, "INPUT_MISSING"),
        ("t" * 101, None, "INPUT_INVALID"),
        ("ok", "d" * 501, "INPUT_INVALID"),
    ],
    ids=["no-title", "long-title", "long-description"],
)
def test_titles_and_descriptions_have_their_lengths(
    harness: Harness, title: str, desc: str | None, key: str
) -> None:
    claim = harness.submit("ATT-TEXT")
    refusal = harness.refused(
        "addAttachment",
        m.AddAttachment(
            attachment=m.AttachmentInput(
                application_id=claim.application_id,
                data_attachment_file_name="a.pdf",
                data_attachment_file_zip=PDF,
                data_attachment_title=title,
                data_attachment_desc=desc,
            )
        ),
        as_=CR,
    )
    assert refusal.key == key
    assert _stored(harness) == (0, 0)


def test_only_the_parties_see_a_claims_attachments(harness: Harness) -> None:
    claim = harness.submit("ATT-SEEN")
    guid = harness.ok("addAttachment", _request(claim, PDF), as_=CR).value
    assert (
        harness.refused("addAttachment", _request(claim, PDF), as_="cr2-rta-ch").key
        == "CLAIM_NOT_FOUND"
    )
    listing = m.GetAttachmentsList(application_id=claim.application_id)
    assert harness.refused("getAttachmentsList", listing, as_="cr2-rta-ch").key == "CLAIM_NOT_FOUND"
    # Someone else's attachment is not found, exactly like one that does not exist.
    other = harness.refused(
        "getAttachment", m.GetAttachment(attachment_guid=guid), as_="cr2-rta-ch"
    )
    unknown = harness.refused("getAttachment", m.GetAttachment(attachment_guid="0" * 36), as_=CR)
    assert other.key == unknown.key == "NOT_FOUND"
    assert other.message == unknown.message


def test_an_ended_claim_takes_no_attachment_and_a_deleted_one_shows_none(harness: Harness) -> None:
    claim = harness.submit("ATT-END")
    guid = harness.ok("addAttachment", _request(claim, PDF), as_=CR).value
    claim = harness.step("rejectClaimToCR", claim, COMP, rejection_reason_code="1")
    claim = harness.step("exitRejectedClaim", claim, CR)
    assert harness.refused("addAttachment", _request(claim, PDF), as_=CR).key == "PHASE_NOT_ALLOWED"
    listing = m.GetAttachmentsList(application_id=claim.application_id)
    assert len(harness.ok("getAttachmentsList", listing, as_=CR).attachemnts_list) == 1
    with harness.components.database.unit_of_work() as uow:
        uow.session.execute(update(Claim).values(gdpr_deleted=True, phase="ClaimDeleted"))
        uow.commit()
    assert harness.refused("getAttachmentsList", listing, as_=CR).key == "CLAIM_DELETED"
    assert (
        harness.refused("getAttachment", m.GetAttachment(attachment_guid=guid), as_=CR).key
        == "CLAIM_DELETED"
    )


def test_an_elpl_claim_takes_attachments_too(harness: Harness) -> None:
    from tests.e2e.claims import cnf_elpl

    harness.service = Service.ELPL
    claim = harness.claimed(
        harness.ok("addClaim", m.AddClaim(claim_xml=cnf_elpl("ATT-ELPL")), as_="cr-elpl-ch")
    )
    assert harness.ok(
        "addAttachment", _request(claim, PNG, "photo.png", "Photo"), as_="cr-elpl-ch"
    ).value


@pytest.fixture
def scanned(harness_template: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    command, timeout = request.param
    h = Harness.on_copy(
        harness_template, tmp_path, attachment_scan_command=command, attachment_scan_timeout=timeout
    )
    yield h
    h.close()


_SCANNER = f"{sys.executable} -c \"import sys; sys.exit(b'EICAR' in sys.stdin.buffer.read())\""


@pytest.mark.parametrize("scanned", [(_SCANNER, 10.0)], indirect=True)
def test_the_virus_scan_refuses_what_it_finds(scanned: Harness) -> None:
    claim = scanned.submit("ATT-SCAN")
    assert scanned.ok("addAttachment", _request(claim, PDF), as_=CR).value
    refusal = scanned.refused("addAttachment", _request(claim, PDF + b"EICAR"), as_=CR)
    assert refusal.key == "ATTACHMENT_TYPE" and "virus scan" in refusal.details
    assert _stored(scanned) == (1, 1)


@pytest.mark.parametrize(
    "scanned", [(f'{sys.executable} -c "import time; time.sleep(5)"', 0.3)], indirect=True
)
def test_a_scan_that_does_not_finish_refuses_the_file(scanned: Harness) -> None:
    claim = scanned.submit("ATT-SLOW")
    refusal = scanned.refused("addAttachment", _request(claim, PDF), as_=CR)
    assert refusal.key == "ATTACHMENT_TYPE" and "did not finish" in refusal.details
