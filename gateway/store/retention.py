"""The retention run's queries (security.md 6.2, 6.4): claims a rule selects, and their removal.

Every table keyed by a claim is found from the metadata (each foreign key to ``claims.id``), so a
table added later is purged with its claim without anyone remembering to list it here;
notifications, keyed by the applicationId, are the one addition. The journal and the message
store are not keyed by the claim and keep their entries (security.md 6.1).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Table, delete, func, select, update
from sqlalchemy.orm import Session

from gateway.store.models import Base, Claim, Notification


def claim_tables() -> list[Table]:
    """Every table with a foreign key to ``claims.id``, in a stable order."""
    claims = Base.metadata.tables["claims"]
    return sorted(
        (
            table
            for table in Base.metadata.tables.values()
            if any(fk.column.table is claims for fk in table.foreign_keys)
        ),
        key=lambda table: table.name,
    )


def _claim_column(table: Table) -> Any:
    claims = Base.metadata.tables["claims"]
    return next(fk.parent for fk in table.foreign_keys if fk.column.table is claims)


class Candidate(NamedTuple):
    """What a retention rule needs to know of a claim."""

    id: int
    application_id: str
    service: str
    phase: str
    end_date: date | None
    updated_at: datetime
    archived_at: datetime | None
    child_claim: bool
    claimant_birth_date: date | None


_CANDIDATE_COLUMNS: tuple[Any, ...] = (
    Claim.id,
    Claim.application_id,
    Claim.service,
    Claim.phase,
    Claim.end_date,
    Claim.updated_at,
    Claim.archived_at,
    Claim.child_claim,
    Claim.claimant_birth_date,
)


@dataclass(frozen=True)
class Selection:
    """The claims a rule may select, as SQL: a superset of those it takes (the rule decides each
    one exactly); ``phases`` and at most one of the bounds."""

    phases: frozenset[str]
    ended_on_or_before: date | None = None
    updated_before: datetime | None = None
    archived_before: datetime | None = None
    archived: bool | None = None  # True: archived only; False: not archived only
    #: Child claims only if born on or before this day (None: child claims are not held back).
    child_born_on_or_before: date | None = None

    def where(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = [Claim.phase.in_(sorted(self.phases))]
        if self.ended_on_or_before is not None:
            found.append(Claim.end_date <= self.ended_on_or_before)
        if self.updated_before is not None:
            found.append(Claim.updated_at < self.updated_before)
        if self.archived_before is not None:
            found.append(Claim.archived_at < self.archived_before)
        if self.archived is True:
            found.append(Claim.archived_at.is_not(None))
        elif self.archived is False:
            found.append(Claim.archived_at.is_(None))
        if self.child_born_on_or_before is not None:
            found.append(
                (Claim.child_claim.is_(False))
                | (Claim.claimant_birth_date <= self.child_born_on_or_before)
            )
        return found


class RetentionStore:
    """The retention queries over one session owned by the caller's unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def candidates(
        self, selection: Selection, after_id: int, limit: int, *, lock: bool
    ) -> Sequence[Candidate]:
        """Up to ``limit`` claims of ``selection`` with an id above ``after_id``, in id order;
        ``lock``: row-locked, skipping those a request holds (PostgreSQL; SQLite's writer lock
        already keeps everyone else out)."""
        query = (
            select(*_CANDIDATE_COLUMNS)
            .where(Claim.id > after_id, *selection.where())
            .order_by(Claim.id)
            .limit(limit)
        )
        if lock:
            query = query.with_for_update(skip_locked=True)
        return [Candidate(*row) for row in self.session.execute(query)]

    def all_candidates(self, selection: Selection, page: int = 1000) -> Iterator[Candidate]:
        """Every claim of ``selection``, page by page (a dry run: nothing locked)."""
        after = 0
        while True:
            rows = self.candidates(selection, after, page, lock=False)
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1].id

    def purge(self, claims: Sequence[Candidate]) -> dict[str, int]:
        """Delete ``claims`` and every row keyed by them. Returns rows deleted per table."""
        ids = [c.id for c in claims]
        deleted: dict[str, int] = {}
        if not ids:
            return deleted
        for table in claim_tables():
            result = self.session.execute(delete(table).where(_claim_column(table).in_(ids)))
            deleted[table.name] = int(getattr(result, "rowcount", 0) or 0)
        result = self.session.execute(
            delete(Notification).where(
                Notification.application_id.in_([c.application_id for c in claims])
            )
        )
        deleted["notifications"] = int(getattr(result, "rowcount", 0) or 0)
        result = self.session.execute(delete(Claim).where(Claim.id.in_(ids)))
        deleted["claims"] = int(getattr(result, "rowcount", 0) or 0)
        return deleted

    def archive(self, claims: Sequence[Candidate], at: datetime) -> int:
        result = self.session.execute(
            update(Claim)
            .where(Claim.id.in_([c.id for c in claims]), Claim.archived_at.is_(None))
            .values(archived_at=at)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def purge_notifications(self, created_before: datetime, limit: int) -> int:
        """Delete up to ``limit`` notifications created before ``created_before``."""
        oldest = (
            select(Notification.guid)
            .where(Notification.created_at < created_before)
            .order_by(Notification.created_at)
            .limit(limit)
        )
        guids = list(self.session.scalars(oldest))
        if not guids:
            return 0
        result = self.session.execute(delete(Notification).where(Notification.guid.in_(guids)))
        return int(getattr(result, "rowcount", 0) or 0)

    def count_notifications(self, created_before: datetime) -> int:
        query = select(func.count()).where(Notification.created_at < created_before)
        return int(self.session.scalar(query) or 0)

    def inactive(self, updated_before: datetime, limit: int) -> Sequence[Any]:
        """Claims in an active phase without activity since ``updated_before``, oldest first:
        (applicationId, service, phase, CR organisation, compensator, last activity)."""
        query = (
            select(
                Claim.application_id,
                Claim.service,
                Claim.phase,
                Claim.cr_org_id,
                Claim.comp_org_id,
                Claim.updated_at,
            )
            .where(Claim.updated_at < updated_before, Claim.ended.is_(False))
            .order_by(Claim.updated_at, Claim.id)
            .limit(limit)
        )
        return list(self.session.execute(query))
