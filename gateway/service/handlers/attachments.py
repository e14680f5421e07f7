"""Attachments (operations.md 4.4): either party adds files to a claim in any non-end phase and
both read them. No activityEngineGuid is needed and none changes; the other side is notified.
The file is judged (name, size, type by extension and content, the virus scan) before the request
starts writing; the claim's own limits (50 files, 100 MB) under its row lock."""

from __future__ import annotations

import hashlib
from typing import Any

from gateway.domain import notifications as notices
from gateway.domain.deadlines import london_date
from gateway.domain.lifecycle import DELETED_PHASE
from gateway.errors import ClaimDeleted, InputInvalid, NotFound, PhaseNotAllowed
from gateway.service import messages as m
from gateway.service.blobs import Blob
from gateway.service.claims import attachments as rules
from gateway.service.claims import workflow as wf
from gateway.service.claims.visibility import can_see
from gateway.service.clock import as_utc
from gateway.service.gateway import Call, OperationSpec, required
from gateway.store.models import Claim
from gateway.store.repositories import AttachmentView

_FILE = "attachment.data_attachment_file_zip"


def _text(value: str | None, field: str, most: int, *, needed: bool) -> str | None:
    path = f"attachment.{field}"
    text = (value or "").strip()
    if needed and not text:
        required(None, path)
    if len(text) > most:
        raise InputInvalid(f"{path}: more than {most} characters", field=path)
    return text or None


def _judge(call: Call[m.AddAttachment]) -> tuple[rules.Accepted, str, str | None]:
    """Everything about the file itself, before the request queues to write."""
    given = required(call.request.attachment, "attachment")
    required(given.application_id, "attachment.application_id")
    title = _text(
        given.data_attachment_title, "data_attachment_title", rules.MAX_TITLE, needed=True
    )
    desc = _text(
        given.data_attachment_desc, "data_attachment_desc", rules.MAX_DESCRIPTION, needed=False
    )
    raw_name = required(given.data_attachment_file_name, "attachment.data_attachment_file_name")
    accepted = rules.judge(call.settings, raw_name, _sent(given))
    return accepted, title or "", desc


def _sent(given: m.AttachmentInput) -> bytes:
    """The file as the request carries it (decoded from base64 by the front end)."""
    content = given.data_attachment_file_zip
    if content is None:
        required(None, _FILE)
    if not isinstance(content, bytes):
        raise InputInvalid(f"{_FILE}: not the file's bytes", field=_FILE)
    return content


def _readable(call: Call[Any], claim: Claim) -> Claim:
    if claim.gdpr_deleted or claim.phase == DELETED_PHASE:
        raise ClaimDeleted(claim.application_id)
    return claim


def add_attachment(call: Call[m.AddAttachment]) -> m.StringResponse:
    accepted, title, desc = call.prepared
    content = _sent(required(call.request.attachment, "attachment"))
    given = required(call.request.attachment, "attachment")
    claim = _readable(call, wf.load_for_update(call, given.application_id))
    phase = wf.lifecycle(call.service).phase(claim.phase)
    if phase.end:
        raise PhaseNotAllowed(
            f"addAttachment in {phase.id}",
            message=f"Operation not allowed in phase {phase.name}",
            claim=wf.claim_info(claim),
        )
    rules.check_room(claim.attachments_count, claim.attachments_bytes, len(content))
    guid = wf.new_guid()
    call.uow.claims.add_attachment(
        guid=guid,
        claim_id=claim.id,
        file_name=accepted.file_name,
        title=title,
        description=desc,
        content_type=accepted.content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        created_at=call.now,
        organisation_id=call.who.organisation_id,
        user_id=call.who.as_user_id,
    )
    claim.attachments_count += 1
    claim.attachments_bytes += len(content)
    claim.updated_at = call.now
    notice = notices.attachment_added(claim.application_id, title, call.who.side)
    wf.notify(call, claim, call.who.side.other, notice.text, machine=notice.a2a)
    call.facts.note = f"attachment {guid} {accepted.file_name} {len(content)} bytes"
    return m.StringResponse(message="Attachment added", value=guid)


def _listed(row: AttachmentView, application_id: str, content: Blob | None = None) -> m.Attachment:
    return m.Attachment(
        application_id=application_id,
        data_attachment_desc=row.description,
        data_attachment_file_name=row.file_name,
        data_attachment_file_zip=content,
        data_attachment_guid=row.guid,
        data_attachment_title=row.title,
        data_attachment_date=london_date(as_utc(row.created_at)).isoformat(),
        data_attachment_owner=row.user_id,
    )


def get_attachments_list(call: Call[m.GetAttachmentsList]) -> m.AttachmentsListResponse:
    claim = _readable(call, wf.load(call, call.request.application_id))
    rows = call.uow.claims.attachments(claim.id)
    return m.AttachmentsListResponse(
        message=f"{len(rows)} attachments",
        attachemnts_list=[_listed(row, claim.application_id) for row in rows],
    )


def get_attachment(call: Call[m.GetAttachment]) -> m.AttachmentResponse:
    guid = required(call.request.attachment_guid, "attachment_guid").strip().upper()
    row = call.uow.claims.attachment(guid)
    claim = call.uow.claims.get_by_id(row.claim_id) if row else None
    # An attachment of a claim the caller may not see is not found, like one that does not exist.
    if (
        row is None
        or claim is None
        or claim.service != call.service.value
        or not can_see(call, claim)
    ):
        raise NotFound(f"attachment {guid[:36]}")
    wf.record(call, claim)  # the journal names the claim
    _readable(call, claim)
    claims, attachment_id = call.uow.claims, row.id
    content = Blob(
        row.size,
        lambda offset, length: claims.attachment_part(attachment_id, offset, length),
        claims.attachment_part_size(row.size),
    )
    return m.AttachmentResponse(
        message=f"SHA-256 {row.sha256}",
        attachment=_listed(row, claim.application_id, content),
    )


OPERATIONS = {
    "addAttachment": OperationSpec(add_attachment, prepare=_judge),
    "getAttachmentsList": OperationSpec(get_attachments_list, reads_only=True),
    "getAttachment": OperationSpec(get_attachment, reads_only=True),
}
