"""The phase-deadline table: its load checks, and the one function on every rule and every row.

Expected dates are the hand-counted figures of test_deadlines (England and Wales bank holidays),
plus D3 from 23 Mar 2026: 30 BD over Good Friday, Easter Monday and the early-May holiday.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from gateway.domain.calendar import BusinessCalendar
from gateway.domain.deadlines import Deadline
from gateway.domain.lifecycle import LIFECYCLES, NEW
from gateway.domain.phase_deadlines import (
    PHASE_DEADLINES,
    ROWS,
    Action,
    DeadlineTableError,
    Effect,
    EntryDecision,
    EntryFacts,
    EntryRow,
    PhaseDeadlineTable,
    Start,
    arms,
    continues,
    deadline_for_entry,
)
from gateway.domain.services import Service

CAL = BusinessCalendar()
RTA, ELPL = Service.RTA, Service.ELPL
BOTH = list(Service)

S2D = "Stage2SettlementPackDecision"
AGD = "Stage2SettlementPackAgreementDecision"
CON = "Stage2SettlementPackCounterOfferNeeded"
COCR = "Stage2SettlementPackCounterOfferByCR"
CODEC = "Stage2SettlementPackCounterOfferDecision"
ADD = "Stage2SettlementPackAdditionalDamagesDecision"
COUNTER_PHASES = (AGD, CON, COCR, CODEC)


def enter(service: Service, phase: str, source: str, on: date, **facts: Any) -> EntryDecision:
    if service is ELPL:  # every EL/PL claim has its type; it changes only D2 and D15
        facts.setdefault("claim_type", "EL")
    return deadline_for_entry(EntryFacts(service, phase, source, on, **facts), CAL)


def armed(rule: str, due: date, *information: Deadline) -> EntryDecision:
    return EntryDecision(Action.ARM, Deadline(rule, due), information)


def kept(deadline: Deadline) -> EntryDecision:
    return EntryDecision(Action.KEEP, deadline)


def cancelled(*information: Deadline) -> EntryDecision:
    return EntryDecision(Action.CANCEL, None, information)


# ---------------------------------------------------------------------------------- stage 1, RTA
SENT = date(2026, 3, 23)  # Monday
RTA_D2 = Deadline("D2", date(2026, 4, 15))
RTA_D3 = Deadline("D3", date(2026, 5, 7))


@pytest.mark.parametrize("source", [NEW, "ClaimRejectedToCR"])
@pytest.mark.parametrize(("insurer", "expected"), [("I", RTA_D2), ("S", RTA_D2), ("M", RTA_D3)])
def test_rta_cnf_arms_d2_or_d3_for_mib(source: str, insurer: str, expected: Deadline) -> None:
    decision = enter(
        RTA, "ClaimSubmitted", source, SENT, insurer_type=insurer, dates={Start.CNF_SENT: SENT}
    )
    assert decision == EntryDecision(Action.ARM, expected)
    assert decision.deadline is not None
    # the timeout instant: 00:00 Europe/London (BST) the day after the deadline date
    next_day = expected.due.day + 1
    assert decision.deadline.timeout_at == datetime(
        2026, expected.due.month, next_day - 1, 23, tzinfo=UTC
    )


def test_mib_d3_from_an_older_sent_date() -> None:
    sent = date(2022, 8, 22)
    decision = enter(
        RTA, "ClaimSubmitted", NEW, sent, insurer_type="M", dates={Start.CNF_SENT: sent}
    )
    assert decision == armed("D3", date(2022, 10, 5))


def test_rta_reassignment_and_acceptance_keep_the_liability_deadline() -> None:
    later = date(2026, 4, 1)
    for source, phase in [
        ("ClaimSubmitted", "ClaimSubmitted"),
        ("ClaimSubmitted", "Article75Decision"),
    ]:
        assert enter(RTA, phase, source, later, insurer_type="I", running=RTA_D2) == kept(RTA_D2)
    mib = enter(RTA, "LiabilityDecision", "ClaimSubmitted", later, insurer_type="M", running=RTA_D3)
    assert mib == kept(RTA_D3)


def test_article75_applied_turns_d2_into_d3_from_the_sent_date() -> None:
    dates = {Start.CNF_SENT: SENT}
    applied = enter(
        RTA,
        "LiabilityDecision",
        "Article75Decision",
        date(2026, 4, 1),
        article75=True,
        running=RTA_D2,
        dates=dates,
    )
    assert applied == EntryDecision(Action.ARM, RTA_D3)
    refused = enter(
        RTA,
        "LiabilityDecision",
        "Article75Decision",
        date(2026, 4, 1),
        article75=False,
        running=RTA_D2,
        dates=dates,
    )
    assert refused == kept(RTA_D2)
    with pytest.raises(DeadlineTableError, match="no row matches"):
        enter(RTA, "LiabilityDecision", "Article75Decision", date(2026, 4, 1), running=RTA_D2)


@pytest.mark.parametrize("phase", ["LiabilityAdmitted", "LiabilityAdmittedForChild"])
def test_rta_admission_records_d4_and_cancels_the_timer(phase: str) -> None:
    decision = enter(RTA, phase, "LiabilityDecision", date(2025, 4, 14), running=RTA_D2)
    assert decision == cancelled(Deadline("D4", date(2025, 4, 30)))
    assert enter(RTA, "Stage1Payment", phase, date(2025, 4, 15)) == cancelled()


@pytest.mark.parametrize(
    ("phase", "source"),
    [
        ("LiabilityDecisionTimeout", "LiabilityDecision"),
        ("LiabilityAdmittedWithNegligence", "LiabilityDecision"),
        ("LiabilityNotAdmitted", "LiabilityDecision"),
        ("AcknowledgeRejectedClaim", "ClaimSubmitted"),
        ("FraudStated", "LiabilityDecision"),
        ("ExitProcessByCM", "Article75Decision"),
        ("ClaimDeleted", "ClaimSubmitted"),
    ],
)
def test_leaving_the_liability_phases_cancels(phase: str, source: str) -> None:
    assert enter(RTA, phase, source, date(2026, 4, 1), running=RTA_D2) == cancelled()


def test_the_stored_deadline_is_needed_to_continue() -> None:
    with pytest.raises(DeadlineTableError, match="running deadline is None"):
        enter(RTA, "Article75Decision", "ClaimSubmitted", date(2026, 4, 1))
    with pytest.raises(DeadlineTableError, match="CNF sent date"):
        enter(RTA, "ClaimSubmitted", NEW, SENT, insurer_type="I")


# ---------------------------------------------------------------------------------- stage 1, EL/PL
ELPL_SENT = date(2026, 11, 23)  # Monday; D1 is Tuesday 24 Nov
D1 = Deadline("D1", date(2026, 11, 24))


@pytest.mark.parametrize("source", [NEW, "ClaimRejectedToCR"])
@pytest.mark.parametrize(
    ("claim_type", "due"),
    [("EL", date(2027, 1, 8)), ("ELD", date(2027, 1, 8)), ("PL", date(2027, 1, 22))],
)
def test_elpl_cnf_arms_d2_by_claim_type_from_the_d1_date(
    source: str, claim_type: str, due: date
) -> None:
    decision = enter(
        ELPL,
        "ClaimSubmitted",
        source,
        ELPL_SENT,
        claim_type=claim_type,
        dates={Start.CNF_SENT: ELPL_SENT},
    )
    assert decision == armed("D2", due, D1)


def test_elpl_acknowledgement_counts_d2_from_the_acknowledgement_when_on_time() -> None:
    running = Deadline("D2", date(2027, 1, 8))

    def acknowledged(on: date | None) -> EntryDecision:
        dates = {Start.CNF_SENT: ELPL_SENT} | ({Start.ACKNOWLEDGED: on} if on else {})
        return enter(
            ELPL,
            "ClaimAcknowledged",
            "ClaimSubmitted",
            on or date(2026, 11, 30),
            claim_type="ELD",
            running=running,
            dates=dates,
        )

    assert acknowledged(ELPL_SENT) == armed("D2", date(2027, 1, 7))
    assert acknowledged(date(2026, 11, 24)) == kept(running)  # on the D1 date: the same count
    assert acknowledged(date(2026, 11, 26)) == kept(running)  # late: from the D1 date
    assert acknowledged(None) == kept(running)  # not supplied: from the D1 date


def test_elpl_reassignment_keeps_d2_and_runs_a_new_d1() -> None:
    running = Deadline("D2", date(2027, 1, 8))
    decision = enter(
        ELPL,
        "ClaimSubmitted",
        "ClaimAcknowledged",
        date(2026, 11, 27),
        claim_type="PL",
        running=running,
    )
    assert decision == EntryDecision(Action.KEEP, running, (Deadline("D1", date(2026, 11, 30)),))
    decision = enter(
        ELPL, "LiabilityDecision", "ClaimAcknowledged", date(2026, 11, 30), running=running
    )
    assert decision == kept(running)


@pytest.mark.parametrize("phase", ["LiabilityAdmitted", "LiabilityAdmittedForChild"])
@pytest.mark.parametrize(
    ("claim_type", "information"),
    [
        ("EL", (Deadline("D15", date(2026, 9, 28)),)),
        ("ELD", (Deadline("D15", date(2026, 9, 28)),)),
        ("PL", ()),
    ],
)
def test_elpl_admission_records_d15_for_el_and_eld_only(
    phase: str, claim_type: str, information: tuple[Deadline, ...]
) -> None:
    decision = enter(
        ELPL,
        phase,
        "LiabilityDecision",
        date(2026, 8, 31),
        claim_type=claim_type,
        running=Deadline("D2", date(2026, 9, 30)),
    )
    assert decision == cancelled(*information)


# ---------------------------------------------------------------------------------- stage 2.1
ISP = date(2023, 4, 27)


@pytest.mark.parametrize("service", BOTH)
def test_interim_decision_d5_d6_and_the_extension_d7(service: Service) -> None:
    low = enter(
        service,
        "InterimPaymentDecision",
        "InterimSettlementPackForm",
        ISP,
        interim_value=Decimal("1000.00"),
        claim_type="EL",
    )
    assert low == armed("D5", date(2023, 5, 15))
    high = enter(
        service,
        "InterimPaymentDecision",
        "InterimSettlementPackForm",
        ISP,
        interim_value=Decimal("1000.01"),
        claim_type="PL",
    )
    assert high == armed("D6", date(2023, 5, 22))
    extended = enter(
        service,
        "InterimPaymentDecision",
        "InterimPaymentDecision",
        date(2023, 5, 10),
        interim_value=2500,
        running=Deadline("D6", date(2023, 5, 22)),
        dates={Start.ISP_SENT: ISP},
    )
    assert extended == armed("D7", date(2023, 6, 13))
    with pytest.raises(DeadlineTableError, match="no row matches"):
        enter(
            service,
            "InterimPaymentDecision",
            "InterimPaymentDecision",
            date(2023, 5, 10),
            interim_value=1000,
            running=low.deadline,
            dates={Start.ISP_SENT: ISP},
        )
    with pytest.raises(DeadlineTableError, match="no row matches"):
        enter(service, "InterimPaymentDecision", "InterimSettlementPackForm", ISP)


@pytest.mark.parametrize("service", BOTH)
def test_interim_payment_d14_from_the_response_or_the_partial_acceptance(
    service: Service,
) -> None:
    d14 = Deadline("D14", date(2026, 1, 12))
    running = Deadline("D6", date(2026, 1, 2))
    full = enter(
        service, "Stage21Payment", "InterimPaymentDecision", date(2025, 12, 24), running=running
    )
    assert full == cancelled(d14)
    partial = enter(
        service,
        "Stage21Payment",
        "AcknowledgePartialPaymentDecision",
        date(2026, 1, 5),
        dates={Start.PARTIAL_ACCEPTANCE: date(2025, 12, 24)},
    )
    assert partial == cancelled(d14)
    with pytest.raises(DeadlineTableError, match="partial interim offer: not supplied"):
        enter(service, "Stage21Payment", "AcknowledgePartialPaymentDecision", date(2026, 1, 5))
    for phase, source in [
        ("PartialInterimPaymentDecision", "InterimPaymentDecision"),
        ("InterimSettlementPackRejected", "InterimPaymentDecision"),
        ("InterimPaymentDecisionTimeout", "InterimPaymentDecision"),
    ]:
        assert enter(service, phase, source, date(2026, 1, 5), running=running) == cancelled()


# ---------------------------------------------------------------------------------- stage 2
@pytest.mark.parametrize("service", BOTH)
def test_settlement_pack_decision_d8_and_its_extension_d11(service: Service) -> None:
    d8 = enter(service, S2D, "Stage2SettlementPackForm", date(2022, 5, 23))
    assert d8 == armed("D8", date(2022, 6, 15))
    extended = enter(
        service,
        S2D,
        S2D,
        date(2022, 6, 10),
        running=d8.deadline,
        dates={Start.DATE_ENTERED: date(2022, 6, 20)},
    )
    assert extended == armed("D11", date(2022, 6, 20))
    for bad in (date(2022, 6, 15), date(2022, 6, 18)):  # not after; a Saturday
        with pytest.raises(ValueError):
            enter(
                service,
                S2D,
                S2D,
                date(2022, 6, 10),
                running=d8.deadline,
                dates={Start.DATE_ENTERED: bad},
            )
    repudiated = enter(
        service, "Stage2SettlementPackRepudiation", S2D, date(2022, 6, 10), running=d8.deadline
    )
    assert repudiated == cancelled()


S2SP = date(2026, 4, 15)
D9 = Deadline("D9", date(2026, 6, 5))  # its last 5 BD are Mon 1 - Fri 5 Jun 2026


@pytest.mark.parametrize("service", BOTH)
def test_a_counter_offer_arms_d9_from_the_pack_and_a_late_one_d10(service: Service) -> None:
    dates = {Start.S2SP_SENT: S2SP}
    running = Deadline("D8", date(2026, 5, 6))
    on_time = enter(service, AGD, S2D, date(2026, 5, 6), running=running, dates=dates)
    assert on_time == EntryDecision(Action.ARM, D9, offer_late=False)
    extended = Deadline("D11", date(2026, 6, 1))  # D8 extended into the last days of D9
    late = enter(service, AGD, S2D, date(2026, 6, 1), running=extended, dates=dates)
    assert late == EntryDecision(Action.ARM, Deadline("D10", date(2026, 6, 8)), offer_late=True)


@pytest.mark.parametrize("service", BOTH)
@pytest.mark.parametrize(
    "running", [D9, Deadline("D10", date(2026, 6, 8)), Deadline("D11", date(2026, 6, 9))]
)
def test_the_total_period_runs_through_the_counter_offer_phases(
    service: Service, running: Deadline
) -> None:
    on = date(2026, 5, 20)
    for phase, source in [(CON, AGD), (COCR, CON), (CODEC, COCR), (AGD, CODEC)]:
        decision = enter(service, phase, source, on, running=running)
        assert (decision.action, decision.deadline) == (Action.KEEP, running), phase
    for phase in COUNTER_PHASES:
        extension = enter(
            service,
            phase,
            phase,
            on,
            running=running,
            dates={Start.DATE_ENTERED: date(2026, 6, 12)},
        )
        assert extension == armed("D11", date(2026, 6, 12))


@pytest.mark.parametrize("service", BOTH)
@pytest.mark.parametrize(
    ("offer", "expected", "late"),
    [
        (date(2026, 5, 29), D9, False),  # the 6th-last business day
        (date(2026, 6, 1), Deadline("D10", date(2026, 6, 8)), True),
        (date(2026, 6, 5), Deadline("D10", date(2026, 6, 12)), True),  # the last day
    ],
)
def test_offers_in_the_last_5_days_move_the_period(
    service: Service, offer: date, expected: Deadline, late: bool
) -> None:
    for phase, source in [(CODEC, COCR), (AGD, CODEC)]:  # the CR's and the compensator's offers
        decision = enter(service, phase, source, offer, running=D9)
        action = Action.ARM if late else Action.KEEP
        assert decision == EntryDecision(action, expected, offer_late=late)
    # answering without an offer moves nothing
    assert enter(service, CON, AGD, date(2026, 6, 5), running=D9) == kept(D9)


@pytest.mark.parametrize("service", BOTH)
def test_agreement_records_d14_and_not_agreed_cancels(service: Service) -> None:
    d14 = Deadline("D14", date(2026, 1, 12))
    on = date(2025, 12, 24)
    for phase, source in [
        ("Stage2SettlementPackConfirmation", S2D),
        ("Stage2SettlementPackConfirmation", CODEC),
        ("Stage2SettlementPackAgreed", AGD),
    ]:
        assert enter(service, phase, source, on, running=D9) == cancelled(d14)
    for phase, source in [
        ("Stage2SettlementPackNotAgreed", CODEC),
        ("Stage2SettlementPackNotAgreed", AGD),
        ("Stage2SettlementPackDecisionTimeout", S2D),
        ("ExitProcessByCR", COCR),
    ]:
        assert enter(service, phase, source, on, running=D9) == cancelled()


def test_rta_additional_damages_d12_d11_and_d14() -> None:
    d12 = enter(RTA, ADD, "Stage2SettlementPackAdditionalDamagesForm", date(2025, 12, 15))
    assert d12 == armed("D12", date(2026, 1, 8))
    extended = enter(
        RTA,
        ADD,
        ADD,
        date(2026, 1, 5),
        running=d12.deadline,
        dates={Start.DATE_ENTERED: date(2026, 1, 9)},
    )
    assert extended == armed("D11", date(2026, 1, 9))
    d14 = Deadline("D14", date(2026, 1, 12))
    for phase, source in [
        ("Stage2SettlementPackAdditionalDamagesAgreement", ADD),
        (
            "Stage2SettlementPackAllDamagesAgreed",
            "Stage2SettlementPackAdditionalDamagesAgreementDecision",
        ),
    ]:
        assert enter(RTA, phase, source, date(2025, 12, 24)) == cancelled(d14)
    timeout = "Stage2SettlementPackAdditionalDamagesDecisionTimeout"
    assert enter(RTA, timeout, ADD, date(2026, 1, 9), running=d12.deadline) == cancelled()


@pytest.mark.parametrize("service", BOTH)
def test_court_proceedings_pack_d13(service: Service) -> None:
    d13 = enter(
        service, "CourtProceedingsPackDecision", "CourtProceedingsPackForm", date(2027, 12, 23)
    )
    assert d13 == armed("D13", date(2028, 1, 4))
    for phase in ("CourtProceedingsPackResponse", "CourtProceedingsPackDecisionTimeoutEnd"):
        decision = enter(
            service, phase, "CourtProceedingsPackDecision", date(2028, 1, 5), running=d13.deadline
        )
        assert decision == cancelled()


# ---------------------------------------------------------------------------------- the table
def test_every_row_is_used_by_a_real_transition() -> None:
    for row in ROWS:
        for service in row.services:
            lc = LIFECYCLES[service]
            for source in row.sources:
                assert any(t.source == source and t.target == row.phase for t in lc.transitions), (
                    row.label()
                )


@pytest.mark.parametrize("service", BOTH)
def test_the_table_agrees_with_the_deadline_on_entry_column(service: Service) -> None:
    for phase in LIFECYCLES[service].phases:
        rows = [r for r in ROWS if service in r.services and r.phase == phase.id]
        named = {rule for row in rows for rule in row.rules}
        named |= {"D10"} if any(row.offer for row in rows) else set()
        assert set(phase.deadline_on_entry or ()) <= named, phase.id
        extra = named - set(phase.deadline_on_entry or ())
        assert extra <= {"D10", "D11"}, phase.id  # what the counter-offer extensions add


def _table(
    *extra: EntryRow, without: tuple[str, ...] = (), effect: Effect = Effect.ARMS
) -> PhaseDeadlineTable:
    """The real rows plus ``extra``, less the rows of ``effect`` on the rules ``without``."""
    kept_rows = [r for r in ROWS if not (r.rules[0] in without and r.effect is effect)]
    return PhaseDeadlineTable([*kept_rows, *extra])


def test_the_table_rebuilds() -> None:
    assert len(_table().rows) == len(PHASE_DEADLINES.rows)


_R, _E, _B = {RTA}, {ELPL}, set(Service)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (lambda: _table(arms(_R, "ClaimSubmitted", "D99", Start.CNF_SENT, NEW)), "unknown rules"),
        (
            lambda: _table(arms(_R, "ClaimSubmitted", "D2", Start.CNF_SENT, NEW, colour=("red",))),
            "unknown condition facts",
        ),
        (
            lambda: _table(
                arms(
                    _B,
                    "InterimPaymentDecision",
                    "D8",
                    Start.S2SP_SENT,
                    "InterimSettlementPackForm",
                    at_entry=True,
                )
            ),
            "does not give D8",
        ),
        (
            lambda: _table(
                arms(
                    _R, "Stage1Payment", "D14", Start.AGREEMENT, "LiabilityAdmitted", at_entry=True
                )
            ),
            "does not give D14",
        ),
        (
            lambda: _table(
                arms(_E, "LiabilityDecision", "D3", Start.CNF_SENT, "ClaimAcknowledged")
            ),
            "not counted from",
        ),
        (
            lambda: _table(arms(_B, S2D, "D8", Start.CNF_SENT, "Stage2SettlementPackForm")),
            "not counted from",
        ),
        (
            lambda: _table(
                arms(
                    _E,
                    "LiabilityAdmitted",
                    "D15",
                    Start.ADMISSION,
                    "LiabilityDecision",
                    at_entry=True,
                ),
                without=("D15",),
            ),
            "no count for elpl PL",
        ),
        (
            lambda: _table(arms(_B, S2D, "D8", Start.S2SP_SENT, "StartOfStage21")),
            "no transition into the phase",
        ),
        (
            lambda: _table(arms(_B, "ExitProcessEnd", "D13", Start.CPP_SENT, "ExitProcessByCR")),
            "no active phase",
        ),
        (lambda: _table(continues(_B, AGD, ("D11",), S2D)), "does not run in"),
        (
            lambda: _table(continues(_R, "Stage1Payment", ("D4", "D2"), "LiabilityAdmitted")),
            "mixes",
        ),
        (
            lambda: _table(
                arms(
                    _B,
                    S2D,
                    "D8",
                    Start.S2SP_SENT,
                    "Stage2SettlementPackForm",
                    at_entry=True,
                    offer=True,
                )
            ),
            "offers move",
        ),
        (
            lambda: _table(
                arms(_R, "ClaimSubmitted", "D3", Start.CNF_SENT, NEW, insurer_type=("I",))
            ),
            "ambiguous",
        ),
        (
            lambda: _table(arms(_R, "ClaimSubmitted", "D2", Start.CNF_SENT, "ClaimSubmitted")),
            "ambiguous",
        ),
        (lambda: _table(without=("D8",)), "no row arms or continues"),
        (lambda: _table(without=("D9",), effect=Effect.CONTINUES), "without a timer row"),
        (
            lambda: _table(replace(ROWS[0], start=None)),
            "exactly one rule",
        ),
        (
            lambda: _table(replace(ROWS[2], start=Start.CNF_SENT)),
            "counts from nothing",
        ),
    ],
    ids=[
        "unknown-rule",
        "unknown-fact",
        "rule-not-given-to-the-phase",
        "information-rule-not-in-the-column",
        "rule-of-another-service",
        "wrong-start-event",
        "rule-without-count-for-a-claim-type",
        "source-not-a-transition",
        "end-phase",
        "continue-across-timeout-types",
        "mixed-continue",
        "offer-outside-the-counter-offer-phases",
        "ambiguous-arms",
        "ambiguous-arm-and-continue",
        "column-rule-missing",
        "timed-entry-without-a-timer",
        "arm-without-start",
        "continue-with-start",
    ],
)
def test_a_broken_table_is_rejected_at_load(table: Any, message: str) -> None:
    with pytest.raises(DeadlineTableError, match=message):
        table()
