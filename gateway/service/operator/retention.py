"""Retention (security.md 6.2) and the notification purge (6.4), on the deployment's clock.

The rules, each a phase set, what the keeping period counts from, and how long:

==============  ==========================================  ===========================  ========
rule            phases                                      counted from                 then
==============  ==========================================  ===========================  ========
``ended``       every end phase but the CPP two and         entering the end phase,      purged
                ``ClaimDeleted``                            30 days
``archive``     ``CourtProceedingsPackEnd``,                entering the end phase,      archived
                ``CourtProceedingsPackDecisionTimeoutEnd``  30 days
``archived``    the same two, archived                      the day archived, 12 months  purged
``fraud``       ``FraudStated``                             last activity, 30 days       purged
``rejected``    ``AcknowledgeRejectedClaim``,               last activity, 60 days       purged
                ``ClaimRejectedToCR``
``deleted``     ``ClaimDeleted``                            entering it, 14 days         purged
==============  ==========================================  ===========================  ========

Days are Europe/London calendar days: a claim that entered its end phase on day D is purged on
D + 30, not on D + 29. A child claim (CNF ``ChildClaim = 1``) is never purged before the claimant
is 21 years and 1 month old (253 months after the date of birth, the last day of the month when
that month is shorter); one without a date of birth is never purged by a rule (it is reported).
Archiving is not purging: a child claim moves to the archive like any other.

A run takes each rule in turn, in batches of claims in id order; a batch is one transaction that
purges (or archives) its claims whole, with one journal row saying which, so a process killed
mid-run leaves every claim whole or gone and the next run finishes the work. On PostgreSQL the
claims of a batch are row-locked, skipping those a request holds (taken on the next run).
Claims in an active phase without activity for 12 months are reported, never purged.
"""

from __future__ import annotations

import calendar
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Final, Literal, Protocol

from gateway.config import Settings
from gateway.domain.deadlines import london_date, london_midnight
from gateway.domain.lifecycle import DELETED_PHASE, LIFECYCLES
from gateway.service.clock import Clock, as_utc
from gateway.service.operator import ENDPOINT, Operator, OperatorRefused, system_entry
from gateway.service.unit_of_work import Database, UnitOfWork
from gateway.store.retention import Candidate, RetentionStore, Selection

CPP_END: Final = frozenset({"CourtProceedingsPackEnd", "CourtProceedingsPackDecisionTimeoutEnd"})
REJECTED: Final = frozenset({"AcknowledgeRejectedClaim", "ClaimRejectedToCR"})
FRAUD: Final = frozenset({"FraudStated"})
#: 21 years and 1 month: no child claim is purged before the claimant is this old.
CHILD_MONTHS: Final = 21 * 12 + 1
ARCHIVE_MONTHS: Final = 12
INACTIVE_MONTHS: Final = 12
NOTIFICATION_DAYS: Final = 15
DEFAULT_BATCH: Final = 500
#: After each batch a run waits this many times as long as the batch took, so that live
#: requests keep most of the database (bench/bench_purge.py measures the trade).
DEFAULT_YIELD: Final = 1.0
SYSTEM: Final = "SYSTEM"

Basis = Literal["ended", "activity", "archived"]


