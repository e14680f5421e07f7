"""The queries of the operator functions (``gateway.service.operator``): claims to transfer, the
transfers a claim went through, the audit report's journal stream, account upkeep, the Insurer
Index and compensator links, and the deployment-wide settings the operator changes.

Each function takes the unit of work's session; none commits.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, exists, func, or_, select, union
from sqlalchemy.orm import Session

from gateway.store.driver import DriverStatement
from gateway.store.models import (
    Claim,
    ClaimAttachment,
    ClaimTransfer,
    CompensatorLink,
    FormerUser,
    InsurerIndexEntry,
    JournalEntry,
    Notification,
    PasswordHistory,
    SystemSetting,
    Token,
    TokenFamily,
    User,
)


# --------------------------------------------------------------------------- claims, transfers
def side_column(side: str) -> Any:
    """The claim column naming the organisation of ``side`` (CR | COMP)."""
    return Claim.cr_org_id if side == "CR" else Claim.comp_org_id


def active_claims_of(
    session: Session,
    side: str,
    organisation_id: str,
    after_id: int,
    limit: int,
    service: str | None = None,
) -> Sequence[Claim]:
    """The next ``limit`` claims (id above ``after_id``) of which ``organisation_id`` is the
    ``side`` party, not ended and not deleted, row-locked, in id order."""
    query = select(Claim).where(
        side_column(side) == organisation_id,
        Claim.ended.is_(False),
        Claim.gdpr_deleted.is_(False),
        Claim.id > after_id,
    )
    if service is not None:
        query = query.where(Claim.service == service)
    return session.scalars(query.order_by(Claim.id).limit(limit).with_for_update()).all()


def claims_by_application_id(session: Session, application_ids: Collection[str]) -> list[Claim]:
    """The claims named (row-locked, in id order); ids without a claim are left out."""
    if not application_ids:
        return []
    query = select(Claim).where(Claim.application_id.in_(sorted(application_ids)))
    return list(session.scalars(query.order_by(Claim.id).with_for_update()).all())


def count_active_claims_of(
    session: Session, side: str, organisation_id: str, service: str | None = None
) -> int:
    query = (
        select(func.count())
        .select_from(Claim)
        .where(
            side_column(side) == organisation_id,
            Claim.ended.is_(False),
            Claim.gdpr_deleted.is_(False),
        )
    )
    if service is not None:
        query = query.where(Claim.service == service)
    return int(session.scalar(query) or 0)


def add_transfer(session: Session, **values: Any) -> None:
    session.add(ClaimTransfer(**values))


def transfers_of(session: Session, claim_id: int) -> list[tuple[str, str]]:
    """(transfer id, description) of each move of the claim, oldest first."""
    query = (
        select(ClaimTransfer.transfer_id, ClaimTransfer.description)
        .where(ClaimTransfer.claim_id == claim_id)
        .order_by(ClaimTransfer.at, ClaimTransfer.id)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


# -------------------------------------------------------------------------------- audit report
#: The journal columns of an audit report row, in the order the report prints them.
AUDIT_COLUMNS: tuple[str, ...] = (
    "at",
    "correlation_id",
    "service",
    "operation",
    "user_id",
    "as_user_id",
    "actor",
    "client_id",
    "source_ip",
    "application_id",
    "phase_before",
    "phase_after",
    "outcome",
    "error_key",
    "transition",
)


@dataclass(frozen=True)
class AuditFilter:
    """Which journal entries an audit report lists: those made by a user of ``organisation_id``
    (as A2A user, as asUser or as the actor of an operator function) in [start, end)."""

    organisation_id: str | None  # None: every organisation (the platform operator)
    start: datetime
    end: datetime
    user_id: str | None = None
    application_id: str | None = None
    operation: str | None = None
    claims_only: bool = True  # only requests that named a claim (or listed claims)


def _members(organisation_id: str) -> Any:
    """The user ids of an organisation, the deleted accounts' included."""
    return union(
        select(User.user_id).where(User.organisation_id == organisation_id),
        select(FormerUser.user_id).where(FormerUser.organisation_id == organisation_id),
    ).subquery()


def audit_query(f: AuditFilter, list_operations: Collection[str]) -> Any:
    j = JournalEntry
    query = select(*(getattr(j, name) for name in AUDIT_COLUMNS)).where(
        j.at >= f.start, j.at < f.end
    )
    if f.organisation_id is not None:
        members = select(_members(f.organisation_id).c.user_id)
        query = query.where(
            or_(j.as_user_id.in_(members), j.user_id.in_(members), j.actor.in_(members))
        )
    if f.user_id:
        query = query.where(
            or_(j.user_id == f.user_id, j.as_user_id == f.user_id, j.actor == f.user_id)
        )
    if f.application_id:
        query = query.where(j.application_id == f.application_id)
    if f.operation:
        query = query.where(j.operation == f.operation)
    if f.claims_only:
        query = query.where(
            or_(j.application_id.is_not(None), j.operation.in_(sorted(list_operations)))
        )
    return query.order_by(j.at, j.id)


