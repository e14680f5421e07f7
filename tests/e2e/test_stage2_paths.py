"""Stage 2.1, Stage 2 and Stage 3 of an RTA claim over the wire, with zeep against a live server:
every workflow row of lifecycle.md 2.2 from ``StartOfStage21`` on (the timeouts are in
test_stage2_timeouts.py). Each step checks the phase, the new GUID, that the previous GUID is now
refused (``GUID_STALE``, nothing changed), the notices of lifecycle.md 6 and the journal row with
the lifecycle row id it took (``transition``).

The long paths run on SQLite only; one representative path (counter offers to an agreement) runs
on PostgreSQL too. ``Stage2World`` is shared by test_stage2_timeouts.py."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import pytest
import zeep

from gateway.domain.calendar import BusinessCalendar
from gateway.domain.deadlines import london_midnight
from gateway.domain.lifecycle import LIFECYCLES
from gateway.domain.services import Service, Side
from gateway.service.claims.calendar_store import calendar_from_store
from gateway.service.timeouts import TimeoutWorker
from tests.conftest import LiveServer, MovableClock
from tests.e2e import claims as packs
from tests.e2e.test_stage1_paths import CR_USERS, Claimed, World
from tests.wire import RTA_PATH

#: Run a test on SQLite only (the ``database_url`` fixture is parametrised over both databases).
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

RTA = LIFECYCLES[Service.RTA]
RULES = {row.rule: row for row in RTA.transitions}  # wildcard rows share rule id and target
CR, COMP = "cr-rta-ch", "comp-rta-ch"
#: Who receives a notice of each side (lifecycle.md 6): every user of the side who can see the
#: claim, no one being allocated (the dispatcher only before acceptance).
USERS = {Side.CR: CR_USERS, Side.COMP: ("comp-rta-ch", "comp-rta-tl")}

AD_START = "StartOfStage2SettlementPackAdditionalDamages"
AD_FORM = "Stage2SettlementPackAdditionalDamagesForm"
AD_DECISION = "Stage2SettlementPackAdditionalDamagesDecision"
AD_AGREEMENT_DECISION = "Stage2SettlementPackAdditionalDamagesAgreementDecision"
CPP_FORM = "CourtProceedingsPackForm"
S2_DECISION = "Stage2SettlementPackDecision"
AGREEMENT = "Stage2SettlementPackAgreementDecision"
COUNTER_NEEDED = "Stage2SettlementPackCounterOfferNeeded"
COUNTER_BY_CR = "Stage2SettlementPackCounterOfferByCR"
COUNTER_DECISION = "Stage2SettlementPackCounterOfferDecision"
NOT_AGREED = "Stage2SettlementPackNotAgreed"
EXTEND_COUNTER = "extendStage2SPFCounterOfferTimeout"
LOW = {"8": "420.00", "10": "96.40"}  # an interim request of 516.40: up to 1,000 (D5)


def _side(user: str) -> Side:
    return Side.CR if user.startswith("cr-") else Side.COMP


class Due(NamedTuple):
    """A claim a sweep must time out: into ``phase`` by lifecycle row ``rule``; ``probe`` (user,
    operation, fields) is then refused with the GUID the claim had before."""

    claim: Claimed
    phase: str
    rule: str
    probe: tuple[str, str, dict[str, Any]]


@dataclass
class Stage2World(World):
    clock: MovableClock | None = None

    # ------------------------------------------------------------------------------ steps
    def go(
        self,
        user: str,
        operation: str,
        claim: Claimed,
        expected: str,
        rule: str,
        *,
        message: str | None = None,
        **fields: Any,
    ) -> Any:
        """One checked step: ``World.advance`` (phase, new GUID, journal), the lifecycle row,
        the notices (``message`` is the specific one that replaces the generic phase change) and
        the previous GUID refused."""
        row = RULES[rule]
        assert (row.trigger, row.target) == (operation, expected), f"{rule} is {row}"
        previous = replace(claim)
        seen = frozenset(g for g, _, _ in self.notices(claim.application_id))
        reply = self.advance(user, operation, claim, expected, **fields)
        entry = self.last_journal()
        assert (entry.guid_after, entry.transition) == (claim.guid, rule), (
            f"{operation} journaled row {entry.transition}, expected {rule}"
        )
        self.check_notices(claim, _side(user), seen, message)
        self.check_stale(user, operation, previous, claim, **fields)
        return reply

    def quick(
        self, user: str, operation: str, claim: Claimed, expected: str, **fields: Any
    ) -> None:
        """A step already checked elsewhere, on the way to the one a test is about."""
        reply = self.actor(user).step(operation, claim, **fields)
        assert reply.code == "Ok", reply
        assert reply.claimInfo.phaseCacheId == expected
        claim.guid, claim.phase = reply.claimInfo.activityEngineGuid, expected

    def check_notices(
        self, claim: Claimed, side: Side, seen: frozenset[str], message: str | None = None
    ) -> list[tuple[str, str]]:
        """lifecycle.md 6: an end phase tells both sides it ended; a phase on the other side's
        worklist (or any, after a timeout) tells that side it moved, unless ``message`` replaces
        it. The gateway does not tell the acting side of its own step."""
        fresh = self.notifications(claim.application_id, after=seen)
        phase = RTA.phase(claim.phase)
        if phase.end:
            text = f"Claim {claim.application_id} ended: {phase.name}"
            receivers = USERS[Side.CR] + USERS[Side.COMP]
        elif phase.worklist is not None and (phase.worklist != side or side is Side.SYSTEM):
            text = message or f"Claim {claim.application_id} moved to {phase.name}"
            receivers = USERS[phase.worklist]
        else:
            return fresh
        for user in receivers:
            assert any(u == user and (text in m if message else m == text) for u, m in fresh), (
                f"{user} was not told {text!r}: {fresh}"
            )
        return fresh

    def check_stale(
        self, user: str, operation: str, previous: Claimed, claim: Claimed, **fields: Any
    ) -> None:
        """The GUID the claim had before its last step is refused, and nothing changes."""
        reply = self.actor(user).step(operation, previous, **fields)
        assert reply.code == "Failure" and reply.details.startswith("GUID_STALE"), reply
        assert reply.claimInfo.activityEngineGuid == claim.guid
        assert reply.claimInfo.phaseCacheId == claim.phase
        entry = self.last_journal()
        assert (entry.operation, entry.outcome, entry.error_key, entry.transition) == (
            operation,
            "Failure",
            "GUID_STALE",
            None,
        )
        row = self.claim_row(claim.application_id)
        assert (row.phase, row.guid) == (claim.phase, claim.guid)

    def ended(self, claim: Claimed) -> None:
        assert self.claim_row(claim.application_id).ended

    # ------------------------------------------------------------------------ time moves
    def calendar(self) -> BusinessCalendar:
        with self.live.components.database.unit_of_work() as uow:
            return calendar_from_store(uow)

    def move_to(self, moment: datetime) -> None:
        assert self.clock is not None
        self.clock.advance((moment - self.clock.now()).total_seconds())
        self.actors.clear()  # access tokens last minutes, not weeks

    def move_to_day(self, day: date, hour: int = 10) -> None:
        self.move_to(london_midnight(day) + timedelta(hours=hour))

    def extension(self, claim: Claimed, business_days: int = 1) -> datetime:
        """A D11 date ``business_days`` after the claim's current deadline."""
        due = self.claim_row(claim.application_id).deadline_date
        assert due is not None
        later = self.calendar().add_business_days(due, business_days)
        return datetime(later.year, later.month, later.day, 12, tzinfo=UTC)

    def sweep(self, *due: Due, expected_timeouts: int | None = None) -> None:
        """One sweep of the timeout worker: each claim in ``due`` times out (SYSTEM journal row
        with its lifecycle row, new GUID, "time limit reached" to both sides, the phase notices)
        and its probe is refused with its previous GUID."""
        before = {
            d.claim.application_id: (
                replace(d.claim),
                frozenset(g for g, _, _ in self.notices(d.claim.application_id)),
            )
            for d in due
        }
        report = TimeoutWorker(self.live.components).sweep()
        assert sorted(report.claims) == sorted(before), report
        assert report.timeouts == (len(due) if expected_timeouts is None else expected_timeouts)
        self.actors.clear()
        for claim, phase, rule, (user, operation, fields) in due:
            previous, seen = before[claim.application_id]
            row = self.claim_row(claim.application_id)
            assert row.phase == phase and row.guid != previous.guid
            entry = [e for e in self.journal(claim.application_id) if e.operation == "TIMEOUT"][-1]
            assert (entry.actor, entry.outcome, entry.transition) == ("SYSTEM", "Ok", rule)
            assert (entry.phase_before, entry.phase_after) == (previous.phase, phase)
            assert (entry.guid_before, entry.guid_after) == (previous.guid, row.guid)
            claim.guid, claim.phase = row.guid, phase
            # "time limit reached" is the specific message that replaces the phase change
            fresh = self.check_notices(claim, Side.SYSTEM, seen, "time limit reached")
            for user_id in USERS[Side.CR] + USERS[Side.COMP]:
                assert any(u == user_id and "time limit reached" in m for u, m in fresh), (
                    user_id,
                    fresh,
                )
            self.check_stale(user, operation, previous, claim, **fields)


