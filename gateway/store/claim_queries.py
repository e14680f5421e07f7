"""The claim list queries: the worklist and the search, filtered, ordered and limited in SQL,
reading only the columns a list row shows.

Both start from the caller's ``Scope`` (service + the organisation column of the caller's side, so
``ix_claims_cr`` / ``ix_claims_comp`` lead the plan) narrowed by a compensator profile's branch or
phase restriction, and never load more rows than they return (plus one, to tell truncation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, func, not_, or_, select
from sqlalchemy.orm import Session

from gateway.store.models import Claim

ClaimQuery = Select[Any]

#: What a claim list row shows (operations.md 2.2): the lists read these columns, not whole
#: claims, because a worklist is up to 2,000 of them.
LIST_COLUMNS: tuple[Any, ...] = (
    Claim.id,
    Claim.application_id,
    Claim.service,
    Claim.phase,
    Claim.guid,
    Claim.cr_reference,
    Claim.insurer_reference,
    Claim.created_at,
    Claim.cr_allocated_user,
    Claim.comp_allocated_user,
    Claim.gdpr_deleted,
    Claim.cr_lock_user,
    Claim.cr_lock_at,
    Claim.comp_lock_user,
    Claim.comp_lock_at,
    Claim.version_major,
    Claim.version_minor,
    Claim.claim_type,
    Claim.attachments_count,
    Claim.documents_count,
)
ListRow = Row[Any]


@dataclass(frozen=True)
class Scope:
    """The claims a caller can see (security.md 3.3), as SQL-friendly facts.

    ``branch``: only claims at that compensator branch, unless their phase is in
    ``branch_or_phases`` (a dispatcher sees the Central Point and every pre-acceptance claim).
    """

    service: str
    side: str  # CR | COMP
    organisation_id: str
    branch: str | None = None
    branch_or_phases: frozenset[str] = frozenset()
    nothing: bool = False  # a compensator without a claims role of the service
    archive: bool = False  # also archived claims (security.md 6.2: ARCHIVE_SEARCH users)


@dataclass(frozen=True)
class Worklist:
    phases: frozenset[str]
    #: Claim handlers: only claims unallocated on their side or allocated to this user.
    unallocated_or_user: str | None = None


@dataclass(frozen=True)
class SearchCriteria:
    application_id: str | None = None
    cr_reference: str | None = None
    insurer_reference: str | None = None
    comp_branch: str | None = None
    phase: str | None = None
    created: tuple[datetime | None, datetime | None] = (None, None)  # [from, to)
    sent: tuple[date | None, date | None] = (None, None)  # inclusive
    dispatched: tuple[datetime | None, datetime | None] = (None, None)  # [from, to)
    claim_type: str | None = None
    updated_since: datetime | None = None
    sort_field: str = "UpdateDate"
    descending: bool = True


def _scoped(scope: Scope) -> ClaimQuery:
    query = select(*LIST_COLUMNS).where(Claim.service == scope.service)
    if not scope.archive:
        query = query.where(Claim.archived_at.is_(None))
    if scope.side == "CR":
        return query.where(Claim.cr_org_id == scope.organisation_id)
    query = query.where(Claim.comp_org_id == scope.organisation_id)
    if scope.nothing:
        return query.where(Claim.id.is_(None))
    if scope.branch is not None:
        at_branch: ColumnElement[bool] = Claim.comp_branch_id == scope.branch
        if scope.branch_or_phases:
            at_branch = or_(at_branch, Claim.phase.in_(sorted(scope.branch_or_phases)))
        query = query.where(at_branch)
    return query


def _allocated_column(side: str) -> Any:
    return Claim.cr_allocated_user if side == "CR" else Claim.comp_allocated_user


def worklist(session: Session, scope: Scope, wanted: Worklist, limit: int) -> Sequence[ListRow]:
    """Open, non-deleted claims in the worklist phases; deadline first (none last), then id."""
    # NOT ended AND NOT gdpr_deleted, written as the worklist indexes' predicate: PostgreSQL
    # proves a partial index usable only from the same form ("ended IS false" scans the table).
    query = _scoped(scope).where(
        Claim.phase.in_(sorted(wanted.phases)), not_(Claim.ended), not_(Claim.gdpr_deleted)
    )
    if wanted.unallocated_or_user is not None:
        column = _allocated_column(scope.side)
        query = query.where(or_(column.is_(None), column == wanted.unallocated_or_user))
    # Claims with a deadline first, in deadline order (the worklist index), then those without.
    dated = list(
        session.execute(
            query.where(Claim.deadline_date.is_not(None))
            .order_by(Claim.deadline_date, Claim.application_id)
            .limit(limit)
        ).all()
    )
    if len(dated) >= limit:
        return dated
    undated = session.execute(
        query.where(Claim.deadline_date.is_(None))
        .order_by(Claim.application_id)
        .limit(limit - len(dated))
    ).all()
    return dated + list(undated)


_SORT_COLUMNS: dict[str, Any] = {
    "StartDate": Claim.created_at,
    "UpdateDate": Claim.updated_at,
    "ApplicationId": Claim.application_id,
    "Priority": Claim.deadline_date,
    "DispatchDate": Claim.dispatched_at,
}


def _between(
    query: ClaimQuery, column: Any, bounds: tuple[Any, Any], upper_inclusive: bool
) -> ClaimQuery:
    low, high = bounds
    if low is not None:
        query = query.where(column >= low)
    if high is not None:
        query = query.where(column <= high if upper_inclusive else column < high)
    return query


def _filtered(query: ClaimQuery, c: SearchCriteria) -> ClaimQuery:
    if c.application_id is not None:
        query = query.where(Claim.application_id == c.application_id)
    if c.cr_reference is not None:
        query = query.where(Claim.cr_reference_key == c.cr_reference.lower())
    if c.insurer_reference is not None:
        query = query.where(func.lower(Claim.insurer_reference) == c.insurer_reference.lower())
    if c.comp_branch is not None:
        query = query.where(Claim.comp_branch_id == c.comp_branch)
    if c.phase is not None:
        query = query.where(Claim.phase == c.phase)
    if c.claim_type is not None:
        query = query.where(Claim.claim_type == c.claim_type)
    if c.updated_since is not None:
        query = query.where(Claim.updated_at >= c.updated_since)
    query = _between(query, Claim.created_at, c.created, upper_inclusive=False)
    query = _between(query, Claim.sent_date, c.sent, upper_inclusive=True)
    return _between(query, Claim.dispatched_at, c.dispatched, upper_inclusive=False)


def search(
    session: Session, scope: Scope, criteria: SearchCriteria, limit: int
) -> Sequence[ListRow]:
    """Every visible claim matching all criteria, in any phase, sorted as asked."""
    column = _SORT_COLUMNS[criteria.sort_field]
    order = column.desc() if criteria.descending else column.asc()
    if criteria.sort_field == "Priority":
        order = order.nulls_last()
    tie = Claim.application_id.desc() if criteria.descending else Claim.application_id.asc()
    query = _filtered(_scoped(scope), criteria).order_by(order, tie)
    return list(session.execute(query.limit(limit)).all())