class Components(Protocol):
    """What a run needs of the process's components (``gateway.app.Components`` has it; the
    CLI builds only these, without compiling the release schemas)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def database(self) -> Database: ...

    @property
    def clock(self) -> Clock: ...


def notifications_kept_since(now: datetime) -> datetime:
    """Notifications created before this instant are gone (security.md 6.4): those of the
    London day 15 calendar days ago and earlier. Reads hide them until a run deletes them."""
    return london_midnight(london_date(now) - timedelta(days=NOTIFICATION_DAYS - 1)).astimezone(UTC)


def end_phases() -> frozenset[str]:
    return frozenset(p.id for lc in LIFECYCLES.values() for p in lc.phases if p.end)


# ------------------------------------------------------------------------------------- rules
def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, on the month's last day if it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class Rule:
    """A row of security.md 6.2: which claims, counted from what, for how long, then what."""

    name: str
    phases: frozenset[str]
    basis: Basis
    days: int = 0
    months: int = 0
    action: Literal["purge", "archive"] = "purge"

    def started(self, claim: Candidate) -> date | None:
        """The London day the keeping period counts from."""
        if self.basis == "archived":
            return london_date(as_utc(claim.archived_at)) if claim.archived_at else None
        if self.basis == "ended" and claim.end_date is not None:
            return claim.end_date
        return london_date(as_utc(claim.updated_at))

    def due(self, claim: Candidate) -> date | None:
        """The first day the rule acts on ``claim``; None: never (a child without birth date)."""
        start = self.started(claim)
        if start is None:
            return None
        day = add_months(start, self.months) + timedelta(days=self.days)
        if self.action == "purge" and claim.child_claim:
            if claim.claimant_birth_date is None:
                return None
            day = max(day, add_months(claim.claimant_birth_date, CHILD_MONTHS))
        return day

    def selection(self, today: date, *, every_child: bool = False) -> Selection:
        """A superset of the claims due ``today`` that SQL can find by index; ``due`` decides.
        ``every_child``: also child claims far from 21 (a dry run counts those held back)."""
        # No child claim is due before it is 253 months old, which is more than 7,690 days.
        held = self.action == "purge" and not every_child
        child = today - timedelta(days=7690) if held else None
        if self.basis == "ended":
            return Selection(
                self.phases,
                ended_on_or_before=today - timedelta(days=self.days),
                archived=False,
                child_born_on_or_before=child,
            )
        if self.basis == "activity":
            updated = london_midnight(today - timedelta(days=self.days - 1)).astimezone(UTC)
            return Selection(self.phases, updated_before=updated, child_born_on_or_before=child)
        # 12 months are at least 365 days.
        archived = london_midnight(today - timedelta(days=364)).astimezone(UTC)
        return Selection(
            self.phases, archived_before=archived, archived=True, child_born_on_or_before=child
        )


def rules() -> tuple[Rule, ...]:
    plain_ends = end_phases() - CPP_END - {DELETED_PHASE}
    return (
        Rule("ended", plain_ends, "ended", days=30),
        Rule("archive", CPP_END, "ended", days=30, action="archive"),
        Rule("archived", CPP_END, "archived", months=ARCHIVE_MONTHS),
        Rule("fraud", FRAUD, "activity", days=30),
        Rule("rejected", REJECTED, "activity", days=60),
        Rule("deleted", frozenset({DELETED_PHASE}), "ended", days=14),
    )


# ------------------------------------------------------------------------------------- report
@dataclass
class RetentionReport:
    """What a run did (or, dry, would do)."""

    dry_run: bool
    today: date
    purged: dict[str, list[str]] = field(default_factory=dict)  # rule -> applicationIds
    archived: list[str] = field(default_factory=list)
    held_back: int = 0  # dry run: child claims a rule would take, kept until 21 years 1 month
    notifications: int = 0
    batches: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # rows deleted per table

    @property
    def purged_count(self) -> int:
        return sum(len(ids) for ids in self.purged.values())

    def summary(self) -> str:
        verb = "would purge" if self.dry_run else "purged"
        rules_text = ", ".join(f"{rule} {len(ids)}" for rule, ids in self.purged.items() if ids)
        held = f"{self.held_back} child claims held back, " if self.dry_run else ""
        return (
            f"{verb} {self.purged_count} claims ({rules_text or 'none'}), "
            f"{'would archive' if self.dry_run else 'archived'} {len(self.archived)}, {held}"
            f"{verb} {self.notifications} notifications, {self.batches} batches"
        )


def _ids_text(claims: Sequence[Candidate]) -> str:
    """The applicationIds of a batch, shortest form first (leading zeros dropped)."""
    return " ".join(c.application_id.lstrip("0") or "0" for c in claims)


# ------------------------------------------------------------------------------------- running
class Retention:
    """Runs the rules with the components' database and clock (the sandbox clock if any)."""

    def __init__(
        self,
        components: Components,
        operator: Operator | None = None,
        *,
        batch: int = DEFAULT_BATCH,
        yield_ratio: float = DEFAULT_YIELD,
        in_batch: Callable[[], None] | None = None,
    ) -> None:
        self.components = components
        self.operator = operator or Operator(SYSTEM, None, frozenset())
        if not self.operator.is_platform:
            raise OperatorRefused(f"{self.operator.actor}: retention is run by the platform")
        if batch < 1:
            raise OperatorRefused("the batch size must be at least 1")
        self.batch = batch
        self.yield_ratio = max(0.0, yield_ratio)
        self.in_batch = in_batch  # a test hook: runs inside each batch, before it commits

    def run(self, dry_run: bool = False) -> RetentionReport:
        now = self.components.clock.now()
        report = RetentionReport(dry_run, london_date(now))
        for rule in rules():
            if dry_run:
                self._dry(rule, report)
            else:
                self._apply(rule, now, report)
        self._notifications(now, report)
        return report

    def _dry(self, rule: Rule, report: RetentionReport) -> None:
        with self.components.database.unit_of_work(reads_first=True) as uow:
            selection = rule.selection(report.today, every_child=True)
            for claim in RetentionStore(uow.session).all_candidates(selection):
                self._sort(rule, [claim], report, dry=True)

    def _sort(
        self, rule: Rule, claims: Sequence[Candidate], report: RetentionReport, *, dry: bool
    ) -> list[Candidate]:
        due = []
        for claim in claims:
            day = rule.due(claim)
            if day is not None and day <= report.today:
                due.append(claim)
            elif claim.child_claim:
                report.held_back += 1
        if dry:
            self._record(rule, due, report)
        return due

    def _record(self, rule: Rule, due: Sequence[Candidate], report: RetentionReport) -> None:
        ids = [c.application_id for c in due]
        if rule.action == "archive":
            report.archived.extend(ids)
        else:
            report.purged.setdefault(rule.name, []).extend(ids)

    def _apply(self, rule: Rule, now: datetime, report: RetentionReport) -> None:
        selection = rule.selection(report.today)
        after = 0
        while True:
            started = time.monotonic()
            with self.components.database.unit_of_work() as uow:
                store = RetentionStore(uow.session)
                lock = uow.session.get_bind().dialect.name == "postgresql"
                claims = store.candidates(selection, after, self.batch, lock=lock)
                due = self._sort(rule, claims, report, dry=False)
                if due:
                    self._act(uow, store, rule, due, now, report)
                    if self.in_batch is not None:
                        self.in_batch()
                    uow.commit()
                    self._record(rule, due, report)
                    report.batches += 1
            if len(claims) < self.batch:
                return
            after = claims[-1].id
            self._yield(started)

    def _act(
        self,
        uow: UnitOfWork,
        store: RetentionStore,
        rule: Rule,
        due: Sequence[Candidate],
        now: datetime,
        report: RetentionReport,
    ) -> None:
        if rule.action == "archive":
            store.archive(due, now)
            operation, verb = "ARCHIVE", "archived"
        else:
            for table, count in store.purge(due).items():
                report.rows[table] = report.rows.get(table, 0) + count
            operation, verb = "PURGE", "purged"
        self._journal(
            uow, now, operation, f"{rule.name}: {len(due)} claims {verb}: {_ids_text(due)}"
        )

    def _notifications(self, now: datetime, report: RetentionReport) -> None:
        before = notifications_kept_since(now)
        if report.dry_run:
            with self.components.database.unit_of_work(reads_first=True) as uow:
                report.notifications = RetentionStore(uow.session).count_notifications(before)
            return
        while True:
            started = time.monotonic()
            with self.components.database.unit_of_work() as uow:
                deleted = RetentionStore(uow.session).purge_notifications(before, self.batch)
                if deleted:
                    self._journal(
                        uow,
                        now,
                        "PURGE_NOTIFICATIONS",
                        f"{deleted} notifications older than {NOTIFICATION_DAYS} days deleted",
                    )
                    uow.commit()
                    report.notifications += deleted
                    report.batches += 1
            if deleted < self.batch:
                return
            self._yield(started)

    def _yield(self, started: float) -> None:
        """Leave the database to live requests for a while before the next batch."""
        if self.yield_ratio:
            time.sleep((time.monotonic() - started) * self.yield_ratio)

    def _journal(self, uow: UnitOfWork, now: datetime, operation: str, detail: str) -> None:
        system_entry(
            uow,
            self.components.settings,
            now,
            endpoint=ENDPOINT,
            actor=self.operator.actor,
            operation=operation,
            service=None,
            detail=detail,
        )

    # ------------------------------------------------------------------------------ report
    def inactive(self, limit: int = 10_000) -> Iterator[tuple[str, str, str, str, str, datetime]]:
        """Claims in an active phase without activity for 12 months, oldest first."""
        now = self.components.clock.now()
        # Last activity on or before the day 12 months ago (Europe/London days).
        since = add_months(london_date(now), -INACTIVE_MONTHS) + timedelta(days=1)
        before = london_midnight(since).astimezone(UTC)
        with self.components.database.unit_of_work(reads_first=True) as uow:
            for row in RetentionStore(uow.session).inactive(before, limit):
                yield (
                    row.application_id,
                    row.service,
                    row.phase,
                    row.cr_org_id,
                    row.comp_org_id,
                    as_utc(row.updated_at),
                )