def make_stage2_world(live: LiveServer) -> Stage2World:
    clock = live.components.clock
    assert isinstance(clock, MovableClock)
    return Stage2World(live, zeep.Client(f"{live.url}{RTA_PATH}?wsdl"), clock=clock)


@pytest.fixture
def w(live: LiveServer) -> Stage2World:
    return make_stage2_world(live)


# ------------------------------------------------------------------------ ways into Stage 2
def stage21(w: Stage2World, reference: str, child: bool = False) -> Claimed:
    """A claim admitted and acknowledged, Stage 1 paid: at ``StartOfStage21``. A child claim
    goes through R11 and R20, checked."""
    birth = date.today() - timedelta(days=365 * 10) if child else None
    claim = w.submit(reference, child=child, birth=birth)
    w.quick(COMP, "acceptClaim", claim, "Article75Decision", insurerClaimReferenceNumber="INS-1")
    w.quick(COMP, "applyArticle75", claim, "LiabilityDecision", isArticle75=False)
    response = packs.insurer_response("A")
    if child:
        w.go(
            COMP,
            "sendLiabilityDecision",
            claim,
            "LiabilityAdmittedForChild",
            "R11",
            insurerResponseXml=response,
        )
        w.go(CR, "acknowledgeLiabilityAdmittedForChild", claim, "Stage1Payment", "R20")
    else:
        w.quick(
            COMP, "sendLiabilityDecision", claim, "LiabilityAdmitted", insurerResponseXml=response
        )
        w.quick(CR, "acknowledgeLiabilityAdmitted", claim, "Stage1Payment")
    w.quick(CR, "setStage1Payment", claim, "StartOfStage21", isStage1Paid=True)
    return claim


