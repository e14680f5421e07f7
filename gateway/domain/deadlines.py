"""Deadlines D1-D15 (lifecycle.md 5.3 and 5.4) as data, and the pure functions that compute them.

Each ``DeadlineRule`` says how many business days it counts per service and claim type, what it is
counted from, the phases it times out (empty: information only), the warnings it sends and its
``TimeOutType`` code (payloads.md section 7) per phase. The functions take a ``BusinessCalendar``
and dates (Europe/London calendar dates) and return dates; the clock, the timers and the storage
of the current deadline belong to the service layer. Which rule a phase arms, continues or cancels
on entry is the table of ``phase_deadlines``.

Rules of operations.md 4.5 that move deadlines: ``resendRejectedClaim`` restarts D1/D2/D3 from the
resend date; ``reassignToAnotherCM`` keeps the sent date and the liability deadline (EL/PL: only a
new D1 notification runs from the reassignment); ``applyArticle75(true)`` turns D2 into D3 from the
sent date; the interim extension (D7) is allowed once, for requests over 1,000, 30 BD from the ISP
date; agreed extensions (D11) must be a business day after the current deadline and may repeat.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo

from gateway.domain.calendar import BusinessCalendar
from gateway.domain.services import Service

RTA: Final = "RTA"  # the claim-type key of RTA claims in ``DeadlineRule.business_days``
CLAIM_TYPES: Final = frozenset({"EL", "ELD", "PL"})
INTERIM_THRESHOLD: Final = Decimal(1000)
LATE_OFFER_WINDOW: Final = 5  # the last 5 BD of the total consideration period (5.4)

DAYS_LEFT: Final = "days_left"
TIME_LIMIT_REACHED: Final = "time_limit_reached"

#: payloads.md section 7, ``Timeouts/CurrentTimeout/@TimeOutType``.
TIMEOUT_TYPES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "11": "D2 liability decision (insurer; EL/PL all types)",
        "12": "D3 liability decision (MIB or Article 75)",
        "21": "D5 interim decision, request <= 1,000",
        "22": "D6 interim decision, request > 1,000",
        "23": "D7 interim decision, extended",
        "31": "D8 S2SP initial consideration",
        "32": "D9 S2SP total consideration",
        "33": "D10 late-offer extension",
        "34": "D11 agreed extension of the S2SP decision",
        "35": "D11 agreed extension of the counter-offer period",
        "41": "D12 additional damages decision",
        "42": "D11 agreed extension of the additional damages decision",
        "51": "D13 court proceedings pack response",
    }
)

_LIABILITY = ("ClaimSubmitted", "ClaimAcknowledged", "Article75Decision", "LiabilityDecision")
_S2SP_DECISION = "Stage2SettlementPackDecision"
_COUNTER_OFFER = (
    "Stage2SettlementPackAgreementDecision",
    "Stage2SettlementPackCounterOfferNeeded",
    "Stage2SettlementPackCounterOfferByCR",
    "Stage2SettlementPackCounterOfferDecision",
)
_AD_DECISION = "Stage2SettlementPackAdditionalDamagesDecision"


@dataclass(frozen=True)
class DeadlineRule:
    """One row of lifecycle.md 5.3."""

    id: str
    step: str
    #: Business days per claim type: ``"RTA"`` for RTA claims, ``"EL"``/``"ELD"``/``"PL"``.
    #: Empty for D11 (a date entered by the parties).
    business_days: Mapping[str, int]
    counted_from: str
    #: Phase id -> ``TimeOutType`` code, for the phases whose TIMEOUT this rule drives.
    timeout_types: Mapping[str, str] = field(default_factory=dict)
    #: "N days left" warnings, in business days before the deadline date.
    warnings: tuple[int, ...] = ()
    time_limit_reached: bool = False

    @property
    def phases(self) -> frozenset[str]:
        """Phases this rule times out; empty for information-only rules (D1, D4, D14, D15)."""
        return frozenset(self.timeout_types)

    @property
    def information_only(self) -> bool:
        return not self.timeout_types

    def applies_to(self, service: Service, claim_type: str | None = None) -> bool:
        return _key(service, claim_type) in self.business_days

    def days(self, service: Service, claim_type: str | None = None) -> int:
        """Business days of this rule for the service (and EL/PL claim type)."""
        key = _key(service, claim_type)
        if key not in self.business_days:
            raise ValueError(f"{self.id} does not apply to {key} claims")
        return self.business_days[key]

    def timeout_type(self, phase_id: str) -> str | None:
        return self.timeout_types.get(phase_id)


def _key(service: Service, claim_type: str | None) -> str:
    if service is Service.RTA:
        return RTA
    if claim_type not in CLAIM_TYPES:
        raise ValueError(f"EL/PL claim type must be EL, ELD or PL, got {claim_type!r}")
    return claim_type


def _same(days: int, *keys: str) -> dict[str, int]:
    return dict.fromkeys(keys or (RTA, "EL", "ELD", "PL"), days)


def _codes(code: str, *phases: str) -> dict[str, str]:
    return dict.fromkeys(phases, code)


def _rules() -> Mapping[str, DeadlineRule]:
    # fmt: off
    rules = (
        DeadlineRule("D1", "Electronic acknowledgement of the CNF", _same(1, "EL", "ELD", "PL"),
                     "CNF sent date", time_limit_reached=True),
        DeadlineRule("D2", "Liability decision", {RTA: 15, "EL": 30, "ELD": 30, "PL": 40},
                     "RTA: CNF sent date; EL/PL: acknowledgement date, or the D1 date",
                     _codes("11", *_LIABILITY), (5,), True),
        DeadlineRule("D3", "Liability decision (MIB or Article 75)", {RTA: 30}, "CNF sent date",
                     _codes("12", *_LIABILITY), (5,), True),
        DeadlineRule("D4", "Payment of Stage 1 fixed costs", {RTA: 10},
                     "date of the liability admission"),
        DeadlineRule("D5", "Interim payment decision", _same(10), "ISP sent date",
                     _codes("21", "InterimPaymentDecision"), (3,), True),
        DeadlineRule("D6", "Interim payment decision", _same(15), "ISP sent date",
                     _codes("22", "InterimPaymentDecision"), (3,), True),
        DeadlineRule("D7", "Interim payment decision (extended)", _same(30), "ISP sent date",
                     _codes("23", "InterimPaymentDecision"), (3,), True),
        DeadlineRule("D8", "Stage 2 Settlement Pack decision", _same(15), "S2SP sent date",
                     _codes("31", _S2SP_DECISION), (3,), True),
        DeadlineRule("D9", "Stage 2 Settlement Pack consideration period", _same(35),
                     "S2SP sent date", _codes("32", *_COUNTER_OFFER), (3,), True),
        DeadlineRule("D10", "Stage 2 Settlement Pack consideration period (late offer)",
                     _same(LATE_OFFER_WINDOW), "date of a late offer",
                     _codes("33", *_COUNTER_OFFER), (3,), True),
        DeadlineRule("D11", "Agreed extension", {}, "date entered by the parties",
                     {_S2SP_DECISION: "34", **_codes("35", *_COUNTER_OFFER), _AD_DECISION: "42"},
                     (3,), True),
        DeadlineRule("D12", "Additional damages decision", {RTA: 15}, "AD request sent date",
                     _codes("41", _AD_DECISION), (3,), True),
        DeadlineRule("D13", "Court Proceedings Pack response", _same(5), "CPP sent date",
                     _codes("51", "CourtProceedingsPackDecision"), (), True),
        DeadlineRule("D14", "Payment of an interim payment or of agreed damages", _same(10),
                     "ISP response, partial acceptance, or agreement date"),
        DeadlineRule("D15", "Earnings information after admission", _same(20, "EL", "ELD"),
                     "date of the liability admission"),
    )
    # fmt: on
    return MappingProxyType({rule.id: rule for rule in rules})


#: lifecycle.md 5.3 by id.
DEADLINES: Final[Mapping[str, DeadlineRule]] = _rules()


@dataclass(frozen=True)
class Deadline:
    """A computed deadline: the rule and the last day (the claim times out the day after)."""

    rule: str
    due: date

    @property
    def timeout_at(self) -> datetime:
        return timeout_instant(self.due)

    def timeout_type(self, phase_id: str) -> str | None:
        return DEADLINES[self.rule].timeout_type(phase_id)


@dataclass(frozen=True)
class DeadlineWarning:
    """A warning to send at 00:00 Europe/London on ``on`` (5.3: "N days left", time limit)."""

    rule: str
    kind: str  # DAYS_LEFT or TIME_LIMIT_REACHED
    on: date
    days_left: int | None = None

    @property
    def at(self) -> datetime:
        return london_midnight(self.on)


# ---------------------------------------------------------------------------------- instants
@cache
def london() -> ZoneInfo:
    """The Europe/London zone (loaded on first use, not at import)."""
    return ZoneInfo("Europe/London")


def london_midnight(day: date) -> datetime:
    """00:00 Europe/London at the start of ``day`` (tz-aware)."""
    return datetime(day.year, day.month, day.day, tzinfo=london())


def timeout_instant(deadline_date: date) -> datetime:
    """When a deadline has fully passed: 00:00 Europe/London on the next calendar day."""
    return london_midnight(deadline_date + timedelta(days=1))


def london_date(instant: datetime) -> date:
    """The Europe/London calendar date of an aware instant (naive instants are refused)."""
    if instant.tzinfo is None:
        raise ValueError("a naive datetime has no Europe/London date")
    return instant.astimezone(london()).date()


# ---------------------------------------------------------------------------------- rules
def rule_deadline(
    calendar: BusinessCalendar,
    rule_id: str,
    start: date,
    service: Service,
    claim_type: str | None = None,
) -> Deadline:
    """``rule_id``'s business days counted from ``start`` (the start day never counts)."""
    days = DEADLINES[rule_id].days(service, claim_type)
    return Deadline(rule_id, calendar.add_business_days(start, days))


