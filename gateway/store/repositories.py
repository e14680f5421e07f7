"""Repositories: the queries of each aggregate, over one SQLAlchemy session owned by the caller."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import String, bindparam, delete, func, insert, or_, select, text, update
from sqlalchemy.orm import Session, aliased

from gateway.store.db import SNAPSHOT_OPTION
from gateway.store.driver import DriverStatement
from gateway.store.models import (
    BankHoliday,
    Branch,
    Claim,
    ClaimAttachment,
    ClaimPack,
    ClaimTimer,
    CompensatorLink,
    Hospital,
    InsurerIndexEntry,
    JournalEntry,
    Notification,
    Organisation,
    PasswordHistory,
    StoredMessage,
    Token,
    TokenFamily,
    User,
)
from gateway.store.write_behind import WriteBehind


class AccountView(NamedTuple):
    """The columns of a user that an access-token check reads: plain values, no ORM instance,
    because every authenticated request reads two of them."""

    user_id: str
    organisation_id: str
    branch_id: str | None
    profiles: str
    enabled: bool
    password_expires_at: datetime | None
    locked_until: datetime | None
    created_at: datetime
    account_expires_at: datetime | None
    last_auth_at: datetime | None


class OrganisationView(NamedTuple):
    organisation_id: str
    kind: str
    active: bool
    name: str


class AccessRow(NamedTuple):
    """An access token with its family, both users and the asUser's organisation."""

    kind: str
    expires_at: datetime
    family_id: str
    client_id: str | None
    revoked_at: datetime | None
    user: AccountView
    as_user: AccountView
    organisation: OrganisationView


def _access_query() -> Any:
    # Built once: aliases made per call would defeat SQLAlchemy's statement cache (hot path).
    a2a, as_user = aliased(User, name="a2a_user"), aliased(User, name="as_user")
    org = Organisation
    return (
        select(
            Token.kind,
            Token.expires_at,
            TokenFamily.family_id,
            TokenFamily.client_id,
            TokenFamily.revoked_at,
            *(getattr(a2a, name) for name in AccountView._fields),
            *(getattr(as_user, name) for name in AccountView._fields),
            *(getattr(org, name) for name in OrganisationView._fields),
        )
        .join(TokenFamily, TokenFamily.family_id == Token.family_id)
        .join(a2a, a2a.user_id == TokenFamily.user_id)
        .join(as_user, as_user.user_id == TokenFamily.as_user_id)
        .join(org, org.organisation_id == as_user.organisation_id)
        .where(Token.token_hash == bindparam("token_hash"))
    )


_ACCESS_QUERY = _access_query()
_JOURNAL_COLUMNS = tuple(c.key for c in JournalEntry.__table__.columns if c.key != "id")
_MESSAGE_COLUMNS = tuple(c.key for c in StoredMessage.__table__.columns)
# PostgreSQL: both rows in one statement (one round trip per request, not two).
_JOURNAL_AND_MESSAGE_PG = (
    insert(StoredMessage.__table__)  # type: ignore[arg-type]
    .values({key: bindparam(f"m_{key}") for key in _MESSAGE_COLUMNS})
    .add_cte(
        insert(JournalEntry.__table__)  # type: ignore[arg-type]
        .values({key: bindparam(f"j_{key}") for key in _JOURNAL_COLUMNS})
        .cte("journal_entry")
    )
)
_users, _claims = User.__table__, Claim.__table__
# The token check and the journal entry run on every request: straight on the driver.
_ACCESS = DriverStatement(_ACCESS_QUERY)
_JOURNAL_AND_MESSAGE = DriverStatement(_JOURNAL_AND_MESSAGE_PG)
_JOURNAL = DriverStatement(
    insert(JournalEntry.__table__).values(  # type: ignore[arg-type]
        {key: bindparam(key) for key in _JOURNAL_COLUMNS}
    )
)
_MESSAGE = DriverStatement(
    insert(StoredMessage.__table__).values(  # type: ignore[arg-type]
        {key: bindparam(key) for key in _MESSAGE_COLUMNS}
    )
)


