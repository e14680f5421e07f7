"""The timeout worker: fires due claim timers (lifecycle.md 5.2, 5.3 and 6), each exactly once.

A sweep takes due ``claim_timers`` rows (``fired_at`` null, ``fire_at`` <= now) in batches with
``FOR UPDATE SKIP LOCKED``, so several workers on several hosts share the work on PostgreSQL; on
SQLite the process writer lock serialises them. For each claim of a batch the worker takes the
claim's row lock, again skipping a claim that a request or another worker holds (it is retried on
the next sweep; nobody waits for a claim while holding timers of another one), then:

* a TIMEOUT or "time limit reached" timer of the claim's current activity, when the claim's
  deadline has passed: the lifecycle TIMEOUT transition (new GUID, timers re-armed), "time limit
  reached" to both sides (replacing the generic phase-change message) and a journal row by
  ``SYSTEM``. Whichever of the two timers a worker meets first does it; the other becomes stale;
* "time limit reached" of an information-only deadline (D1): the notice alone;
* "N days left": the warning to the side that must act, unless the deadline has already passed;
* a timer armed for an older activity (its GUID is no longer the claim's, and its deadline did
  not carry over into the current phase) or for an ended claim: nothing.

Every handled timer gets ``fired_at``; the batch commits as one transaction.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING, Final

from gateway import metrics
from gateway.domain import notifications as notices
from gateway.domain.calendar import BusinessCalendar
from gateway.domain.deadlines import DEADLINES, london_date
from gateway.domain.lifecycle import LIFECYCLES, Transition
from gateway.domain.services import Service, Side
from gateway.service.claims import workflow as wf
from gateway.service.claims.calendar_store import calendar_from_store
from gateway.service.gateway import Call, JournalFacts
from gateway.service.operator.acting import claim_entry, facing
from gateway.service.unit_of_work import UnitOfWork
from gateway.store.models import Claim, ClaimTimer

if TYPE_CHECKING:
    from gateway.app import Components

log = logging.getLogger("gateway.timeouts")

ENDPOINT: Final = "timeouts"
ACTOR: Final = "SYSTEM"
DEFAULT_BATCH: Final = 100
DEFAULT_INTERVAL: Final = 30.0


@dataclass
class SweepReport:
    """What one sweep did, by kind of effect."""

    timeouts: int = 0
    warnings: int = 0
    limits: int = 0
    stale: int = 0
    skipped: int = 0  # timers of claims locked by someone else, left for the next sweep
    batches: int = 0
    retries: int = 0
    claims: list[str] = field(default_factory=list)  # applicationIds that timed out
    # (kind, deadline rule) of each timeout, warning and time limit: counted once committed
    rules: list[tuple[str, str]] = field(default_factory=list)

    @property
    def fired(self) -> int:
        return self.timeouts + self.warnings + self.limits + self.stale

    def add(self, other: SweepReport) -> None:
        for name in ("timeouts", "warnings", "limits", "stale", "skipped", "batches", "retries"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.claims.extend(other.claims)
        self.rules.extend(other.rules)

    def summary(self) -> str:
        return (
            f"{self.timeouts} timed out, {self.warnings} warnings, {self.limits} time limits, "
            f"{self.stale} stale, {self.skipped} skipped (claim busy), "
            f"{self.batches} batches"
        )


class TimeoutWorker:
    """Sweeps due timers with the components' database and clock (the sandbox clock if any)."""

    def __init__(self, components: Components) -> None:
        self.components = components

    # ------------------------------------------------------------------------------ sweeping
    def sweep(self, batch: int = DEFAULT_BATCH, max_retries: int = 5) -> SweepReport:
        """Batches until no due timer is left that this worker could take."""
        report = SweepReport()
        failures = 0
        while True:
            try:
                taken, part = self.sweep_batch(batch)
            except UnitOfWork.RETRYABLE as exc:  # a deadlock victim: nothing committed
                failures += 1
                report.retries += 1
                if failures > max_retries:
                    raise
                log.warning("timeout batch rolled back, retrying: %s", exc.__class__.__name__)
                time.sleep(0.05 * failures)
                continue
            report.add(part)
            if taken < batch or part.fired == 0:
                return report

    def sweep_batch(self, batch: int = DEFAULT_BATCH) -> tuple[int, SweepReport]:
        """One transaction: up to ``batch`` due timers. Returns (timers taken, report)."""
        now = self.components.clock.now()  # before the unit of work: the sandbox clock reads too
        report = SweepReport(batches=1)
        with self.components.database.unit_of_work() as uow:
            timers = uow.claims.due_timers(now, batch)
            if not timers:
                return 0, SweepReport()
            calendar = calendar_from_store(uow)
            call: Call[None] = Call(
                ENDPOINT,
                Service.RTA,
                None,
                uow,
                now,
                self.components.settings,
                self.components.auth,
                env=self.components.service.env,
            )
            for claim_id, claim_timers in _by_claim(timers):
                self._claim(call, claim_id, claim_timers, calendar, report)
            uow.commit()
        for kind, rule in report.rules:
            metrics.timer_fired(kind, rule)
        return len(timers), report

    def _claim(
        self,
        call: Call[None],
        claim_id: int,
        timers: Sequence[ClaimTimer],
        calendar: BusinessCalendar,
        report: SweepReport,
    ) -> None:
        claim = call.uow.claims.lock_if_free(claim_id)
        if claim is None:
            report.skipped += len(timers)
            return
        for timer in timers:  # before any transition re-arms (and deletes unfired) timers
            timer.fired_at = call.now
        call.uow.flush()
        current = [t for t in timers if _current(t, claim)]
        report.stale += len(timers) - len(current)
        if not current:
            return
        lc = LIFECYCLES[Service(claim.service)]
        transition = lc.timeout(claim.phase)
        # The deadline date, not timeout_at: SQLite keeps no time zone (lifecycle.md 5.2).
        passed = claim.deadline_date is not None and london_date(call.now) > claim.deadline_date
        if (
            transition is not None
            and passed
            and any(t.kind in ("TIMEOUT", "LIMIT") for t in current)
        ):
            report.rules.append(("timeout", claim.deadline_rule or ""))  # before it is re-armed
            self._time_out(call, claim, transition, calendar)
            report.timeouts += 1
            report.claims.append(claim.application_id)
            report.stale += len(current) - 1
            return
        for timer in current:
            if timer.kind == "WARN" and not passed:
                self._warn(call, claim, timer)
                report.warnings += 1
                report.rules.append(("days_left", timer.rule))
            elif timer.kind == "LIMIT":
                self._limit(call, claim, timer)
                report.limits += 1
                report.rules.append(("time_limit", timer.rule))
            else:
                report.stale += 1

    # ------------------------------------------------------------------------------ effects
    def _time_out(
        self, call: Call[None], claim: Claim, transition: Transition, calendar: BusinessCalendar
    ) -> None:
        service = Service(claim.service)
        rule = claim.deadline_rule or ""
        step = DEADLINES[rule].step if rule in DEADLINES else "Deadline"
        text = notices.time_limit_reached(claim.application_id, step).text
        target = LIFECYCLES[service].phase(transition.target)
        replaced = None if target.end else target.worklist
        with self._as_system(call, claim) as facts:
            for side in (Side.CR, Side.COMP):
                if side is not replaced:
                    wf.notify(call, claim, side, text)
            wf.enter(
                call,
                claim,
                transition,
                calendar,
                actor_side=Side.SYSTEM,
                notice=(replaced, text) if replaced is not None else None,
            )
            self._journal(call, claim, facts, "TIMEOUT", f"{rule} {step}: time limit reached")

    def _warn(self, call: Call[None], claim: Claim, timer: ClaimTimer) -> None:
        side = _side_to_act(claim)
        if side is None:
            return
        step = DEADLINES[timer.rule].step
        with self._as_system(call, claim) as facts:
            wf.notify(
                call,
                claim,
                side,
                notices.deadline_warning(
                    claim.application_id, step, timer.days_left or 0, side
                ).text,
            )
            self._journal(
                call, claim, facts, "WARNING", f"{timer.rule} {step}: {timer.days_left} days left"
            )

    def _limit(self, call: Call[None], claim: Claim, timer: ClaimTimer) -> None:
        rule = DEADLINES[timer.rule]
        sides = frozenset({Side.COMP}) if rule.id == "D1" else notices.BOTH_SIDES
        notice = notices.time_limit_reached(claim.application_id, rule.step, sides)
        with self._as_system(call, claim) as facts:
            for side in (Side.CR, Side.COMP):
                if side in notice.recipients:
                    wf.notify(call, claim, side, notice.text)
            self._journal(
                call, claim, facts, "WARNING", f"{rule.id} {rule.step}: time limit reached"
            )

    @contextmanager
    def _as_system(self, call: Call[None], claim: Claim) -> Iterator[JournalFacts]:
        yield facing(call, claim)

    def _journal(
        self, call: Call[None], claim: Claim, facts: JournalFacts, operation: str, detail: str
    ) -> None:
        """A journal row by ``SYSTEM`` (no request: the stored message has an empty body)."""
        call.facts = facts
        claim_entry(call, claim, ENDPOINT, ACTOR, operation, detail)

    # ------------------------------------------------------------------------------ looping
    def run(
        self,
        interval: float = DEFAULT_INTERVAL,
        batch: int = DEFAULT_BATCH,
        stop: threading.Event | None = None,
        on_sweep: Callable[[SweepReport], None] | None = None,
    ) -> None:
        """Sweep, sleep ``interval`` seconds, repeat until ``stop`` is set."""
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                report = self.sweep(batch)
            except Exception:  # keep the loop alive; the next sweep retries what was left
                log.exception("timeout sweep failed")
            else:
                if on_sweep is not None:
                    on_sweep(report)
            stop.wait(interval)


def stop_on_signals(stop: threading.Event) -> None:
    """Set ``stop`` on SIGTERM or SIGINT (the sweep in progress finishes and commits first)."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping after the current sweep", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _by_claim(timers: Sequence[ClaimTimer]) -> list[tuple[int, list[ClaimTimer]]]:
    grouped: dict[int, list[ClaimTimer]] = {}
    for timer in timers:
        grouped.setdefault(timer.claim_id, []).append(timer)
    return sorted(grouped.items())  # claims locked in id order: no cycles between workers


def _current(timer: ClaimTimer, claim: Claim) -> bool:
    """Is ``timer`` still meant for the claim: armed for (or carried over to, see
    ``workflow.rearm``) its current activity?"""
    return not claim.ended and timer.guid == claim.guid


def _side_to_act(claim: Claim) -> Side | None:
    phase = LIFECYCLES[Service(claim.service)].phase(claim.phase)
    return None if phase.end else phase.worklist