class RetentionSchedule:
    """The timeout worker's loop runs retention at most once per ``every`` seconds."""

    def __init__(self, components: Components, every: float) -> None:
        self.components = components
        self.every = every
        self._last: float | None = None

    def maybe_run(self) -> RetentionReport | None:
        if self.every <= 0:
            return None
        moment = time.monotonic()
        if self._last is not None and moment - self._last < self.every:
            return None
        self._last = moment
        report = Retention(self.components).run()
        self.upkeep()
        return report

    def upkeep(self) -> None:
        """The rest of what runs without an operator (security.md 2.1, 6.1, lifecycle.md 5.1):
        accounts disabled for 12 months go, stored messages past their retention and expired
        tokens go (``gateway journal purge``), and the calendar warning is journaled and logged."""
        from gateway.service.operator import upkeep

        c, log = self.components, logging.getLogger("gateway.upkeep")
        now = c.clock.now()
        with c.database.unit_of_work() as uow:
            gone = upkeep.delete_stale_accounts(
                uow, c.settings, Operator(SYSTEM, None, frozenset()), now
            )
            warnings = upkeep.calendar_warnings(uow, c.settings, now)
            wall = datetime.now(UTC)  # stored messages and tokens expire in real time
            messages, tokens = uow.journal.purge_messages(wall), uow.tokens.purge_expired(wall)
            uow.commit()
        if messages or tokens:
            log.info("%d stored messages and %d expired tokens purged", messages, tokens)
        for user_id in gone.done:
            log.info("account %s deleted: disabled for 12 months", user_id)
        for warning in warnings:
            log.warning("%s", warning)
