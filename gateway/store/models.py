"""SQLAlchemy 2.0 models of everything the gateway stores.

The schema itself is owned by the Alembic migrations in ``gateway/store/migrations``; these
classes map onto it (a test checks that the migrated database and the metadata agree).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Organisation(Base):
    __tablename__ = "organisations"

    organisation_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(4))  # CR | COMP
    name: Mapped[str] = mapped_column(String(200))
    compensator_type: Mapped[str | None] = mapped_column(String(1))  # C13: I, M, S (COMP only)
    rta_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    elpl_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    address_type: Mapped[str | None] = mapped_column(String(1))
    house_name: Mapped[str | None] = mapped_column(String(32))
    house_number: Mapped[str | None] = mapped_column(String(20))
    street1: Mapped[str | None] = mapped_column(String(32))
    street2: Mapped[str | None] = mapped_column(String(32))
    district: Mapped[str | None] = mapped_column(String(25))
    city: Mapped[str | None] = mapped_column(String(25))
    county: Mapped[str | None] = mapped_column(String(30))
    post_code: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Branch(Base):
    __tablename__ = "branches"
    __table_args__ = (UniqueConstraint("organisation_id", "branch_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.organisation_id"))
    branch_id: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(200))


class User(Base):
    __tablename__ = "users"

    user_id: Mapped[str] = mapped_column(String(50), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.organisation_id"), index=True
    )
    branch_id: Mapped[str | None] = mapped_column(String(3))
    first_name: Mapped[str] = mapped_column(String(50))
    middle_name: Mapped[str | None] = mapped_column(String(50))
    surname: Mapped[str] = mapped_column(String(50))
    profiles: Mapped[str] = mapped_column(String(400))  # comma-separated profile codes
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    password_set_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    account_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_auth_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When an administrator disabled the account (None while enabled); security.md 2.1 deletes
    #: an account 12 months after it was disabled if no claim refers to it.
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FormerUser(Base):
    """An account deleted under security.md 2.1: its id keeps its organisation, so that the
    journal's entries (kept 7 years) still count in that organisation's audit reports."""

    __tablename__ = "former_users"

    user_id: Mapped[str] = mapped_column(String(50), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(20), index=True)
    deleted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PasswordHistory(Base):
    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.user_id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TokenFamily(Base):
    """One getToken and every refresh descending from it; revoked as a whole."""

    __tablename__ = "token_families"

    family_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.user_id"), index=True)
    as_user_id: Mapped[str] = mapped_column(ForeignKey("users.user_id"))
    client_id: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Token(Base):
    """An access or refresh token, stored only as its SHA-256 hash."""

    __tablename__ = "tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("token_families.family_id"), index=True)
    kind: Mapped[str] = mapped_column(String(7))  # access | refresh
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JournalEntry(Base):
    """The append-only audit journal (security.md section 6.1)."""

    __tablename__ = "journal"
    __table_args__ = (
        Index("ix_journal_at", "at"),
        Index("ix_journal_application", "application_id"),
        Index("ix_journal_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    correlation_id: Mapped[str] = mapped_column(String(36), unique=True)
    endpoint: Mapped[str] = mapped_column(String(40))
    service: Mapped[str | None] = mapped_column(String(4))
    operation: Mapped[str | None] = mapped_column(String(60))
    actor: Mapped[str | None] = mapped_column(String(50))  # SYSTEM or an administrator, if not A2A
    user_id: Mapped[str | None] = mapped_column(String(50))
    as_user_id: Mapped[str | None] = mapped_column(String(50))
    client_id: Mapped[str | None] = mapped_column(String(50))
    token_family: Mapped[str | None] = mapped_column(String(36))
    source_ip: Mapped[str | None] = mapped_column(String(45))
    application_id: Mapped[str | None] = mapped_column(String(16))
    phase_before: Mapped[str | None] = mapped_column(String(60))
    phase_after: Mapped[str | None] = mapped_column(String(60))
    guid_before: Mapped[str | None] = mapped_column(String(36))
    guid_after: Mapped[str | None] = mapped_column(String(36))
    outcome: Mapped[str] = mapped_column(String(7))  # Ok | Failure | Error | Fault
    error_key: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int] = mapped_column(Integer)
    request_bytes: Mapped[int] = mapped_column(Integer)
    response_bytes: Mapped[int] = mapped_column(Integer)
    pack_sha256: Mapped[str | None] = mapped_column(String(64))
    #: The lifecycle row (R1, E12, ...) the step or timeout took; None for other requests.
    transition: Mapped[str | None] = mapped_column(String(4))


class StoredMessage(Base):
    """The raw request envelope, credentials masked, kept for support with its own retention."""

    __tablename__ = "message_store"

    correlation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    endpoint: Mapped[str] = mapped_column(String(40))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False)


class Hospital(Base):
    __tablename__ = "hospitals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    address_line1: Mapped[str | None] = mapped_column(String(100))
    address_line2: Mapped[str | None] = mapped_column(String(100))
    address_line3: Mapped[str | None] = mapped_column(String(100))
    address_line4: Mapped[str | None] = mapped_column(String(100))
    post_code: Mapped[str | None] = mapped_column(String(8), index=True)


class InsurerIndexEntry(Base):
    """A brand or trading name mapped to the portal compensator that handles it."""

    __tablename__ = "insurer_index"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    insurer_name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.organisation_id"))


class BankHoliday(Base):
    __tablename__ = "bank_holidays"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))


class CompensatorLink(Base):
    """Administrator-maintained "same group or TPA" link used by reassignToAnotherCM."""

    __tablename__ = "compensator_links"
    __table_args__ = (UniqueConstraint("organisation_id", "linked_organisation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.organisation_id"))
    linked_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.organisation_id"))


class Claim(Base):
    """A claim: its identity, parties, current phase and activity, deadlines, locks, allocations.

    The packs themselves are kept in ``claim_packs``; this row holds what processing, lists and
    search need without parsing XML.
    """

    __tablename__ = "claims"
    __table_args__ = (
        Index("ix_claims_timeout", "timeout_at"),
        Index("ix_claims_cr", "service", "cr_org_id", "phase"),
        Index("ix_claims_comp", "service", "comp_org_id", "phase"),
        Index("ix_claims_cr_reference", "service", "cr_org_id", "cr_reference_key"),
        Index("ix_claims_updated", "updated_at"),
        # The retention run (security.md 6.2) finds ended and archived claims by these.
        Index("ix_claims_end_date", "end_date"),
        Index("ix_claims_archived", "archived_at"),
        # Worklists read open claims of one organisation in deadline order and stop at the limit.
        Index(
            "ix_claims_worklist_cr",
            "service",
            "cr_org_id",
            "deadline_date",
            "application_id",
            postgresql_where=text("NOT ended AND NOT gdpr_deleted"),
        ),
        Index(
            "ix_claims_worklist_comp",
            "service",
            "comp_org_id",
            "deadline_date",
            "application_id",
            postgresql_where=text("NOT ended AND NOT gdpr_deleted"),
        ),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    application_id: Mapped[str] = mapped_column(String(16), unique=True)
    service: Mapped[str] = mapped_column(String(4))
    release: Mapped[str] = mapped_column(String(4))
    version_major: Mapped[int] = mapped_column(Integer)
    version_minor: Mapped[int] = mapped_column(Integer)
    claim_type: Mapped[str | None] = mapped_column(String(3))
    phase: Mapped[str] = mapped_column(String(60))
    guid: Mapped[str] = mapped_column(String(36))
    ended: Mapped[bool] = mapped_column(Boolean, default=False)
    cr_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.organisation_id"))
    comp_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.organisation_id"))
    comp_branch_id: Mapped[str] = mapped_column(String(3))
    accepting_branch_id: Mapped[str | None] = mapped_column(String(3))
    insurer_type: Mapped[str | None] = mapped_column(String(1))
    cr_reference: Mapped[str] = mapped_column(String(50))
    cr_reference_key: Mapped[str] = mapped_column(String(50))  # lower case, for uniqueness
    insurer_reference: Mapped[str | None] = mapped_column(String(50))
    child_claim: Mapped[bool] = mapped_column(Boolean, default=False)
    claimant_birth_date: Mapped[date | None] = mapped_column(Date)
    accident_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_date: Mapped[date] = mapped_column(Date)
    dispatched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end_date: Mapped[date | None] = mapped_column(Date)
    deadline_rule: Mapped[str | None] = mapped_column(String(4))
    deadline_date: Mapped[date | None] = mapped_column(Date)
    timeout_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    liability_deadline: Mapped[date | None] = mapped_column(Date)
    liability_rule: Mapped[str | None] = mapped_column(String(4))
    stage1_costs_deadline: Mapped[date | None] = mapped_column(Date)
    article75: Mapped[bool | None] = mapped_column(Boolean)
    stage1_paid: Mapped[bool | None] = mapped_column(Boolean)
    child_at_stage1: Mapped[bool | None] = mapped_column(Boolean)
    rejected_by_org_id: Mapped[str | None] = mapped_column(String(20))
    rejection_code: Mapped[str | None] = mapped_column(String(2))
    exit_cr_code: Mapped[str | None] = mapped_column(String(2))
    exit_cr_comment: Mapped[str | None] = mapped_column(String(500))
    exit_cm_code: Mapped[str | None] = mapped_column(String(2))
    exit_cm_comment: Mapped[str | None] = mapped_column(String(500))
    fraud_code: Mapped[str | None] = mapped_column(String(2))
    fraud_comment: Mapped[str | None] = mapped_column(String(500))
    cr_lock_user: Mapped[str | None] = mapped_column(String(50))
    cr_lock_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    comp_lock_user: Mapped[str | None] = mapped_column(String(50))
    comp_lock_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cr_allocated_user: Mapped[str | None] = mapped_column(String(50))
    comp_allocated_user: Mapped[str | None] = mapped_column(String(50))
    gdpr_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Stage 2.1: the latest interim settlement pack and what was decided on it.
    interim_value: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # requested value
    interim_extended: Mapped[bool | None] = mapped_column(Boolean)  # D7 taken for this ISP
    isp_sent_date: Mapped[date | None] = mapped_column(Date)
    interim_response_date: Mapped[date | None] = mapped_column(Date)
    interim_offered: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    partial_payment_accepted: Mapped[bool | None] = mapped_column(Boolean)  # C19 AC / NAC
    partial_decision_date: Mapped[date | None] = mapped_column(Date)
    stage21_paid: Mapped[bool | None] = mapped_column(Boolean)
    interim_rejection_comment: Mapped[str | None] = mapped_column(String(500))
    # Stage 2: the settlement pack, its offers and agreed extensions.
    s2sp_sent_date: Mapped[date | None] = mapped_column(Date)
    offer_late: Mapped[bool | None] = mapped_column(Boolean)  # the offer being answered (5.4)
    settlement_decision: Mapped[str | None] = mapped_column(String(5))  # C, CO, R, ACO, NEWCO
    payment_deadline: Mapped[date | None] = mapped_column(Date)  # D14, information only
    child_at_stage2_request: Mapped[bool | None] = mapped_column(Boolean)
    child_at_stage2_agreement: Mapped[bool | None] = mapped_column(Boolean)
    child_at_stage2_agreement_ad: Mapped[bool | None] = mapped_column(Boolean)
    extension_date: Mapped[date | None] = mapped_column(Date)  # the last D11 date entered
    extension_reason: Mapped[str | None] = mapped_column(String(2))  # C23
    additional_damages: Mapped[bool | None] = mapped_column(Boolean)
    ad_sent_date: Mapped[date | None] = mapped_column(Date)
    cpp_sent_date: Mapped[date | None] = mapped_column(Date)
    #: EL/PL: the day the CNF as last sent was first acknowledged (D2 counts from it, 5.3).
    acknowledged_date: Mapped[date | None] = mapped_column(Date)
    # What lists show and the attachment limits check, kept with the claim under its row lock.
    attachments_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    attachments_bytes: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    documents_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: When the claim moved to the archive (security.md 6.2: the two CPP end phases, 30 days
    #: after the end); archived claims are seen by ARCHIVE_SEARCH users only.
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ClaimPack(Base):
    """Every pack a claim received (CNF and each resend, insurer response, ...), as sent."""

    __tablename__ = "claim_packs"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # gateway.validation.packs.Pack value
    number: Mapped[int] = mapped_column(Integer, default=1)
    xml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    organisation_id: Mapped[str] = mapped_column(String(20))


class ClaimAttachment(Base):
    """A file either party attached to a claim (operations.md 4.4), its bytes with it."""

    __tablename__ = "claim_attachments"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    guid: Mapped[str] = mapped_column(String(36), unique=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(100))  # as detected from the content
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    organisation_id: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(50))


class PrintableDocument(Base):
    """The PDF of one event of a claim (operations.md 4.4): a row per (kind, number), its source
    fingerprint, and the PDF once rendered (None: to render from the claim's packs)."""

    __tablename__ = "printable_documents"
    __table_args__ = (
        UniqueConstraint("claim_id", "kind", "number", name="uq_printable_documents_event"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    guid: Mapped[str] = mapped_column(String(36), unique=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    source_sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClaimTransfer(Base):
    """A move of a claim to another organisation of the same side: a bulk transfer (security.md
    6.5) or a reassignment (the Data document's TransfersList)."""

    __tablename__ = "claim_transfers"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    transfer_id: Mapped[str] = mapped_column(String(36))
    side: Mapped[str] = mapped_column(String(4))  # CR | COMP
    from_organisation_id: Mapped[str] = mapped_column(String(20))
    to_organisation_id: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(50))


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user", "user_id", "created_at"),
        # A purged claim's notifications, and those past their 15 days (security.md 6.4).
        Index("ix_notifications_application", "application_id"),
        Index("ix_notifications_created", "created_at"),
    )

    guid: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(50))
    application_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    message: Mapped[str] = mapped_column(String(500))
    machine: Mapped[bool] = mapped_column(Boolean, default=True)  # A2ANotification types


class ClaimTimer(Base):
    """A pending deadline event of a claim: its timeout or a warning. Fired exactly once."""

    __tablename__ = "claim_timers"
    __table_args__ = (Index("ix_claim_timers_due", "fired_at", "fire_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # TIMEOUT | WARN | LIMIT
    rule: Mapped[str] = mapped_column(String(4))  # D2, D3, ...
    days_left: Mapped[int | None] = mapped_column(Integer)
    fire_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    fired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    guid: Mapped[str] = mapped_column(String(36))  # the activity it was armed for


class SystemSetting(Base):
    """Deployment-wide state shared by every process (e.g. the sandbox clock offset)."""

    __tablename__ = "system_settings"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class IdCounter(Base):
    """The last identifier given out of a kind (``claims``): SQLite takes the next claim id from
    here, so that a purge of the newest claim never lets its applicationId be given out again.
    PostgreSQL takes it from the ``claims.id`` sequence, which never goes back either."""

    __tablename__ = "id_counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class RateCounter(Base):
    """A sliding-window rate counter (gateway.store.rate_counters): the hits of the current
    fixed window of its key and of the one before. Used on PostgreSQL, shared by every process."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # user:<id>, login-from:<ip>
    window_index: Mapped[int] = mapped_column(BigInteger)  # epoch seconds // window length
    hits: Mapped[int] = mapped_column(Integer)
    previous_hits: Mapped[int] = mapped_column(Integer)
    stale_after: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