def isp_sent(w: Stage2World, reference: str, lines: dict[str, str] | None = None) -> Claimed:
    claim = stage21(w, reference)
    w.quick(
        CR,
        "setInterimPaymentNeeded",
        claim,
        "InterimSettlementPackForm",
        isInterimPaymentNeeded=True,
    )
    w.quick(
        CR,
        "addInterimSPFRequest",
        claim,
        "InterimPaymentDecision",
        ISPFRequestXML=packs.isp_request(lines),
    )
    return claim


def s2sp_sent(w: Stage2World, reference: str, child: bool = False) -> Claimed:
    claim = stage21(w, reference, child)
    w.quick(
        CR,
        "setInterimPaymentNeeded",
        claim,
        "Stage2SettlementPackForm",
        isInterimPaymentNeeded=False,
    )
    w.quick(CR, "addStage2SPFRequest", claim, S2_DECISION, S2SPFRequestXML=packs.s2sp_request())
    return claim


def offered(w: Stage2World, reference: str, child: bool = False) -> Claimed:
    """The compensator answered the settlement pack with an offer (CO): agreement decision."""
    claim = s2sp_sent(w, reference, child)
    w.quick(
        COMP, "addStage2SPFResponse", claim, AGREEMENT, S2SPFResponseXML=packs.s2sp_response("CO")
    )
    return claim


def additional_damages_sent(w: Stage2World, reference: str) -> Claimed:
    """Offer declined without a counter offer, additional damages claimed: AD decision."""
    claim = offered(w, reference)
    w.quick(CR, "setStage2SPFAgreementDecision", claim, COUNTER_NEEDED, isAgreed=False)
    w.quick(
        CR, "setStage2SPFCounterOfferNeeded", claim, AD_START, isStage2SPFCounterOfferNeeded=False
    )
    w.quick(CR, "setAdditionalDamagesExistence", claim, AD_FORM, additionalDamagesExist=True)
    w.quick(
        CR,
        "addS2SPFAdditionalDamagesRequest",
        claim,
        AD_DECISION,
        additionalDamagesRequestXML=packs.ad_request(),
    )
    return claim


