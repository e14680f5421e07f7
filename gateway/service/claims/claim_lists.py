"""The claim lists of operations.md 4.2: the worklist (``getClaimsList``) and the search
(``searchClaims``): the caller's scope and the criteria as store queries, and the ``claim`` rows
of operations.md 2.2."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from gateway.domain.deadlines import london_midnight
from gateway.domain.profiles import role_in
from gateway.domain.services import Side
from gateway.errors import InputInvalid
from gateway.service import messages
from gateway.service.claims import workflow as wf
from gateway.service.claims.visibility import ARCHIVE_SEARCH, CENTRAL_POINT, PRE_ACCEPTANCE
from gateway.service.clock import as_utc
from gateway.service.gateway import Call
from gateway.store import claim_queries as q

WORKLIST_MAX = 2000
SEARCH_MAX = 500
RECENT_DAYS = 30
HANDLER_ROLES = frozenset({"CH", "BCH"})
SORT_FIELDS = frozenset({"StartDate", "UpdateDate", "ApplicationId", "Priority", "DispatchDate"})
CLAIM_TYPES = frozenset({"EL", "ELD", "PL"})
NO_BRANCH = "-"  # branch ids are three digits: matches no claim


def scope(call: Call[Any]) -> q.Scope:
    """The caller's visibility (security.md 3.3; the SQL twin of ``visibility.can_see``)."""
    who = call.who
    archive = ARCHIVE_SEARCH in who.profiles
    if who.side is Side.CR:
        return q.Scope(call.service.value, "CR", who.organisation_id, archive=archive)
    role = role_in(who.profiles, call.service)
    org = who.organisation_id
    if role in ("TL", "CH"):
        return q.Scope(call.service.value, "COMP", org, archive=archive)
    if role == "DISP":
        return q.Scope(
            call.service.value, "COMP", org, CENTRAL_POINT, PRE_ACCEPTANCE, archive=archive
        )
    if role == "BCH":
        return q.Scope(call.service.value, "COMP", org, who.branch_id or "", archive=archive)
    return q.Scope(call.service.value, "COMP", org, nothing=True)


# -------------------------------------------------------------------------------- worklist
def worklist(call: Call[Any]) -> tuple[Sequence[q.ListRow], bool]:
    """The asUser's worklist (at most ``WORKLIST_MAX``) and whether it was truncated."""
    side = call.who.side
    phases = frozenset(p.id for p in wf.lifecycle(call.service).phases if p.worklist is side)
    handler = role_in(call.who.profiles, call.service) in HANDLER_ROLES
    wanted = q.Worklist(phases, call.who.as_user_id if handler else None)
    rows = q.worklist(call.uow.session, scope(call), wanted, WORKLIST_MAX + 1)
    return rows[:WORKLIST_MAX], len(rows) > WORKLIST_MAX


# ---------------------------------------------------------------------------------- search
def _text(value: str | None) -> str | None:
    return value.strip() if value is not None and value.strip() else None


def _days(low: datetime | None, high: datetime | None) -> tuple[date | None, date | None]:
    return (low.date() if low else None), (high.date() if high else None)


def _instants(days: tuple[date | None, date | None]) -> tuple[datetime | None, datetime | None]:
    """An inclusive range of London days as a half-open range of UTC instants (UTC: SQLite
    compares the stored text, which is UTC)."""
    low, high = days
    return (
        london_midnight(low).astimezone(UTC) if low else None,
        london_midnight(high + timedelta(days=1)).astimezone(UTC) if high else None,
    )


def _branch(call: Call[Any], path: str | None) -> str | None:
    if path is None or call.who.side is Side.CR:
        return None
    parts = [p for p in path.split("/") if p]
    if len(parts) == 2 and parts[0] != call.who.organisation_id:
        return NO_BRANCH  # another organisation's branch: nothing of ours is there
    return parts[-1] if parts else None


def criteria(call: Call[Any], given: messages.SearchClaimCriteria | None) -> q.SearchCriteria:
    """``searchClaimCriteria`` as a store query; no criterion = updated in the last 30 days."""
    c = given or messages.SearchClaimCriteria()
    app_id = _text(c.application_id)
    sort_field = _text(c.sort_field) or "UpdateDate"
    claim_type = _text(c.claim_type)  # only the EL/PL contract declares it
    if sort_field not in SORT_FIELDS:
        raise InputInvalid(f"sort_field '{sort_field[:20]}' is not valid", field="sort_field")
    if claim_type is not None and claim_type not in CLAIM_TYPES:
        raise InputInvalid(f"claim_type '{claim_type[:5]}' is not valid", field="claim_type")
    found = q.SearchCriteria(
        application_id=wf.normalise_application_id(app_id) if app_id else None,
        cr_reference=_text(c.cr_reference_number),
        insurer_reference=_text(c.cm_reference_number),
        comp_branch=_branch(call, _text(c.branch_path)),
        phase=_text(c.phase_cache_id),
        created=_instants(_days(c.start_date_from, c.start_date_to)),
        sent=_days(c.sent_date_from, c.sent_date_to),
        dispatched=_instants(_days(c.dispatch_date_from, c.dispatch_date_to)),
        claim_type=claim_type,
        sort_field=sort_field,
        descending=(_text(c.sort_order) or "Desc") == "Desc",
    )
    if found == q.SearchCriteria(sort_field=sort_field, descending=found.descending):
        return q.SearchCriteria(
            updated_since=call.now - timedelta(days=RECENT_DAYS),
            sort_field=sort_field,
            descending=found.descending,
        )
    return found


def search(
    call: Call[Any], given: messages.SearchClaimCriteria | None
) -> tuple[Sequence[q.ListRow], bool]:
    """The matching claims (at most ``SEARCH_MAX``) and whether more matched."""
    rows = q.search(call.uow.session, scope(call), criteria(call, given), SEARCH_MAX + 1)
    return rows[:SEARCH_MAX], len(rows) > SEARCH_MAX


# ------------------------------------------------------------------------------------- rows
def _lock_holder(claim: q.ListRow, side: Side, now: datetime) -> str | None:
    """The user of ``side`` holding an unexpired lock on ``claim``."""
    user, at = (
        (claim.cr_lock_user, claim.cr_lock_at)
        if side is Side.CR
        else (claim.comp_lock_user, claim.comp_lock_at)
    )
    if not user or at is None:
        return None
    return user if now - as_utc(at) < timedelta(minutes=wf.LOCK_MINUTES) else None


def claim_row(claim: q.ListRow, side: Side, now: datetime) -> messages.Claim:
    """One ``claim`` list row (operations.md 2.2) as the caller's side sees it."""
    info = wf.claim_info(claim)
    lock_user = _lock_holder(claim, side, now)
    allocated = claim.cr_allocated_user if side is Side.CR else claim.comp_allocated_user
    return messages.Claim(
        activity_engine_guid=claim.guid,
        application_id=claim.application_id,
        application_references=f"{claim.cr_reference};{claim.insurer_reference or ''}",
        attachments_count=claim.attachments_count,
        creation_time=as_utc(claim.created_at),
        current_user_id=allocated or "",
        gdpr_claim_deleted=1 if claim.gdpr_deleted else 0,
        lock_status=1 if lock_user else 0,
        lock_user_id=lock_user or "",
        phase_cache_id=info.phase_cache_id,
        phase_cache_name=info.phase_cache_name,
        printable_documents_count=claim.documents_count,
        version_major=claim.version_major,
        version_minor=claim.version_minor,
        claim_type=claim.claim_type,  # written where the contract declares it (EL/PL)
    )