def stream_audit(
    session: Session, f: AuditFilter, list_operations: Collection[str], batch: int = 1000
) -> Iterator[Row[Any]]:
    """The report's journal rows, fetched ``batch`` at a time through a server-side cursor
    (PostgreSQL; SQLite steps its cursor lazily): never the whole range in memory."""
    result = session.execute(
        audit_query(f, list_operations), execution_options={"yield_per": batch}
    )
    try:
        yield from result
    finally:
        result.close()


# ----------------------------------------------------------------------------------- accounts
def users_referred_by_claims(session: Session, user_ids: Collection[str]) -> set[str]:
    """Those of ``user_ids`` that a claim refers to (allocated, holding a lock, having added an
    attachment): such accounts are kept disabled instead of being deleted."""
    if not user_ids:
        return set()
    wanted = sorted(user_ids)
    found: set[str] = set()
    for column in (
        Claim.cr_allocated_user,
        Claim.comp_allocated_user,
        Claim.cr_lock_user,
        Claim.comp_lock_user,
    ):
        found.update(session.scalars(select(column).where(column.in_(wanted)).distinct()))
    found.update(
        session.scalars(
            select(ClaimAttachment.user_id).where(ClaimAttachment.user_id.in_(wanted)).distinct()
        )
    )
    return found


def delete_account(session: Session, user: User, at: datetime) -> None:
    """Delete the account and what hangs on it (tokens, password history, notifications); its id
    is kept with its organisation in ``former_users``."""
    families = select(TokenFamily.family_id).where(
        or_(TokenFamily.user_id == user.user_id, TokenFamily.as_user_id == user.user_id)
    )
    session.execute(delete(Token).where(Token.family_id.in_(families)))
    session.execute(
        delete(TokenFamily).where(
            or_(TokenFamily.user_id == user.user_id, TokenFamily.as_user_id == user.user_id)
        )
    )
    session.execute(delete(PasswordHistory).where(PasswordHistory.user_id == user.user_id))
    session.execute(delete(Notification).where(Notification.user_id == user.user_id))
    if session.get(FormerUser, user.user_id) is None:
        session.add(
            FormerUser(user_id=user.user_id, organisation_id=user.organisation_id, deleted_at=at)
        )
    session.delete(user)


def is_former_user(session: Session, user_id: str) -> bool:
    return bool(session.scalar(select(exists().where(FormerUser.user_id == user_id))))


# ------------------------------------------------------------------ Insurer Index and links
def insurer_index(session: Session) -> Sequence[InsurerIndexEntry]:
    return session.scalars(select(InsurerIndexEntry).order_by(InsurerIndexEntry.insurer_name)).all()


def remove_index_entry(session: Session, insurer_name: str) -> bool:
    result = session.execute(
        delete(InsurerIndexEntry).where(InsurerIndexEntry.insurer_name == insurer_name)
    )
    return bool(getattr(result, "rowcount", 0))


def links(session: Session) -> list[tuple[str, str]]:
    query = select(CompensatorLink.organisation_id, CompensatorLink.linked_organisation_id)
    return [(a, b) for a, b in session.execute(query.order_by(CompensatorLink.organisation_id))]


def unlink(session: Session, organisation_id: str, other_id: str) -> bool:
    """Remove the link between the two compensators, whichever way it was recorded."""
    result = session.execute(
        delete(CompensatorLink).where(
            or_(
                (CompensatorLink.organisation_id == organisation_id)
                & (CompensatorLink.linked_organisation_id == other_id),
                (CompensatorLink.organisation_id == other_id)
                & (CompensatorLink.linked_organisation_id == organisation_id),
            )
        )
    )
    return bool(getattr(result, "rowcount", 0))


# ---------------------------------------------------------------------------------- settings
_SETTINGS_LIKE = DriverStatement(
    select(SystemSetting.key, SystemSetting.value).where(
        SystemSetting.key.like(bindparam("pattern"), escape="/")
    )
)


def settings_with_prefix(session: Session, prefix: str) -> dict[str, str]:
    """The settings whose key starts with ``prefix``. Every request of a release-dependent
    operation asks (``getSystemProcessVersion`` included), so it runs on the driver
    (``gateway.store.driver``); the session's own pending changes are flushed first, as the
    ORM's autoflush would."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    pattern = prefix.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    return {str(k): str(v) for k, v in _SETTINGS_LIKE.rows(session, {"pattern": pattern})}


def put_setting(session: Session, key: str, value: str | None) -> bool:
    """Set (None: remove) a deployment-wide setting; whether anything changed."""
    row = session.get(SystemSetting, key)
    if value is None:
        if row is None:
            return False
        session.delete(row)
        return True
    if row is None:
        session.add(SystemSetting(key=key, value=value))
        return True
    if row.value == value:
        return False
    row.value = value
    return True