# ------------------------------------------------------------------------------- Stage 2.1
@SQLITE
def test_interim_full_offer_paid_then_the_settlement_pack_confirmed(w: Stage2World) -> None:
    claim = stage21(w, "S21-FULL")
    w.go(
        CR,
        "setInterimPaymentNeeded",
        claim,
        "InterimSettlementPackForm",
        "R26",
        isInterimPaymentNeeded=True,
    )
    w.go(
        CR,
        "addInterimSPFRequest",
        claim,
        "InterimPaymentDecision",
        "R28",
        ISPFRequestXML=packs.isp_request(),
    )
    row = w.claim_row(claim.application_id)
    assert (row.interim_value, row.deadline_rule) == (Decimal("2356.40"), "D6")
    w.go(
        COMP,
        "addInterimSPFResponse",
        claim,
        "Stage21Payment",
        "R30",
        ISPFResponseXML=packs.isp_response(full=True),
    )
    w.go(CR, "setStage21Payment", claim, "Stage2SettlementPackForm", "R38", isStage21Paid=True)
    w.go(
        CR,
        "addStage2SPFRequest",
        claim,
        S2_DECISION,
        "R41",
        S2SPFRequestXML=packs.s2sp_request(),
    )
    assert w.claim_row(claim.application_id).deadline_rule == "D8"
    w.go(
        COMP,
        "addStage2SPFResponse",
        claim,
        "Stage2SettlementPackConfirmation",
        "R43",
        S2SPFResponseXML=packs.s2sp_response("C"),
    )
    w.go(
        CR,
        "acknowledgeStage2SPFConfirmation",
        claim,
        "Stage2SettlementPackConfirmationEnd",
        "R48",
    )
    w.ended(claim)
    row = w.claim_row(claim.application_id)
    assert row.stage21_paid is True


@SQLITE
@pytest.mark.parametrize(
    ("accepted", "phase", "rule"),
    [(True, "Stage21Payment", "R36"), (False, "Stage2SettlementPackForm", "R37")],
    ids=["accepted", "refused"],
)
def test_partial_interim_offer_accepted_or_refused(
    w: Stage2World, accepted: bool, phase: str, rule: str
) -> None:
    claim = isp_sent(w, f"S21-PART-{int(accepted)}")
    w.go(
        COMP,
        "addInterimSPFResponse",
        claim,
        "PartialInterimPaymentDecision",
        "R31",
        ISPFResponseXML=packs.isp_response(full=False),
    )
    w.go(
        CR,
        "acceptPartialInterimPayment",
        claim,
        "AcknowledgePartialPaymentDecision",
        "R35",
        isPartialInterimPaymentAccepted=accepted,
    )
    w.go(COMP, "acknowledgePartialPaymentDecision", claim, phase, rule)
    if accepted:
        w.go(CR, "setStage21Payment", claim, "Stage2SettlementPackForm", "R38", isStage21Paid=False)
        assert w.claim_row(claim.application_id).stage21_paid is False


@SQLITE
def test_interim_pack_rejected_then_acknowledged_back_to_the_start(w: Stage2World) -> None:
    claim = isp_sent(w, "S21-REJ")
    w.go(
        COMP,
        "rejectInterimSettlementPack",
        claim,
        "InterimSettlementPackRejected",
        "R32",
        rejectionComment="No evidence of the losses",
    )
    w.go(CR, "acknowledgeRejectedInterimSettlementPack", claim, "StartOfStage21", "R39")
    row = w.claim_row(claim.application_id)
    assert row.interim_rejection_comment == "No evidence of the losses"


@SQLITE
def test_return_to_the_start_of_stage21_from_both_forms(w: Stage2World) -> None:
    claim = stage21(w, "S21-BACK")
    w.go(
        CR,
        "setInterimPaymentNeeded",
        claim,
        "InterimSettlementPackForm",
        "R26",
        isInterimPaymentNeeded=True,
    )
    w.go(CR, "returnToStartOfStage21", claim, "StartOfStage21", "R29")
    w.go(
        CR,
        "setInterimPaymentNeeded",
        claim,
        "Stage2SettlementPackForm",
        "R27",
        isInterimPaymentNeeded=False,
    )
    w.go(CR, "returnToStartOfStage21", claim, "StartOfStage21", "R42")