def _uniform(calendar: BusinessCalendar, rule_id: str, start: date) -> Deadline:
    """A rule whose count is the same for every service and claim type."""
    counts = set(DEADLINES[rule_id].business_days.values())
    if len(counts) != 1:
        raise ValueError(f"{rule_id} depends on the service or claim type")
    return Deadline(rule_id, calendar.add_business_days(start, counts.pop()))


def acknowledgement_deadline(calendar: BusinessCalendar, sent_date: date) -> Deadline:
    """D1 (EL/PL): 1 BD from the CNF sent date (or from a reassignment). Notification only."""
    return _uniform(calendar, "D1", sent_date)


def liability_deadline(
    calendar: BusinessCalendar,
    service: Service,
    sent_date: date,
    claim_type: str | None = None,
    mib_or_art75: bool = False,
    acknowledged_on: date | None = None,
) -> Deadline:
    """D2, or D3 for an RTA MIB claim or once Article 75 is applied.

    RTA counts from the CNF sent date. EL/PL counts from the acknowledgement date, or from the D1
    date when the claim was acknowledged after it or not (yet) at all.
    """
    if service is Service.RTA:
        rule = "D3" if mib_or_art75 else "D2"
        return rule_deadline(calendar, rule, sent_date, service)
    if mib_or_art75:
        raise ValueError("D3 (MIB / Article 75) applies to RTA claims only")
    start = liability_start(calendar, sent_date, acknowledged_on)
    return rule_deadline(calendar, "D2", start, service, claim_type)


