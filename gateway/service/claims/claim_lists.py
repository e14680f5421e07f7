"""The claim lists of operations.md 4.2: the worklist (``getClaimsList``) and the search
(``searchClaims``): the caller's scope and the criteria as store queries, and the ``claim`` rows
of operations.md 2.2."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from gateway.domain.deadlines import london_midnight
from gateway.domain.profiles import role_in
from gateway.domain.services import Service, Side
from gateway.errors import InputInvalid
from gateway.service.claims import workflow as wf
from gateway.service.claims.visibility import CENTRAL_POINT, PRE_ACCEPTANCE
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


def scope(call: Call) -> q.Scope:
    """The caller's visibility (security.md 3.3; the SQL twin of ``visibility.can_see``)."""
    who = call.who
    if who.side is Side.CR:
        return q.Scope(call.service.value, "CR", who.organisation_id)
    role = role_in(who.profiles, call.service)
    base = q.Scope(call.service.value, "COMP", who.organisation_id)
    if role in ("TL", "CH"):
        return base
    if role == "DISP":
        return q.Scope(base.service, "COMP", base.organisation_id, CENTRAL_POINT, PRE_ACCEPTANCE)
    if role == "BCH":
        return q.Scope(base.service, "COMP", base.organisation_id, who.branch_id or "")
    return q.Scope(base.service, "COMP", base.organisation_id, nothing=True)


# -------------------------------------------------------------------------------- worklist
def worklist(call: Call) -> tuple[Sequence[q.ListRow], bool]:
    """The asUser's worklist (at most ``WORKLIST_MAX``) and whether it was truncated."""
    side = call.who.side
    phases = frozenset(p.id for p in wf.lifecycle(call.service).phases if p.worklist is side)
    handler = role_in(call.who.profiles, call.service) in HANDLER_ROLES
    wanted = q.Worklist(phases, call.who.as_user_id if handler else None)
    rows = q.worklist(call.uow.session, scope(call), wanted, WORKLIST_MAX + 1)
    return rows[:WORKLIST_MAX], len(rows) > WORKLIST_MAX


# ---------------------------------------------------------------------------------- search
def _text(criteria: Mapping[str, Any], name: str) -> str | None:
    value = criteria.get(name)
    if value is None or not str(value).strip():
        return None
    return str(value).strip()


def _day(criteria: Mapping[str, Any], name: str) -> date | None:
    value = criteria.get(name)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise InputInvalid(f"searchClaimCriteria/{name}: not a dateTime", field=name)


def _days(criteria: Mapping[str, Any], prefix: str) -> tuple[date | None, date | None]:
    return _day(criteria, f"{prefix}From"), _day(criteria, f"{prefix}To")


def _instants(days: tuple[date | None, date | None]) -> tuple[datetime | None, datetime | None]:
    """An inclusive range of London days as a half-open range of UTC instants (UTC: SQLite
    compares the stored text, which is UTC)."""
    low, high = days
    return (
        london_midnight(low).astimezone(UTC) if low else None,
        london_midnight(high + timedelta(days=1)).astimezone(UTC) if high else None,
    )


def _branch(call: Call, path: str | None) -> str | None:
    if path is None or call.who.side is Side.CR:
        return None
    parts = [p for p in path.split("/") if p]
    if len(parts) == 2 and parts[0] != call.who.organisation_id:
        return NO_BRANCH  # another organisation's branch: nothing of ours is there
    return parts[-1] if parts else None


def criteria(call: Call, raw: Mapping[str, Any] | None) -> q.SearchCriteria:
    """``searchClaimCriteria`` as a store query; no criterion = updated in the last 30 days."""
    c = raw or {}
    app_id = _text(c, "applicationId")
    sort_field = _text(c, "sortField") or "UpdateDate"
    claim_type = _text(c, "claimType") if call.service is Service.ELPL else None
    if sort_field not in SORT_FIELDS:
        raise InputInvalid(f"sortField '{sort_field[:20]}' is not valid", field="sortField")
    if claim_type is not None and claim_type not in CLAIM_TYPES:
        raise InputInvalid(f"claimType '{claim_type[:5]}' is not valid", field="claimType")
    found = q.SearchCriteria(
        application_id=wf.normalise_application_id(app_id) if app_id else None,
        cr_reference=_text(c, "CRReferenceNumber"),
        insurer_reference=_text(c, "CMReferenceNumber"),
        comp_branch=_branch(call, _text(c, "branchPath")),
        phase=_text(c, "phaseCacheId"),
        created=_instants(_days(c, "startDate")),
        sent=_days(c, "sentDate"),
        dispatched=_instants(_days(c, "dispatchDate")),
        claim_type=claim_type,
        sort_field=sort_field,
        descending=(_text(c, "sortOrder") or "Desc") == "Desc",
    )
    if found == q.SearchCriteria(sort_field=sort_field, descending=found.descending):
        return q.SearchCriteria(
            updated_since=call.now - timedelta(days=RECENT_DAYS),
            sort_field=sort_field,
            descending=found.descending,
        )
    return found


def search(call: Call) -> tuple[Sequence[q.ListRow], bool]:
    """The matching claims (at most ``SEARCH_MAX``) and whether more matched."""
    raw = call.optional("searchClaimCriteria")
    if raw is not None and not isinstance(raw, Mapping):
        raise InputInvalid("searchClaimCriteria", field="searchClaimCriteria")
    rows = q.search(call.uow.session, scope(call), criteria(call, raw), SEARCH_MAX + 1)
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


def claim_row(claim: q.ListRow, side: Side, service: Service, now: datetime) -> dict[str, Any]:
    """One ``claim`` list row (operations.md 2.2) as the caller's side sees it."""
    info = wf.claim_info(claim)
    lock_user = _lock_holder(claim, side, now)
    allocated = claim.cr_allocated_user if side is Side.CR else claim.comp_allocated_user
    row: dict[str, Any] = {
        "activityEngineGuid": claim.guid,
        "applicationId": claim.application_id,
        "applicationReferences": f"{claim.cr_reference};{claim.insurer_reference or ''}",
        "attachmentsCount": 0,
        "creationTime": as_utc(claim.created_at),
        "currentUserID": allocated or "",
        "gdprClaimDeleted": 1 if claim.gdpr_deleted else 0,
        "lockStatus": 1 if lock_user else 0,
        "lockUserId": lock_user or "",
        "phaseCacheId": info["phaseCacheId"],
        "phaseCacheName": info["phaseCacheName"],
        "printableDocumentsCount": 0,
        "versionMajor": claim.version_major,
        "versionMinor": claim.version_minor,
    }
    if service is Service.ELPL:
        row["claimType"] = claim.claim_type
    return row