# --------------------------------------------------------------------------------- Stage 2
@SQLITE
def test_an_offer_agreed_by_an_adult_ends_the_claim(w: Stage2World) -> None:
    claim = s2sp_sent(w, "S2-AGREED")
    w.go(
        COMP,
        "addStage2SPFResponse",
        claim,
        AGREEMENT,
        "R44",
        S2SPFResponseXML=packs.s2sp_response("CO"),
    )
    row = w.claim_row(claim.application_id)
    assert (row.deadline_rule, row.offer_late) == ("D9", False)
    w.go(
        CR,
        "setStage2SPFAgreementDecision",
        claim,
        "Stage2SettlementPackAgreed",
        "R50",
        isAgreed=True,
    )
    assert w.claim_row(claim.application_id).payment_deadline is not None  # D14
    w.go(COMP, "acknowledgeStage2SPFAgreed", claim, "Stage2SettlementPackAgreedEnd", "R67")
    w.ended(claim)


def test_counter_offers_to_an_agreement(w: Stage2World) -> None:
    """The representative path, on SQLite and on PostgreSQL."""
    claim = s2sp_sent(w, "S2-COUNTER")
    w.go(
        COMP,
        "addStage2SPFResponse",
        claim,
        AGREEMENT,
        "R44",
        S2SPFResponseXML=packs.s2sp_response("CO"),
    )
    d9 = w.claim_row(claim.application_id).deadline_date
    for decision, expected, rule in (
        ("NEWCO", AGREEMENT, "R63"),
        ("ACO", "Stage2SettlementPackConfirmation", "R62"),
    ):
        w.go(CR, "setStage2SPFAgreementDecision", claim, COUNTER_NEEDED, "R51", isAgreed=False)
        w.go(
            CR,
            "setStage2SPFCounterOfferNeeded",
            claim,
            COUNTER_BY_CR,
            "R55",
            isStage2SPFCounterOfferNeeded=True,
        )
        w.go(
            CR,
            "addStage2SPFCounterOfferByCR",
            claim,
            COUNTER_DECISION,
            "R59",
            S2SPFCounterOfferByCRXML=packs.counter_offer_cr(),
        )
        assert w.claim_row(claim.application_id).deadline_date == d9  # the period runs on
        w.go(
            COMP,
            "addStage2SPFCounterOfferByCM",
            claim,
            expected,
            rule,
            S2SPFCounterOfferByCMXML=packs.counter_offer_cm(decision),
        )
    w.go(
        CR,
        "acknowledgeStage2SPFConfirmation",
        claim,
        "Stage2SettlementPackConfirmationEnd",
        "R48",
    )
    w.ended(claim)


@SQLITE
def test_a_late_offer_declined_goes_straight_to_additional_damages(w: Stage2World) -> None:
    claim = s2sp_sent(w, "S2-LATE")
    calendar = w.calendar()
    sent = w.claim_row(claim.application_id).s2sp_sent_date
    assert sent is not None
    d9 = calendar.add_business_days(sent, 35)
    offer_day = calendar.business_days_before(d9, 2)  # within the last 5 BD
    w.move_to_day(offer_day)  # D8 has passed, but no sweep ran: the answer is still taken
    w.go(
        COMP,
        "addStage2SPFResponse",
        claim,
        AGREEMENT,
        "R44",
        S2SPFResponseXML=packs.s2sp_response("CO"),
    )
    row = w.claim_row(claim.application_id)
    assert (row.offer_late, row.deadline_rule) == (True, "D10")
    assert row.deadline_date == calendar.add_business_days(offer_day, 5)
    w.go(CR, "setStage2SPFAgreementDecision", claim, AD_START, "R52", isAgreed=False)
    w.go(CR, "setAdditionalDamagesExistence", claim, CPP_FORM, "R73", additionalDamagesExist=False)