def liability_start(
    calendar: BusinessCalendar, sent_date: date, acknowledged_on: date | None = None
) -> date:
    """Where EL/PL D2 counts from: the acknowledgement date, or the D1 date when the claim was
    acknowledged after it or not (yet) at all (lifecycle.md 5.3, decided)."""
    d1 = acknowledgement_deadline(calendar, sent_date).due
    if acknowledged_on is not None and acknowledged_on < sent_date:
        raise ValueError(f"acknowledged on {acknowledged_on}, before the sent date {sent_date}")
    return acknowledged_on if acknowledged_on is not None and acknowledged_on <= d1 else d1


def stage1_costs_deadline(calendar: BusinessCalendar, admission_date: date) -> Deadline:
    """D4 (RTA): Stage 1 fixed costs, 10 BD from the liability admission. Information only."""
    return rule_deadline(calendar, "D4", admission_date, Service.RTA)


def earnings_information_deadline(
    calendar: BusinessCalendar, admission_date: date, claim_type: str
) -> Deadline | None:
    """D15 (EL and ELD; none for PL): 20 BD from the liability admission. Information only."""
    if not DEADLINES["D15"].applies_to(Service.ELPL, claim_type):
        return None
    return rule_deadline(calendar, "D15", admission_date, Service.ELPL, claim_type)


def interim_extension_allowed(requested_value: Decimal | int, already_extended: bool) -> bool:
    """``extendInterimPaymentDecisionTimeout``: once, and only for requests over 1,000."""
    return Decimal(requested_value) > INTERIM_THRESHOLD and not already_extended


def interim_deadline(
    calendar: BusinessCalendar,
    isp_sent: date,
    requested_value: Decimal | int,
    extended: bool = False,
) -> Deadline:
    """D5 (request <= 1,000: 10 BD), D6 (> 1,000: 15 BD) or D7 (extended: 30 BD) from the ISP."""
    high = Decimal(requested_value) > INTERIM_THRESHOLD
    if extended and not high:
        raise ValueError("only an interim request over 1,000 can be extended (D7)")
    rule = "D7" if extended else "D6" if high else "D5"
    return _uniform(calendar, rule, isp_sent)