#: The rows a workflow step adds beside its claim (the write-behind writes each table's at once).
#: ``inline()``: no RETURNING of the new row's id, which nothing reads (and which would make a
#: single row wait for its answer inside the commit's pipeline, ``UnitOfWork.commit``).
_PACK_INSERT = insert(ClaimPack.__table__).inline()  # type: ignore[arg-type]
_TIMER_INSERT = insert(ClaimTimer.__table__).inline()  # type: ignore[arg-type]
_NOTIFICATION_INSERT = insert(Notification.__table__).inline()  # type: ignore[arg-type]
_REACHABLE = (
    select(_users.c.user_id, _users.c.profiles, _users.c.branch_id)
    .where(_users.c.organisation_id == bindparam("organisation"), _users.c.enabled.is_(True))
    .order_by(_users.c.user_id)
)
#: Read by every request that computes a deadline: on the driver (``gateway.store.driver``).
_HOLIDAYS = DriverStatement(
    select(BankHoliday.__table__.c.day, BankHoliday.__table__.c.title).order_by(
        BankHoliday.__table__.c.day
    )
)
_REFERENCE_IN_USE = (
    select(_claims.c.id)
    .where(
        _claims.c.service == bindparam("service"),
        _claims.c.cr_org_id == bindparam("cr_org"),
        _claims.c.cr_reference_key == bindparam("reference"),
        _claims.c.ended.is_(False),
        _claims.c.id != bindparam("except_claim"),
    )
    .limit(1)
)
_orgs = Organisation.__table__
_ORGANISATION_SUMMARY = select(
    _orgs.c.organisation_id,
    _orgs.c.kind,
    _orgs.c.name,
    _orgs.c.active,
    _orgs.c.rta_enabled,
    _orgs.c.elpl_enabled,
    _orgs.c.compensator_type,
).where(_orgs.c.organisation_id == bindparam("organisation"))
# SQLite: the counter row, never below the highest id (a claim written by another path, a bulk
# load or a restore, is not given out twice either); it never goes back when claims are purged.
_NEXT_CLAIM_ID = text(
    "UPDATE id_counters SET value = MAX(value, (SELECT COALESCE(MAX(id), 0) FROM claims)) + 1 "
    "WHERE name = 'claims' RETURNING value"
)
_NEXT_CLAIM_ID_PG = text("SELECT nextval(pg_get_serial_sequence('claims', 'id'))")
_HOLD_REFERENCE_PG = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
_TOUCH = (
    update(User.__table__)  # type: ignore[arg-type]
    .where(User.__table__.c.user_id == bindparam("touched_user"))
    .values(last_auth_at=bindparam("touched_at"))
)


class OrganisationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, organisation_id: str) -> Organisation | None:
        return self.session.get(Organisation, organisation_id)

    def summary(self, organisation_id: str) -> Any:
        """(organisation_id, kind, name, active, rta_enabled, elpl_enabled, compensator_type)
        as a plain row, or None: what a workflow step reads of a party."""
        return (
            self.session.connection()
            .execute(_ORGANISATION_SUMMARY, {"organisation": organisation_id})
            .first()
        )

    def add(self, organisation: Organisation) -> None:
        self.session.add(organisation)

    def all(self) -> Sequence[Organisation]:
        return self.session.scalars(
            select(Organisation).order_by(Organisation.organisation_id)
        ).all()

    def branches(self, organisation_id: str) -> Sequence[Branch]:
        return self.session.scalars(
            select(Branch)
            .where(Branch.organisation_id == organisation_id)
            .order_by(Branch.branch_id)
        ).all()

    def branch(self, organisation_id: str, branch_id: str) -> Branch | None:
        return self.session.scalars(
            select(Branch).where(
                Branch.organisation_id == organisation_id, Branch.branch_id == branch_id
            )
        ).first()

    def add_branch(self, branch: Branch) -> None:
        self.session.add(branch)

    def compensators(
        self, service_column: str, compensator_type: str | None, name_part: str | None
    ) -> Sequence[Organisation]:
        query = select(Organisation).where(
            Organisation.kind == "COMP",
            Organisation.active.is_(True),
            getattr(Organisation, service_column).is_(True),
        )
        if compensator_type:
            query = query.where(Organisation.compensator_type == compensator_type)
        if name_part:
            query = query.where(
                func.lower(Organisation.name).contains(name_part.lower(), autoescape=True)
            )
        return self.session.scalars(query.order_by(Organisation.name)).all()

    def insurer_index(
        self, service_column: str, compensator_type: str | None, name_part: str | None
    ) -> Sequence[tuple[InsurerIndexEntry, Organisation]]:
        query = (
            select(InsurerIndexEntry, Organisation)
            .join(Organisation, Organisation.organisation_id == InsurerIndexEntry.organisation_id)
            .where(Organisation.active.is_(True), getattr(Organisation, service_column).is_(True))
        )
        if compensator_type:
            query = query.where(Organisation.compensator_type == compensator_type)
        if name_part:
            query = query.where(
                func.lower(InsurerIndexEntry.insurer_name).contains(
                    name_part.lower(), autoescape=True
                )
            )
        rows = self.session.execute(query.order_by(InsurerIndexEntry.insurer_name)).all()
        return [(row[0], row[1]) for row in rows]

    def add_index_entry(self, entry: InsurerIndexEntry) -> None:
        self.session.add(entry)

    def index_entry(self, insurer_name: str) -> InsurerIndexEntry | None:
        return self.session.scalars(
            select(InsurerIndexEntry).where(InsurerIndexEntry.insurer_name == insurer_name)
        ).first()

    def link(self, organisation_id: str, linked_id: str) -> None:
        exists = self.session.scalars(
            select(CompensatorLink).where(
                CompensatorLink.organisation_id == organisation_id,
                CompensatorLink.linked_organisation_id == linked_id,
            )
        ).first()
        if exists is None:
            self.session.add(
                CompensatorLink(organisation_id=organisation_id, linked_organisation_id=linked_id)
            )

    def linked(self, organisation_id: str, other_id: str) -> bool:
        return (
            self.session.scalars(
                select(CompensatorLink.id).where(
                    or_(
                        (CompensatorLink.organisation_id == organisation_id)
                        & (CompensatorLink.linked_organisation_id == other_id),
                        (CompensatorLink.organisation_id == other_id)
                        & (CompensatorLink.linked_organisation_id == organisation_id),
                    )
                )
            ).first()
            is not None
        )


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: str) -> User | None:
        return self.session.get(User, user_id)

    def get_for_update(self, user_id: str) -> User | None:
        return self.session.scalars(
            select(User).where(User.user_id == user_id).with_for_update()
        ).first()

    def add(self, user: User) -> None:
        self.session.add(user)

    def reachable_of(self, organisation_id: str) -> Sequence[Any]:
        """The enabled users of an organisation as rows of (user_id, profiles, branch_id): who
        may receive a claim's notification (plain rows: every workflow step asks)."""
        return (
            self.session.connection().execute(_REACHABLE, {"organisation": organisation_id}).all()
        )

    def of_organisation(self, organisation_id: str) -> Sequence[User]:
        return self.session.scalars(
            select(User).where(User.organisation_id == organisation_id).order_by(User.user_id)
        ).all()

    def all(self) -> Sequence[User]:
        return self.session.scalars(select(User).order_by(User.organisation_id, User.user_id)).all()

    def password_history(self, user_id: str, limit: int) -> Sequence[str]:
        return self.session.scalars(
            select(PasswordHistory.password_hash)
            .where(PasswordHistory.user_id == user_id)
            .order_by(PasswordHistory.set_at.desc(), PasswordHistory.id.desc())
            .limit(limit)
        ).all()

    def touch(self, user_id: str, at: datetime) -> None:
        """Record a successful authentication (the inactivity rule of security.md 2.1)."""
        self.session.connection().execute(_TOUCH, {"touched_user": user_id, "touched_at": at})

    def add_history(self, user_id: str, password_hash: str, at: datetime) -> None:
        self.session.add(PasswordHistory(user_id=user_id, password_hash=password_hash, set_at=at))


class TokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_family(self, family: TokenFamily) -> None:
        self.session.add(family)
        self.session.flush()  # tokens reference it; the models declare no relationship order

    def add(self, token: Token) -> None:
        self.session.add(token)

    def access_row(self, token_hash: str) -> AccessRow | None:
        """Everything an access-token check needs, in one query: token, family, both users and
        the asUser's organisation (None when the token is unknown)."""
        rows = _ACCESS.rows(self.session, {"token_hash": token_hash})
        if not rows:
            return None
        row = rows[0]
        width = len(AccountView._fields)
        kind, expires_at, family_id, client_id, revoked_at = row[:5]
        return AccessRow(
            kind,
            expires_at,
            family_id,
            client_id,
            revoked_at,
            AccountView(*row[5 : 5 + width]),
            AccountView(*row[5 + width : 5 + 2 * width]),
            OrganisationView(*row[5 + 2 * width :]),
        )

    def find(self, token_hash: str) -> tuple[Token, TokenFamily] | None:
        row = self.session.execute(
            select(Token, TokenFamily)
            .join(TokenFamily, TokenFamily.family_id == Token.family_id)
            .where(Token.token_hash == token_hash)
        ).first()
        return None if row is None else (row[0], row[1])

    def find_for_update(self, token_hash: str) -> Token | None:
        return self.session.scalars(
            select(Token).where(Token.token_hash == token_hash).with_for_update()
        ).first()

    def family(self, family_id: str) -> TokenFamily | None:
        return self.session.get(TokenFamily, family_id)

    def live_families(self, user_id: str, as_user_id: str) -> Sequence[TokenFamily]:
        return self.session.scalars(
            select(TokenFamily)
            .where(
                TokenFamily.user_id == user_id,
                TokenFamily.as_user_id == as_user_id,
                TokenFamily.revoked_at.is_(None),
            )
            .order_by(TokenFamily.created_at, TokenFamily.family_id)
        ).all()

    def revoke_family(self, family_id: str, at: datetime) -> None:
        self.session.execute(
            update(TokenFamily)
            .where(TokenFamily.family_id == family_id, TokenFamily.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    def revoke_user(self, user_id: str, at: datetime) -> None:
        self.session.execute(
            update(TokenFamily)
            .where(TokenFamily.user_id == user_id, TokenFamily.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    def purge_expired(self, before: datetime) -> int:
        result = self.session.execute(delete(Token).where(Token.expires_at < before))
        return int(getattr(result, "rowcount", 0) or 0)


def _lengths(table: Any) -> dict[str, int]:
    return {
        column.name: column.type.length
        for column in table.columns
        if isinstance(column.type, String) and column.type.length
    }


_JOURNAL_LENGTHS = _lengths(JournalEntry.__table__)
_MESSAGE_LENGTHS = _lengths(StoredMessage.__table__)


def _fitted(row: dict[str, object], lengths: Mapping[str, int]) -> dict[str, object]:
    """``row`` with every text cut to its column's length: whatever a request carried (a caller's
    over-long user id, a fault's reason), its journal entry is written (security.md 6.1)."""
    over = {
        key: value[:length]
        for key, length in lengths.items()
        if isinstance(value := row.get(key), str) and len(value) > length
    }
    return {**row, **over} if over else row


class JournalRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def append(self, entry: dict[str, object], message: dict[str, object]) -> None:
        """Append a journal entry and its stored message (Core inserts: this is the hot path).
        ``entry`` has every column of the journal but its id, ``message`` every column of the
        message store."""
        entry, message = _fitted(entry, _JOURNAL_LENGTHS), _fitted(message, _MESSAGE_LENGTHS)
        conn = self.session.connection()
        if conn.dialect.name == "postgresql":
            _JOURNAL_AND_MESSAGE.on(
                conn,
                {
                    **{f"j_{key}": entry[key] for key in _JOURNAL_COLUMNS},
                    **{f"m_{key}": message[key] for key in _MESSAGE_COLUMNS},
                },
            )
            return
        _JOURNAL.on(conn, entry)
        _MESSAGE.on(conn, message)

    def message(self, correlation_id: str) -> StoredMessage | None:
        return self.session.get(StoredMessage, correlation_id)

    def by_correlation(self, correlation_id: str) -> JournalEntry | None:
        return self.session.scalars(
            select(JournalEntry).where(JournalEntry.correlation_id == correlation_id)
        ).first()

    def search(
        self,
        *,
        user_id: str | None = None,
        application_id: str | None = None,
        operation: str | None = None,
        outcome: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> Sequence[JournalEntry]:
        query = select(JournalEntry)
        if user_id:
            query = query.where(
                or_(JournalEntry.user_id == user_id, JournalEntry.as_user_id == user_id)
            )
        if application_id:
            query = query.where(JournalEntry.application_id == application_id)
        if operation:
            query = query.where(JournalEntry.operation == operation)
        if outcome:
            query = query.where(JournalEntry.outcome == outcome)
        if since:
            query = query.where(JournalEntry.at >= since)
        if until:
            query = query.where(JournalEntry.at <= until)
        return self.session.scalars(query.order_by(JournalEntry.id.desc()).limit(limit)).all()

    def purge_messages(self, now: datetime) -> int:
        result = self.session.execute(delete(StoredMessage).where(StoredMessage.expires_at < now))
        return int(getattr(result, "rowcount", 0) or 0)


class HospitalRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def replace_all(self, hospitals: Sequence[Hospital]) -> None:
        self.session.execute(delete(Hospital))
        self.session.add_all(hospitals)

    def count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(Hospital)) or 0)

    def search(
        self, name_part: str | None, postcode_prefix: str | None, limit: int
    ) -> Sequence[Hospital]:
        query = select(Hospital)
        if name_part:
            query = query.where(
                func.lower(Hospital.name).contains(name_part.lower(), autoescape=True)
            )
        if postcode_prefix:
            compact = postcode_prefix.replace(" ", "").upper()
            query = query.where(
                func.replace(func.upper(Hospital.post_code), " ", "").startswith(
                    compact, autoescape=True
                )
            )
        return self.session.scalars(query.order_by(Hospital.name).limit(limit)).all()


class AttachmentView(NamedTuple):
    """An attachment's row without its bytes."""

    id: int
    guid: str
    claim_id: int
    file_name: str
    title: str
    description: str | None
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    organisation_id: str
    user_id: str


_ATTACHMENT_COLUMNS = tuple(getattr(ClaimAttachment, name) for name in AttachmentView._fields)


class ClaimRepository:
    """Claims through the ORM, but written cheaply: a new claim, and the rows a step adds beside
    a claim (packs, timers, notifications), go to the unit of work's write-behind
    (``gateway.store.write_behind``), which writes them with Core inserts, the claims first,
    before any statement that reads or changes their tables and at commit. A query here (or
    anywhere on the session) sees them without asking for it."""

    def __init__(self, session: Session, writes: WriteBehind) -> None:
        self.session = session
        self._writes = writes
        self._held: set[str] = set()

    def add(self, claim: Claim) -> None:
        """Add ``claim`` with the next id and its applicationId (the id, 16 digits), known at
        once; an id is never given out twice, even after the claim holding it was purged. The
        row is written, as the claim then stands, by the write-behind (at commit, or before a
        statement that reads claims), ahead of its packs, timers and notifications; the claim
        then belongs to the session, and later changes to it are UPDATEs.
        """
        conn = self.session.connection()
        if conn.dialect.name == "postgresql":  # a sequence: no lock held until commit
            claim.id = conn.execute(_NEXT_CLAIM_ID_PG).scalar_one()
        else:  # SQLite: this transaction began IMMEDIATE, it is the only writer
            # (a claim added before, still pending, is written first: it reads claims)
            claim.id = conn.execute(_NEXT_CLAIM_ID).scalar_one()
        claim.application_id = f"{claim.id:016d}"
        self._writes.add_object(claim)

    def get(self, application_id: str) -> Claim | None:
        return self.session.scalars(
            select(Claim).where(Claim.application_id == application_id)
        ).first()

    def get_by_id(self, claim_id: int) -> Claim | None:
        return self.session.get(Claim, claim_id)

    def lock_if_free(self, claim_id: int) -> Claim | None:
        """The claim row, locked; None while another transaction holds it (SKIP LOCKED)."""
        return self.session.get(Claim, claim_id, with_for_update={"skip_locked": True})

    def get_for_update(self, application_id: str) -> Claim | None:
        return self.session.scalars(
            select(Claim).where(Claim.application_id == application_id).with_for_update()
        ).first()

    def reference_in_use(
        self, service: str, cr_org_id: str, reference: str, except_claim: int | None = None
    ) -> bool:
        found = (
            self.session.connection()
            .execute(
                _REFERENCE_IN_USE,
                {
                    "service": service,
                    "cr_org": cr_org_id,
                    "reference": reference.lower(),
                    "except_claim": -1 if except_claim is None else except_claim,
                },
            )
            .first()
        )
        return found is not None

    def hold_reference(self, service: str, cr_org_id: str, reference: str) -> None:
        """Hold an organisation's claim reference until this transaction ends, so that two
        requests cannot both find it free and both use it. PostgreSQL: a transaction-level
        advisory lock on the reference; SQLite: the writer lock, once the unit of work writes
        (in its read snapshot nothing is held)."""
        key = _reference_key(service, cr_org_id, reference)
        conn = self.session.connection()
        if conn.dialect.name == "postgresql":
            if key not in self._held:
                conn.execute(_HOLD_REFERENCE_PG, {"key": key})
        elif conn.get_execution_options().get(SNAPSHOT_OPTION):
            return
        self._held.add(key)

    def holds_reference(self, service: str, cr_org_id: str, reference: str) -> bool:
        """Whether ``hold_reference`` holds the reference for this transaction."""
        return _reference_key(service, cr_org_id, reference) in self._held

    def add_pack(
        self,
        *,
        claim_id: int,
        kind: str,
        number: int,
        xml: str,
        sha256: str,
        created_at: datetime,
        organisation_id: str,
    ) -> None:
        self._writes.add_row(
            _PACK_INSERT,
            {
                "claim_id": claim_id,
                "kind": kind,
                "number": number,
                "xml": xml,
                "sha256": sha256,
                "created_at": created_at,
                "organisation_id": organisation_id,
            },
        )

    def packs(self, claim_id: int, kind: str | None = None) -> Sequence[ClaimPack]:
        query = select(ClaimPack).where(ClaimPack.claim_id == claim_id)
        if kind is not None:
            query = query.where(ClaimPack.kind == kind)
        return self.session.scalars(query.order_by(ClaimPack.id)).all()

    # ---------------------------------------------------------------------- attachments
    def add_attachment(self, **values: Any) -> None:
        """Store an attachment with its bytes (one INSERT, at once: no copy kept by the ORM)."""
        self.session.execute(insert(ClaimAttachment).values(**values))

    def attachments(self, claim_id: int) -> Sequence[AttachmentView]:
        """The claim's attachments, oldest first, without their bytes."""
        query = (
            select(*_ATTACHMENT_COLUMNS)
            .where(ClaimAttachment.claim_id == claim_id)
            .order_by(ClaimAttachment.id)
        )
        return [AttachmentView(*row) for row in self.session.execute(query)]

    def attachment(self, guid: str) -> AttachmentView | None:
        """One attachment by its id, without its bytes."""
        query = select(*_ATTACHMENT_COLUMNS).where(ClaimAttachment.guid == guid)
        row = self.session.execute(query).first()
        return AttachmentView(*row) if row else None

    def attachment_part_size(self, size: int) -> int:
        """Bytes to read per ``attachment_part`` call for a file of ``size`` bytes (a multiple
        of 3). SQLite reads parts in-process from its incremental blob I/O: 768 KiB. PostgreSQL
        reads a file (at most 4 MB, security.md 7) in one plain SELECT: ``substring`` over the
        wire measured twice as slow as the whole value, whatever the part size (a 4 MB file:
        7.7-10 ms in parts against 4 ms whole, bench/bench_attachments.py)."""
        if self.session.get_bind().dialect.name == "postgresql":
            return max(3, -(-size // 3) * 3)
        return 3 * 256 * 1024

    def attachment_part(self, attachment_id: int, offset: int, length: int) -> bytes:
        """``length`` bytes of one attachment from ``offset`` (0-based): SQLite's incremental
        blob I/O, without loading the rest; PostgreSQL in the binary protocol (as text,
        ``bytea`` would arrive hex-encoded, twice its size), the whole value when asked from the
        start for at least all of it, else ``substring``."""
        raw = self.session.connection().connection.driver_connection
        if self.session.get_bind().dialect.name == "postgresql":
            with raw.cursor(binary=True) as cursor:  # type: ignore[union-attr]
                cursor.execute(
                    "SELECT CASE WHEN %s = 0 AND octet_length(content) <= %s THEN content"
                    " ELSE substring(content FROM %s FOR %s) END"
                    " FROM claim_attachments WHERE id = %s",
                    (offset, length, offset + 1, length, attachment_id),
                )
                row = cursor.fetchone()
                return bytes(row[0]) if row else b""
        with raw.blobopen(  # type: ignore[union-attr]
            "claim_attachments", "content", attachment_id, readonly=True
        ) as blob:
            blob.seek(offset)
            return bytes(blob.read(length))

    def add_timer(
        self,
        *,
        claim_id: int,
        kind: str,
        rule: str,
        fire_at: datetime,
        guid: str,
        days_left: int | None = None,
    ) -> None:
        self._writes.add_row(
            _TIMER_INSERT,
            {
                "claim_id": claim_id,
                "kind": kind,
                "rule": rule,
                "days_left": days_left,
                "fire_at": fire_at,
                "fired_at": None,
                "guid": guid,
            },
        )

    def cancel_timers(self, claim_id: int) -> None:
        self.session.execute(
            delete(ClaimTimer).where(ClaimTimer.claim_id == claim_id, ClaimTimer.fired_at.is_(None))
        )

    def retag_timers(self, claim_id: int, guid: str) -> None:
        """Pending timers of a deadline that carries over follow the claim's new activity."""
        self.session.execute(
            update(ClaimTimer)
            .where(ClaimTimer.claim_id == claim_id, ClaimTimer.fired_at.is_(None))
            .values(guid=guid)
        )

    def due_timers(self, now: datetime, limit: int) -> Sequence[ClaimTimer]:
        """Unfired timers due at ``now``, locked; rows locked by another sweeper are skipped."""
        return self.session.scalars(
            select(ClaimTimer)
            .where(ClaimTimer.fired_at.is_(None), ClaimTimer.fire_at <= now)
            .order_by(ClaimTimer.fire_at, ClaimTimer.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()

    def add_notification(
        self,
        *,
        guid: str,
        user_id: str,
        application_id: str,
        created_at: datetime,
        message: str,
        machine: bool,
    ) -> None:
        self._writes.add_row(
            _NOTIFICATION_INSERT,
            {
                "guid": guid,
                "user_id": user_id,
                "application_id": application_id,
                "created_at": created_at,
                "message": message,
                "machine": machine,
            },
        )

    def notifications(
        self, user_id: str, since: datetime, machine_only: bool
    ) -> Sequence[Notification]:
        query = select(Notification).where(
            Notification.user_id == user_id, Notification.created_at >= since
        )
        if machine_only:
            query = query.where(Notification.machine.is_(True))
        return self.session.scalars(query.order_by(Notification.created_at.desc())).all()

    def remove_notification(self, user_id: str, guid: str) -> bool:
        result = self.session.execute(
            delete(Notification).where(Notification.user_id == user_id, Notification.guid == guid)
        )
        return bool(getattr(result, "rowcount", 0))


def _reference_key(service: str, cr_org_id: str, reference: str) -> str:
    """What holds a claim reference: the advisory-lock key, and this transaction's record."""
    return f"claim-reference|{service}|{cr_org_id}|{reference.lower()}"


class CalendarRepository:
    """The administrator's bank-holiday table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def holidays(self) -> tuple[tuple[date, str], ...]:
        """Every (day, title) of the bank-holiday table, in order."""
        return tuple(_HOLIDAYS.rows(self.session, {}))

    def in_year(self, year: int | None = None) -> Sequence[BankHoliday]:
        query = select(BankHoliday).order_by(BankHoliday.day)
        if year is not None:
            query = query.where(
                BankHoliday.day >= date(year, 1, 1), BankHoliday.day <= date(year, 12, 31)
            )
        return self.session.scalars(query).all()

    def replace_years(self, years: Sequence[int], events: Sequence[tuple[date, str]]) -> None:
        for year in years:
            self.session.execute(
                delete(BankHoliday).where(
                    BankHoliday.day >= date(year, 1, 1), BankHoliday.day <= date(year, 12, 31)
                )
            )
        self.session.add_all(BankHoliday(day=day, title=title) for day, title in events)

    def get(self, day: date) -> BankHoliday | None:
        return self.session.get(BankHoliday, day)

    def put(self, day: date, title: str) -> None:
        row = self.session.get(BankHoliday, day)
        if row is None:
            self.session.add(BankHoliday(day=day, title=title))
        else:
            row.title = title

    def remove(self, row: BankHoliday) -> None:
        self.session.delete(row)