@SQLITE
def test_a_new_counter_offer_on_a_late_claimant_offer_is_not_agreed(w: Stage2World) -> None:
    claim = offered(w, "S2-LATE-CM")
    w.go(CR, "setStage2SPFAgreementDecision", claim, COUNTER_NEEDED, "R51", isAgreed=False)
    w.go(
        CR,
        "setStage2SPFCounterOfferNeeded",
        claim,
        COUNTER_BY_CR,
        "R55",
        isStage2SPFCounterOfferNeeded=True,
    )
    end = w.claim_row(claim.application_id).deadline_date
    assert end is not None
    w.move_to_day(w.calendar().business_days_before(end, 1))
    w.go(
        CR,
        "addStage2SPFCounterOfferByCR",
        claim,
        COUNTER_DECISION,
        "R59",
        S2SPFCounterOfferByCRXML=packs.counter_offer_cr(),
    )
    row = w.claim_row(claim.application_id)
    assert (row.offer_late, row.deadline_rule) == (True, "D10")
    w.go(
        COMP,
        "addStage2SPFCounterOfferByCM",
        claim,
        NOT_AGREED,
        "R64",
        S2SPFCounterOfferByCMXML=packs.counter_offer_cm("NEWCO"),
    )
    w.go(CR, "acknowledgeStage2SPFNotAgreed", claim, AD_START, "R69")


@SQLITE
def test_repudiation_ends_the_claim(w: Stage2World) -> None:
    claim = s2sp_sent(w, "S2-REPUDIATED")
    w.go(
        COMP,
        "addStage2SPFResponse",
        claim,
        "Stage2SettlementPackRepudiation",
        "R45",
        S2SPFResponseXML=packs.s2sp_response("R"),
    )
    w.go(
        CR,
        "acknowledgeStage2SPFRepudiation",
        claim,
        "Stage2SettlementPackRepudiationEnd",
        "R70",
    )
    w.ended(claim)


def _extended(w: Stage2World, claim: Claimed, at: datetime) -> None:
    row = w.claim_row(claim.application_id)
    assert (row.deadline_rule, row.deadline_date) == ("D11", at.date())


@SQLITE
def test_agreed_extensions_in_every_phase_that_has_one(w: Stage2World) -> None:
    claim = s2sp_sent(w, "S2-EXTEND")
    at = w.extension(claim)
    w.go(
        COMP,
        "extendStage2SPFDecisionTimeout",
        claim,
        S2_DECISION,
        "R46",
        newTimeOut=at,
        reasonForExtension="1",
    )
    _extended(w, claim, at)
    w.quick(
        COMP, "addStage2SPFResponse", claim, AGREEMENT, S2SPFResponseXML=packs.s2sp_response("CO")
    )
    at = w.extension(claim)
    w.go(CR, EXTEND_COUNTER, claim, AGREEMENT, "R53", newTimeOut=at, reasonForExtension="1")
    _extended(w, claim, at)
    w.quick(CR, "setStage2SPFAgreementDecision", claim, COUNTER_NEEDED, isAgreed=False)
    at = w.extension(claim, 2)
    w.go(COMP, EXTEND_COUNTER, claim, COUNTER_NEEDED, "R57", newTimeOut=at, reasonForExtension="1")
    _extended(w, claim, at)
    w.quick(
        CR,
        "setStage2SPFCounterOfferNeeded",
        claim,
        COUNTER_BY_CR,
        isStage2SPFCounterOfferNeeded=True,
    )
    at = w.extension(claim)
    w.go(COMP, EXTEND_COUNTER, claim, COUNTER_BY_CR, "R60", newTimeOut=at, reasonForExtension="1")
    _extended(w, claim, at)
    w.quick(
        CR,
        "addStage2SPFCounterOfferByCR",
        claim,
        COUNTER_DECISION,
        S2SPFCounterOfferByCRXML=packs.counter_offer_cr(),
    )
    at = w.extension(claim)
    w.go(CR, EXTEND_COUNTER, claim, COUNTER_DECISION, "R65", newTimeOut=at, reasonForExtension="1")
    _extended(w, claim, at)
    w.quick(
        COMP,
        "addStage2SPFCounterOfferByCM",
        claim,
        AGREEMENT,
        S2SPFCounterOfferByCMXML=packs.counter_offer_cm("NEWCO"),
    )
    w.quick(CR, "setStage2SPFAgreementDecision", claim, COUNTER_NEEDED, isAgreed=False)
    w.go(
        CR,
        "setStage2SPFCounterOfferNeeded",
        claim,
        AD_START,
        "R56",
        isStage2SPFCounterOfferNeeded=False,
    )
    w.quick(CR, "setAdditionalDamagesExistence", claim, AD_FORM, additionalDamagesExist=True)
    w.quick(
        CR,
        "addS2SPFAdditionalDamagesRequest",
        claim,
        AD_DECISION,
        additionalDamagesRequestXML=packs.ad_request(),
    )
    assert w.claim_row(claim.application_id).deadline_rule == "D12"
    at = w.extension(claim, 3)
    w.go(
        COMP,
        "extendAdditionalDamagesDecisionTimeout",
        claim,
        AD_DECISION,
        "R77",
        NewTimeOutDate=at,
        ReasonForExtension="1",
    )
    _extended(w, claim, at)


