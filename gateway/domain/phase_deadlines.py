"""Which deadline each phase arms, continues or cancels on entry, and the one function that says so.

The lifecycle tables (``lifecycle_rta``, ``lifecycle_elpl``) say where a claim goes; this table says
what happens to its deadline when it gets there (lifecycle.md 2.1 / 3.1 "Deadline on entry", 5.3
and 5.4). One ``EntryRow`` per (services, phase, source phases, condition facts):

* ``ARM`` a rule: count it from the event the spec names (``Start``), or take the date entered
  (D11). ``at_entry`` marks rows whose event *is* the transition entering the phase (the admission,
  a pack sent, an agreement), so its date is the day of entry and the caller need not supply it.
* ``CONTINUE`` the running deadline when its rule is one of ``rules`` (D2/D3 through the liability
  phases, D9/D10/D11 through the counter-offer phases).
* ``offer``: the entering operation is an offer (5.4), so the last-5-days rule may replace the
  resulting deadline by D10 and flag the offer late.
* A running deadline that no row continues is **cancelled**: a phase without a timer row has no
  timer. Information-only rules (D1, D4, D14, D15) never time a phase out; rows arming them are
  reported to the caller to record, and never replace or cancel the timer.

Service, claim-type, insurer-type (MIB) and Article 75 differences are rows with condition facts
(``FACTS``), and the business-day counts per service and claim type are ``deadlines.DEADLINES``
data: nothing here branches on a service. The table is checked when it is built, at import (a
broken table stops the gateway, as a broken lifecycle table does): rules, phases, sources and facts
must exist; a phase may only arm or continue a rule that lifecycle.md gives it (its "Deadline on
entry" column, or a rule that times it out: D10/D11 in the counter-offer phases); every rule of
that column must come from some row; every way into a timed phase must have a timer row; a rule
must count, for every service and claim type of its row, from an event 5.3 gives it; rows must not
be ambiguous.

``deadline_for_entry`` is the one question the service layer asks: given the claim's facts
(``EntryFacts``) and the business calendar, keep the running deadline, arm a new one, or cancel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from itertools import combinations
from types import MappingProxyType
from typing import Any, Final

from gateway.domain.calendar import BusinessCalendar
from gateway.domain.deadlines import (
    CLAIM_TYPES,
    DEADLINES,
    INTERIM_THRESHOLD,
    Deadline,
    agreed_extension,
    deadline_continues,
    late_offer,
    liability_start,
    rule_deadline,
)
from gateway.domain.lifecycle import LIFECYCLES, NEW, Lifecycle, LifecycleError
from gateway.domain.services import Service

RTA, ELPL = Service.RTA, Service.ELPL
BOTH_SERVICES: Final = frozenset(Service)
LATE_OFFER_RULE: Final = "D10"


class DeadlineTableError(LifecycleError):
    """The phase-deadline table is broken (import fails), or a caller left out a fact it needs."""


class Action(StrEnum):
    KEEP = "keep"  # the running deadline carries on (its timers move to the new activity)
    ARM = "arm"  # a new deadline replaces whatever ran
    CANCEL = "cancel"  # no timer in the new phase


class Effect(StrEnum):
    """What a row does on entry."""

    ARMS = "arms"
    CONTINUES = "continues"


class Start(StrEnum):
    """The events deadlines are counted from (lifecycle.md 5.3 "Counted from", 5.4)."""

    CNF_SENT = "CNF sent date (resendRejectedClaim resets it)"
    ACKNOWLEDGED = "date the CNF as last sent was first acknowledged (EL/PL; input only)"
    ACKNOWLEDGED_OR_D1 = "acknowledgement date, or the D1 date when acknowledged late or not at all"
    REASSIGNED = "date of a reassignment (EL/PL: a new D1 runs from it)"
    ADMISSION = "date of the liability admission"
    ISP_SENT = "ISP sent date"
    ISP_RESPONSE = "ISP response date"
    PARTIAL_ACCEPTANCE = "date the CR accepted a partial interim offer"
    S2SP_SENT = "S2SP sent date"
    OFFER = "date of an offer in the last 5 BD of the total consideration period"
    AGREEMENT = "agreement date"
    AD_SENT = "AD request sent date"
    CPP_SENT = "CPP sent date"
    DATE_ENTERED = "date entered by the parties (agreed extension)"


def _counted(**by_service: Iterable[Start]) -> Mapping[Service, frozenset[Start]]:
    return MappingProxyType({Service[key]: frozenset(v) for key, v in by_service.items()})


def _both(*starts: Start) -> Mapping[Service, frozenset[Start]]:
    return _counted(RTA=starts, ELPL=starts)


#: lifecycle.md 5.3 "Counted from", per rule and service: the events a row may count a rule from.
COUNTED_FROM: Final[Mapping[str, Mapping[Service, frozenset[Start]]]] = MappingProxyType(
    {
        "D1": _counted(ELPL=(Start.CNF_SENT, Start.REASSIGNED)),
        "D2": _counted(RTA=(Start.CNF_SENT,), ELPL=(Start.ACKNOWLEDGED_OR_D1,)),
        "D3": _counted(RTA=(Start.CNF_SENT,)),
        "D4": _counted(RTA=(Start.ADMISSION,)),
        "D5": _both(Start.ISP_SENT),
        "D6": _both(Start.ISP_SENT),
        "D7": _both(Start.ISP_SENT),
        "D8": _both(Start.S2SP_SENT),
        "D9": _both(Start.S2SP_SENT),
        "D10": _both(Start.OFFER),
        "D11": _both(Start.DATE_ENTERED),
        "D12": _counted(RTA=(Start.AD_SENT,)),
        "D13": _both(Start.CPP_SENT),
        "D14": _both(Start.ISP_RESPONSE, Start.PARTIAL_ACCEPTANCE, Start.AGREEMENT),
        "D15": _counted(ELPL=(Start.ADMISSION,)),
    }
)

#: Facts an ``EntryRow.when`` may name; a typo fails the load check.
FACTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "insurer_type": "CNF InsurerType: I, S (insurer, self-insured) or M (MIB)",
        "article75": "applyArticle75 answer (RTA)",
        "claim_type": "EL/PL claim type: EL, ELD or PL",
        "interim_high": "the ISP requests more than 1,000 (D6/D7 rather than D5)",
    }
)


@dataclass(frozen=True)
class EntryRow:
    """One row: entering ``phase`` from one of ``sources`` under ``when`` arms or continues."""

    services: frozenset[Service]
    phase: str
    effect: Effect
    rules: tuple[str, ...]  # ARMS: the one rule armed; CONTINUES: the running rules carried on
    sources: frozenset[str]
    start: Start | None = None  # ARMS: the event counted from
    at_entry: bool = False  # ARMS: that event is the transition into the phase
    when: Mapping[str, frozenset[object]] = field(default_factory=dict)
    offer: bool = False  # the entry is an offer: the last-5-days rule (D10) applies

    def __post_init__(self) -> None:
        object.__setattr__(self, "when", MappingProxyType(dict(self.when)))

    @property
    def information_only(self) -> bool:
        return all(DEADLINES[r].information_only for r in self.rules if r in DEADLINES)

    def matches(self, facts: Mapping[str, object]) -> bool:
        return all(facts.get(key) in allowed for key, allowed in self.when.items())

    def label(self) -> str:
        where = "/".join(sorted(s.value for s in self.services))
        return f"{where} {self.phase} <- {sorted(self.sources)}: {self.effect} {self.rules}"


def arms(
    services: Iterable[Service],
    phase: str,
    rule: str,
    start: Start,
    *sources: str,
    at_entry: bool = False,
    offer: bool = False,
    **when: Iterable[object],
) -> EntryRow:
    """A row arming ``rule`` on entry from ``sources``; keyword arguments are condition facts."""
    facts = {key: frozenset(values) for key, values in when.items()}
    return EntryRow(
        frozenset(services), phase, Effect.ARMS, (rule,), frozenset(sources), start, at_entry,
        facts, offer,
    )  # fmt: skip


def continues(
    services: Iterable[Service],
    phase: str,
    rules: Iterable[str],
    *sources: str,
    offer: bool = False,
    **when: Iterable[object],
) -> EntryRow:
    """A row carrying the running deadline (one of ``rules``) on entry from ``sources``."""
    facts = {key: frozenset(values) for key, values in when.items()}
    return EntryRow(
        frozenset(services), phase, Effect.CONTINUES, tuple(rules), frozenset(sources), None,
        False, facts, offer,
    )  # fmt: skip


# ---------------------------------------------------------------------------------- the table
_SUB = "ClaimSubmitted"
_ACK = "ClaimAcknowledged"
_ART75 = "Article75Decision"
_LIAB = "LiabilityDecision"
_ADMITTED = ("LiabilityAdmitted", "LiabilityAdmittedForChild")
_REJECTED = "ClaimRejectedToCR"
_ISPF = "InterimSettlementPackForm"
_IPD = "InterimPaymentDecision"
_S21P = "Stage21Payment"
_S2F = "Stage2SettlementPackForm"
_S2D = "Stage2SettlementPackDecision"
_AGD = "Stage2SettlementPackAgreementDecision"
_CON = "Stage2SettlementPackCounterOfferNeeded"
_COCR = "Stage2SettlementPackCounterOfferByCR"
_CODEC = "Stage2SettlementPackCounterOfferDecision"
_ADF = "Stage2SettlementPackAdditionalDamagesForm"
_ADD = "Stage2SettlementPackAdditionalDamagesDecision"
_ADAD = "Stage2SettlementPackAdditionalDamagesAgreementDecision"
_CPPD = "CourtProceedingsPackDecision"
_B, _R, _E = BOTH_SERVICES, {RTA}, {ELPL}
_INSURER, _MIB = ("I", "S"), ("M",)
_COUNTER = ("D9", "D10", "D11")  # the total consideration period and what may move its end

# fmt: off
ROWS: Final[tuple[EntryRow, ...]] = (
    # Stage 1: the liability decision. A (re)sent CNF arms it; reassignment keeps it (5.4).
    arms(_R, _SUB, "D2", Start.CNF_SENT, NEW, _REJECTED, insurer_type=_INSURER),
    arms(_R, _SUB, "D3", Start.CNF_SENT, NEW, _REJECTED, insurer_type=_MIB),
    continues(_R, _SUB, ("D2", "D3"), _SUB),
    arms(_E, _SUB, "D2", Start.ACKNOWLEDGED_OR_D1, NEW, _REJECTED),
    arms(_E, _SUB, "D1", Start.CNF_SENT, NEW, _REJECTED),
    continues(_E, _SUB, ("D2",), _ACK),
    arms(_E, _SUB, "D1", Start.REASSIGNED, _ACK, at_entry=True),
    arms(_E, _ACK, "D2", Start.ACKNOWLEDGED_OR_D1, _SUB),
    continues(_R, _ART75, ("D2",), _SUB),
    continues(_R, _LIAB, ("D2",), _ART75, article75=(False,)),
    arms(_R, _LIAB, "D3", Start.CNF_SENT, _ART75, article75=(True,)),
    continues(_R, _LIAB, ("D2", "D3"), _SUB),
    continues(_E, _LIAB, ("D2",), _ACK),
    # Stage 1 after admission: information only (RTA Stage 1 costs, EL/ELD earnings information).
    *(arms(_R, p, "D4", Start.ADMISSION, _LIAB, at_entry=True) for p in _ADMITTED),
    *(arms(_E, p, "D15", Start.ADMISSION, _LIAB, at_entry=True, claim_type=("EL", "ELD"))
      for p in _ADMITTED),
    continues(_R, "Stage1Payment", ("D4",), *_ADMITTED),
    # Stage 2.1: the interim payment decision, its one extension, and the payment.
    arms(_B, _IPD, "D5", Start.ISP_SENT, _ISPF, at_entry=True, interim_high=(False,)),
    arms(_B, _IPD, "D6", Start.ISP_SENT, _ISPF, at_entry=True, interim_high=(True,)),
    arms(_B, _IPD, "D7", Start.ISP_SENT, _IPD, interim_high=(True,)),
    arms(_B, _S21P, "D14", Start.ISP_RESPONSE, _IPD, at_entry=True),
    arms(_B, _S21P, "D14", Start.PARTIAL_ACCEPTANCE, "AcknowledgePartialPaymentDecision"),
    # Stage 2: initial consideration (D8), extended (D11); then the total period (D9) through
    # the counter-offer phases, moved by late offers (D10) and agreed extensions (D11).
    arms(_B, _S2D, "D8", Start.S2SP_SENT, _S2F, at_entry=True),
    arms(_B, _S2D, "D11", Start.DATE_ENTERED, _S2D),
    arms(_B, "Stage2SettlementPackConfirmation", "D14", Start.AGREEMENT, _S2D, _CODEC,
         at_entry=True),
    arms(_B, _AGD, "D9", Start.S2SP_SENT, _S2D, offer=True),
    continues(_B, _AGD, _COUNTER, _CODEC, offer=True),
    continues(_B, _CON, _COUNTER, _AGD),
    continues(_B, _COCR, _COUNTER, _CON),
    continues(_B, _CODEC, _COUNTER, _COCR, offer=True),
    *(arms(_B, p, "D11", Start.DATE_ENTERED, p) for p in (_AGD, _CON, _COCR, _CODEC)),
    arms(_B, "Stage2SettlementPackAgreed", "D14", Start.AGREEMENT, _AGD, at_entry=True),
    # Stage 2 additional damages (RTA).
    arms(_R, _ADD, "D12", Start.AD_SENT, _ADF, at_entry=True),
    arms(_R, _ADD, "D11", Start.DATE_ENTERED, _ADD),
    arms(_R, "Stage2SettlementPackAdditionalDamagesAgreement", "D14", Start.AGREEMENT, _ADD,
         at_entry=True),
    arms(_R, "Stage2SettlementPackAllDamagesAgreed", "D14", Start.AGREEMENT, _ADAD,
         at_entry=True),
    # Stage 3: the Court Proceedings Pack response.
    arms(_B, _CPPD, "D13", Start.CPP_SENT, "CourtProceedingsPackForm", at_entry=True),
)
# fmt: on


# ---------------------------------------------------------------------------------- the question
@dataclass(frozen=True)
class EntryFacts:
    """What the claim brings into a phase: everything a row or a rule may need.

    ``dates`` holds the events (``Start``) that happened before this transition (the CNF sent
    date, the ISP or S2SP sent date, the first acknowledgement, the partial acceptance, the date an
    extension entered); events that *are* this transition take ``entered_on``.
    """

    service: Service
    phase: str
    source: str  # lifecycle.NEW for a claim being created
    entered_on: date  # Europe/London date of the transition
    claim_type: str | None = None
    insurer_type: str | None = None
    article75: bool | None = None
    interim_value: Decimal | int | None = None  # the ISP's requested value
    running: Deadline | None = None  # the deadline running before the transition
    dates: Mapping[Start, date] = field(default_factory=dict)

    def condition_values(self) -> dict[str, object]:
        high = (
            None if self.interim_value is None else Decimal(self.interim_value) > INTERIM_THRESHOLD
        )
        return {
            "insurer_type": self.insurer_type,
            "article75": self.article75,
            "claim_type": self.claim_type,
            "interim_high": high,
        }


@dataclass(frozen=True)
class EntryDecision:
    """What to do with the claim's deadline on entering a phase.

    ``deadline`` is the deadline running after the transition (``KEEP``: the one that ran;
    ``ARM``: a new one, whose ``timeout_at`` is the timeout instant; ``CANCEL``: none).
    ``information`` are information-only deadlines the phase arms (D1, D4, D14, D15): to record,
    with no timer. ``offer_late`` is set when the entry is an offer (5.4).
    """

    action: Action
    deadline: Deadline | None
    information: tuple[Deadline, ...] = ()
    offer_late: bool | None = None


class PhaseDeadlineTable:
    """The validated phase-deadline table. Construct it to check rows against the lifecycles."""

    def __init__(
        self,
        rows: Sequence[EntryRow],
        lifecycles: Mapping[Service, Lifecycle] = LIFECYCLES,
    ) -> None:
        self.rows: tuple[EntryRow, ...] = tuple(rows)
        self._index: dict[tuple[Service, str, str], list[EntryRow]] = {}
        for row in self.rows:
            for service in row.services:
                for source in row.sources:
                    self._index.setdefault((service, row.phase, source), []).append(row)
        _check(self, lifecycles)

    def rows_for(self, service: Service, phase: str, source: str) -> tuple[EntryRow, ...]:
        return tuple(self._index.get((service, phase, source), ()))

    def decide(self, facts: EntryFacts, calendar: BusinessCalendar) -> EntryDecision:
        rows = self.rows_for(facts.service, facts.phase, facts.source)
        values = facts.condition_values()
        matching = [row for row in rows if row.matches(values)]
        information = tuple(
            _armed(row, facts, calendar)
            for row in matching
            if row.information_only and row.effect is Effect.ARMS
        )
        timers = [row for row in matching if not row.information_only]
        if not timers:
            if any(not row.information_only for row in rows):
                raise _missing(facts, f"no row matches the facts {values}")
            return EntryDecision(Action.CANCEL, None, information)
        row = timers[0]  # the load check makes it the only one
        deadline = _armed(row, facts, calendar) if row.effect is Effect.ARMS else _kept(row, facts)
        late = None
        if row.offer:
            end, late = late_offer(calendar, facts.entered_on, deadline.due)
            if late:
                deadline = Deadline(LATE_OFFER_RULE, end)
        action = Action.KEEP if deadline == facts.running else Action.ARM
        return EntryDecision(action, deadline, information, late)


def _missing(facts: EntryFacts, reason: str) -> DeadlineTableError:
    return DeadlineTableError(
        f"{facts.service}: entering {facts.phase} from {facts.source}: {reason}",
        phase=facts.phase,
        source=facts.source,
    )


def _start(row: EntryRow, facts: EntryFacts, calendar: BusinessCalendar) -> date:
    def given(event: Start) -> date:
        if event not in facts.dates:
            raise _missing(facts, f"{row.rules[0]} counts from the {event.value}: not supplied")
        return facts.dates[event]

    if row.at_entry:
        return facts.entered_on
    if row.start is Start.ACKNOWLEDGED_OR_D1:
        sent = given(Start.CNF_SENT)
        return liability_start(calendar, sent, facts.dates.get(Start.ACKNOWLEDGED))
    assert row.start is not None  # the load check: every ARM row names its start
    return given(row.start)


def _armed(row: EntryRow, facts: EntryFacts, calendar: BusinessCalendar) -> Deadline:
    rule = DEADLINES[row.rules[0]]
    start = _start(row, facts, calendar)
    if not rule.business_days:  # D11: the date entered becomes the deadline
        if facts.running is None:
            raise _missing(facts, f"{rule.id} extends the running deadline: none is running")
        return agreed_extension(calendar, facts.running.due, start)
    return rule_deadline(calendar, rule.id, start, facts.service, facts.claim_type)


def _kept(row: EntryRow, facts: EntryFacts) -> Deadline:
    if facts.running is None or facts.running.rule not in row.rules:
        running = facts.running.rule if facts.running else None
        raise _missing(facts, f"{row.rules} continue, but the running deadline is {running}")
    return facts.running


# ---------------------------------------------------------------------------------- load checks
def _check(table: PhaseDeadlineTable, lifecycles: Mapping[Service, Lifecycle]) -> None:
    for row in table.rows:
        _check_row(row, lifecycles)
    _check_ambiguity(table)
    for service in {s for row in table.rows for s in row.services}:
        _check_coverage(table, lifecycles[service])


def _fail(reason: str, row: EntryRow | None = None, **context: Any) -> None:
    where = f"{row.label()}: " if row else ""
    raise DeadlineTableError(f"phase deadline table: {where}{reason}", **context)


def _check_row(row: EntryRow, lifecycles: Mapping[Service, Lifecycle]) -> None:
    unknown = [r for r in row.rules if r not in DEADLINES]
    if unknown or not row.rules or not row.services or not row.sources:
        _fail(f"unknown rules {unknown}, or no rule, service or source", row)
    if set(row.when) - set(FACTS):
        _fail(f"unknown condition facts {sorted(set(row.when) - set(FACTS))}", row)
    if len({DEADLINES[r].information_only for r in row.rules}) != 1:
        _fail("mixes information-only rules and timed rules", row)
    if row.effect is Effect.ARMS and (len(row.rules) != 1 or row.start is None):
        _fail("a row that arms names exactly one rule and one start event", row)
    if row.effect is Effect.CONTINUES and (row.start is not None or row.at_entry):
        _fail("a row that continues counts from nothing", row)
    if row.offer and (row.information_only or row.phase not in DEADLINES[LATE_OFFER_RULE].phases):
        _fail(f"offers move the total consideration period only ({LATE_OFFER_RULE})", row)
    for service in row.services:
        _check_row_in(row, lifecycles[service])


def _check_row_in(row: EntryRow, lc: Lifecycle) -> None:
    if row.phase not in lc or lc.phase(row.phase).end:
        _fail(f"{lc.service} has no active phase {row.phase}", row)
    column = lc.phase(row.phase).deadline_on_entry or ()
    into = {t.source for t in lc.transitions if t.target == row.phase}
    if row.sources - into:
        _fail(f"{lc.service}: no transition into the phase from {sorted(row.sources - into)}", row)
    for rule_id in row.rules:
        rule = DEADLINES[rule_id]
        given = rule_id in column if rule.information_only else row.phase in rule.phases
        if not given:
            _fail(f"lifecycle.md does not give {rule_id} to {lc.service} {row.phase}", row)
        if row.effect is Effect.CONTINUES:
            _check_continues(row, lc, rule_id)
        else:
            _check_counts(row, lc.service, rule_id)


def _check_continues(row: EntryRow, lc: Lifecycle, rule_id: str) -> None:
    for source in row.sources:
        if DEADLINES[rule_id].information_only:
            ok = rule_id in (lc.phase(source).deadline_on_entry or ())
        else:
            ok = deadline_continues(rule_id, source, row.phase)
        if not ok:
            _fail(f"{rule_id} does not run in {source} and {row.phase} alike", row)


def _check_counts(row: EntryRow, service: Service, rule_id: str) -> None:
    starts = COUNTED_FROM[rule_id].get(service, frozenset())
    if row.start not in starts:
        _fail(f"{service} {rule_id} is not counted from the {row.start}", row)
    rule = DEADLINES[rule_id]
    if not rule.business_days:
        return
    claim_types: Iterable[object] = (None,)
    if service is ELPL:  # a row names the claim types it is for, or is for all of them
        claim_types = row.when.get("claim_type", CLAIM_TYPES)
    for claim_type in (None if t is None else str(t) for t in claim_types):
        if not rule.applies_to(service, claim_type):
            _fail(f"{rule_id} has no count for {service} {claim_type or ''} claims", row)


def _overlap(a: EntryRow, b: EntryRow) -> bool:
    return all(a.when[key] & b.when[key] for key in a.when.keys() & b.when.keys())


def _check_ambiguity(table: PhaseDeadlineTable) -> None:
    for (service, phase, source), rows in table._index.items():
        for a, b in combinations(rows, 2):
            same_kind = a.information_only == b.information_only
            clash = not a.information_only or set(a.rules) & set(b.rules)
            if same_kind and clash and _overlap(a, b):
                _fail(
                    f"{service} {phase} from {source}: rows {a.label()} and {b.label()} "
                    f"are ambiguous",
                    phase=phase,
                )


def _check_coverage(table: PhaseDeadlineTable, lc: Lifecycle) -> None:
    service = lc.service
    for phase in lc.phases:
        rows = [r for r in table.rows if service in r.services and r.phase == phase.id]
        given = {rule for row in rows for rule in row.rules}
        given |= {LATE_OFFER_RULE} if any(row.offer for row in rows) else set()
        missing = set(phase.deadline_on_entry or ()) - given
        if missing:
            _fail(f"{service} {phase.id}: no row arms or continues {sorted(missing)}")
        if lc.timeout(phase.id) is None:
            continue
        for t in lc.transitions:
            timed = any(not r.information_only for r in table.rows_for(service, phase.id, t.source))
            if t.target == phase.id and not timed:
                _fail(f"{service} {phase.id} is timed, but {t.rule} enters it without a timer row")


#: The table, checked against both lifecycles at import.
PHASE_DEADLINES: Final = PhaseDeadlineTable(ROWS)


def deadline_for_entry(facts: EntryFacts, calendar: BusinessCalendar) -> EntryDecision:
    """Keep the running deadline, arm a new one, or cancel: the table's answer for ``facts``."""
    return PHASE_DEADLINES.decide(facts, calendar)