def s2sp_initial(calendar: BusinessCalendar, s2sp_sent: date) -> Deadline:
    """D8: the initial consideration period, 15 BD from the S2SP sent date."""
    return _uniform(calendar, "D8", s2sp_sent)


def s2sp_total(calendar: BusinessCalendar, s2sp_sent: date) -> Deadline:
    """D9: the total consideration period, 35 BD from the S2SP sent date."""
    return _uniform(calendar, "D9", s2sp_sent)


def late_offer(
    calendar: BusinessCalendar, offer_date: date, current_end: date
) -> tuple[date, bool]:
    """The last-5-days rule (5.4): ``(period end after the offer, offer is late)``.

    An offer made on one of the last 5 business days up to ``current_end`` (or on a non-business
    day among them) is late, and the period end becomes the offer date + 5 BD (D10). Equivalently:
    the offer is late exactly when offer date + 5 BD falls after the current end.
    """
    extended = calendar.add_business_days(offer_date, LATE_OFFER_WINDOW)
    if extended > current_end:
        return extended, True
    return current_end, False


def agreed_extension(calendar: BusinessCalendar, current_end: date, new_date: date) -> Deadline:
    """D11: the date entered becomes the deadline; it must be a business day after the current one.

    Raises ``ValueError`` (the handler answers ``BUSINESS_RULE``) otherwise.
    """
    if new_date <= current_end:
        raise ValueError(f"the new deadline {new_date} is not after the current one {current_end}")
    if not calendar.is_business_day(new_date):
        raise ValueError(f"the new deadline {new_date} is not a business day")
    return Deadline("D11", new_date)


def additional_damages_deadline(calendar: BusinessCalendar, ad_sent: date) -> Deadline:
    """D12 (RTA): 15 BD from the additional-damages request."""
    return rule_deadline(calendar, "D12", ad_sent, Service.RTA)


def cpp_response_deadline(calendar: BusinessCalendar, cpp_sent: date) -> Deadline:
    """D13: 5 BD from the Court Proceedings Pack sent date (both services)."""
    return _uniform(calendar, "D13", cpp_sent)


def payment_deadline(calendar: BusinessCalendar, event_date: date) -> Deadline:
    """D14: 10 BD from the ISP response, partial acceptance or agreement. Information only."""
    return _uniform(calendar, "D14", event_date)


# ---------------------------------------------------------------------------------- warnings
def warning_dates(
    calendar: BusinessCalendar,
    deadline: date,
    rule: DeadlineRule | str,
    armed_on: date | None = None,
) -> list[DeadlineWarning]:
    """The warnings of ``rule`` for a deadline on ``deadline``, in the order they are sent.

    "N days left" goes at 00:00 on the business day N business days before the deadline date;
    "time limit reached" when the deadline has passed (00:00 the next day). With ``armed_on`` (the
    London date the deadline is armed), warnings falling on or before that day are dropped.
    """
    spec = DEADLINES[rule] if isinstance(rule, str) else rule
    found = [
        DeadlineWarning(spec.id, DAYS_LEFT, calendar.business_days_before(deadline, n), n)
        for n in sorted(spec.warnings, reverse=True)
    ]
    if spec.time_limit_reached:
        found.append(DeadlineWarning(spec.id, TIME_LIMIT_REACHED, deadline + timedelta(days=1)))
    if armed_on is not None:
        found = [w for w in found if w.on > armed_on]
    return found


def rules_for_phase(phase_id: str) -> tuple[DeadlineRule, ...]:
    """The rules that can time out ``phase_id`` (empty when the phase has no timer)."""
    return tuple(rule for rule in DEADLINES.values() if phase_id in rule.timeout_types)


def deadline_continues(rule_id: str, from_phase: str, to_phase: str) -> bool:
    """Does the running deadline ``rule_id`` carry over from ``from_phase`` into ``to_phase``?

    It does when it times out both phases under the same ``TimeOutType`` (D2 through the
    liability phases, D9/D10/D11 through the counter-offer phases); otherwise the transition
    cancels it and the new phase arms its own deadline, if any (an extended S2SP decision, D11
    code 34, does not carry into the counter-offer period, which runs on D9).
    """
    rule = DEADLINES[rule_id]
    code = rule.timeout_type(from_phase)
    return code is not None and code == rule.timeout_type(to_phase)