@SQLITE
def test_a_child_settlement_confirmed_then_additional_damages_agreed_and_the_court_pack(
    w: Stage2World,
) -> None:
    claim = s2sp_sent(w, "S2-CHILD-C", child=True)
    w.go(
        COMP,
        "addStage2SPFResponse",
        claim,
        "Stage2SettlementPackConfirmation",
        "R43",
        S2SPFResponseXML=packs.s2sp_response("C"),
    )
    w.go(CR, "acknowledgeStage2SPFConfirmation", claim, AD_START, "R49")
    w.go(CR, "setAdditionalDamagesExistence", claim, AD_FORM, "R72", additionalDamagesExist=True)
    w.go(
        CR,
        "addS2SPFAdditionalDamagesRequest",
        claim,
        AD_DECISION,
        "R74",
        additionalDamagesRequestXML=packs.ad_request(),
    )
    w.go(
        COMP,
        "addS2SPFAdditionalDamagesResponse",
        claim,
        "Stage2SettlementPackAdditionalDamagesAgreement",
        "R75",
        additionalDamagesResponseXML=packs.ad_response("A"),
    )
    w.go(CR, "acknowledgeAdditionalDamagesAgreement", claim, CPP_FORM, "R80")
    w.go(
        CR,
        "addCPPFRequest",
        claim,
        "CourtProceedingsPackDecision",
        "R86",
        CPPFRequestXML=packs.cpp_request(),
    )
    assert w.claim_row(claim.application_id).deadline_rule == "D13"
    w.go(
        COMP,
        "addCPPFResponse",
        claim,
        "CourtProceedingsPackResponse",
        "R87",
        CPPFResponseXML=packs.cpp_response(),
    )
    w.go(CR, "acknowledgeCPPFResponse", claim, "CourtProceedingsPackEnd", "R89")
    w.ended(claim)


@SQLITE
def test_a_child_offer_agreed_then_all_damages_agreed(w: Stage2World) -> None:
    claim = offered(w, "S2-CHILD-A", child=True)
    w.go(
        CR,
        "setStage2SPFAgreementDecision",
        claim,
        "Stage2SettlementPackAgreed",
        "R50",
        isAgreed=True,
    )
    w.go(COMP, "acknowledgeStage2SPFAgreed", claim, AD_START, "R68")
    w.go(CR, "setAdditionalDamagesExistence", claim, AD_FORM, "R72", additionalDamagesExist=True)
    w.go(
        CR,
        "addS2SPFAdditionalDamagesRequest",
        claim,
        AD_DECISION,
        "R74",
        additionalDamagesRequestXML=packs.ad_request(),
    )
    w.go(
        COMP,
        "addS2SPFAdditionalDamagesResponse",
        claim,
        AD_AGREEMENT_DECISION,
        "R76",
        additionalDamagesResponseXML=packs.ad_response("CO"),
    )
    w.go(
        CR,
        "setS2SPFAdditionalDamagesDecision",
        claim,
        "Stage2SettlementPackAllDamagesAgreed",
        "R81",
        isAgreed=True,
    )
    w.go(COMP, "acknowledgeAllDamagesAgreed", claim, CPP_FORM, "R84")


# ----------------------------------------------------------------------- additional damages
@SQLITE
def test_additional_damages_agreed_by_the_compensator_end_an_adult_claim(w: Stage2World) -> None:
    claim = additional_damages_sent(w, "AD-AGREED")
    w.go(
        COMP,
        "addS2SPFAdditionalDamagesResponse",
        claim,
        "Stage2SettlementPackAdditionalDamagesAgreement",
        "R75",
        additionalDamagesResponseXML=packs.ad_response("A"),
    )
    w.go(
        CR,
        "acknowledgeAdditionalDamagesAgreement",
        claim,
        "Stage2SettlementPackAllDamagesAgreedEnd",
        "R79",
    )
    w.ended(claim)


@SQLITE
def test_additional_damages_counter_offer_agreed_by_an_adult(w: Stage2World) -> None:
    claim = additional_damages_sent(w, "AD-COUNTER-AGREED")
    w.go(
        COMP,
        "addS2SPFAdditionalDamagesResponse",
        claim,
        AD_AGREEMENT_DECISION,
        "R76",
        additionalDamagesResponseXML=packs.ad_response("CO"),
    )
    w.go(
        CR,
        "setS2SPFAdditionalDamagesDecision",
        claim,
        "Stage2SettlementPackAllDamagesAgreed",
        "R81",
        isAgreed=True,
    )
    w.go(
        COMP,
        "acknowledgeAllDamagesAgreed",
        claim,
        "Stage2SettlementPackAllDamagesAgreedEnd",
        "R83",
    )
    w.ended(claim)


@SQLITE
def test_additional_damages_counter_offer_refused_then_the_court_pack(w: Stage2World) -> None:
    claim = additional_damages_sent(w, "AD-COUNTER-REFUSED")
    w.go(
        COMP,
        "addS2SPFAdditionalDamagesResponse",
        claim,
        AD_AGREEMENT_DECISION,
        "R76",
        additionalDamagesResponseXML=packs.ad_response("CO"),
    )
    w.go(CR, "setS2SPFAdditionalDamagesDecision", claim, CPP_FORM, "R82", isAgreed=False)
    w.go(
        CR,
        "addCPPFRequest",
        claim,
        "CourtProceedingsPackDecision",
        "R86",
        CPPFRequestXML=packs.cpp_request(),
    )
    w.go(
        COMP,
        "addCPPFResponse",
        claim,
        "CourtProceedingsPackResponse",
        "R87",
        CPPFResponseXML=packs.cpp_response(),
    )
    w.go(CR, "acknowledgeCPPFResponse", claim, "CourtProceedingsPackEnd", "R89")
    w.ended(claim)


# ------------------------------------------------------------------------- exits and fraud
@SQLITE
def test_exit_by_the_claimant_from_a_stage2_phase(w: Stage2World) -> None:
    claim = offered(w, "EXIT-CR-S2")
    w.go(
        CR,
        "exitProcess",
        claim,
        "ExitProcessByCR",
        "R92",
        message="exit process by Claimant Representative",
        exitReasonCode="3",
    )
    assert w.claim_row(claim.application_id).exit_cr_code == "3"
    w.go(COMP, "acknowledgeExitProcess", claim, "ExitProcessEnd", "R90")
    w.ended(claim)


@SQLITE
def test_exit_by_the_compensator_from_the_interim_decision(w: Stage2World) -> None:
    claim = isp_sent(w, "EXIT-CM-S21")
    w.go(
        COMP,
        "exitProcess",
        claim,
        "ExitProcessByCM",
        "R93",
        message="exit process by Compensator",
        exitReasonCode="10",
        exitComment="Settled directly",
    )
    w.go(CR, "acknowledgeExitProcess", claim, "ExitProcessEnd", "R91")
    w.ended(claim)


@SQLITE
def test_fraud_stated_in_the_settlement_pack_decision(w: Stage2World) -> None:
    claim = s2sp_sent(w, "FRAUD-S2")
    w.go(
        COMP,
        "stateFraud",
        claim,
        "FraudStated",
        "R94",
        reasonCode="0",
        reasonDescription="Staged accident",
    )
    w.go(CR, "acknowledgeFraudStated", claim, "FraudStatedEnd", "R24")
    w.ended(claim)


# ------------------------------------------------------------- Stage 1 rows not driven before
@SQLITE
def test_a_rejected_claim_exited_after_its_acknowledgement(w: Stage2World) -> None:
    claim = w.submit("REJ-EXIT-LATE")
    w.quick(COMP, "rejectClaimToCR", claim, "AcknowledgeRejectedClaim", rejectionReasonCode="1")
    w.go(CR, "acknowledgeRejectedClaim", claim, "ClaimRejectedToCR", "R15")
    w.go(CR, "exitRejectedClaim", claim, "ExitRejectedClaim", "R18")
    w.ended(claim)
