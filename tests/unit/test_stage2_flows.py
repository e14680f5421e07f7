"""Stage 2.1, Stage 2 and Stage 3 in process (``tests.harness``): every decision of the RTA table
from ``StartOfStage21`` on, the deadlines each phase arms, late offers, extensions, and packs
refused with nothing changed. The wire has its own end-to-end tests (tests/e2e/test_stage2_*)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from gateway.domain.deadlines import london_midnight
from gateway.service import messages as m
from gateway.service.claims.calendar_store import calendar_from_store
from gateway.store.models import Claim
from tests.e2e import claims as packs
from tests.harness import Claimed, Harness

CR, COMP = "cr-rta-ch", "comp-rta-ch"
LOW = {"8": "420.00", "10": "96.40"}  # 516.40: up to 1,000


def _row(h: Harness, claim: Claimed) -> Claim:
    with h.components.database.unit_of_work() as uow:
        row = uow.claims.get(claim.application_id)
        assert row is not None
        uow.session.expunge(row)
        return row


def _calendar(h: Harness) -> Any:
    with h.components.database.unit_of_work() as uow:
        return calendar_from_store(uow)


def _today(h: Harness) -> date:
    return h.clock.now().astimezone(london_midnight(date.today()).tzinfo).date()


def _move_to(h: Harness, day: date, hour: int = 10) -> None:
    target = london_midnight(day) + timedelta(hours=hour)
    h.clock.advance((target - h.clock.now()).total_seconds())
    h.tokens.clear()  # access tokens last minutes, not weeks


def stage21(h: Harness, reference: str) -> Claimed:
    claim = h.decided(reference)
    claim = h.step("acknowledgeLiabilityAdmitted", claim, CR)
    claim = h.step("setStage1Payment", claim, CR, is_stage1_paid=True)
    assert claim.phase == "StartOfStage21"
    return claim


def isp_sent(h: Harness, reference: str, lines: dict[str, str] | None = None) -> Claimed:
    claim = h.step(
        "setInterimPaymentNeeded", stage21(h, reference), CR, is_interim_payment_needed=True
    )
    assert claim.phase == "InterimSettlementPackForm"
    return h.step("addInterimSPFRequest", claim, CR, ispf_request_xml=packs.isp_request(lines))


def s2sp_sent(h: Harness, reference: str) -> Claimed:
    claim = h.step(
        "setInterimPaymentNeeded", stage21(h, reference), CR, is_interim_payment_needed=False
    )
    assert claim.phase == "Stage2SettlementPackForm"
    return h.step("addStage2SPFRequest", claim, CR, s2spf_request_xml=packs.s2sp_request())


# ------------------------------------------------------------------------------- Stage 2.1
def test_a_full_interim_offer_goes_to_payment_then_to_the_settlement_pack(harness: Harness) -> None:
    claim = isp_sent(harness, "ISP-FULL")
    row = _row(harness, claim)
    assert claim.phase == "InterimPaymentDecision"
    assert row.interim_value == Decimal("2356.40") and row.deadline_rule == "D6"
    assert row.deadline_date == _calendar(harness).add_business_days(_today(harness), 15)
    claim = harness.step(
        "addInterimSPFResponse", claim, COMP, ispf_response_xml=packs.isp_response(full=True)
    )
    assert claim.phase == "Stage21Payment"
    row = _row(harness, claim)
    assert row.deadline_rule is None and row.payment_deadline is not None  # D14: information
    claim = harness.step("setStage21Payment", claim, CR, is_stage21_paid=False)
    assert claim.phase == "Stage2SettlementPackForm"
    assert _row(harness, claim).stage21_paid is False


@pytest.mark.parametrize(
    ("accepted", "phase"), [(True, "Stage21Payment"), (False, "Stage2SettlementPackForm")]
)
def test_a_partial_offer_is_accepted_or_refused_and_the_compensator_acknowledges(
    harness: Harness, accepted: bool, phase: str
) -> None:
    claim = isp_sent(harness, f"ISP-PART-{accepted}")
    claim = harness.step(
        "addInterimSPFResponse", claim, COMP, ispf_response_xml=packs.isp_response(full=False)
    )
    assert claim.phase == "PartialInterimPaymentDecision"
    claim = harness.step(
        "acceptPartialInterimPayment", claim, CR, is_partial_interim_payment_accepted=accepted
    )
    assert claim.phase == "AcknowledgePartialPaymentDecision"
    claim = harness.step("acknowledgePartialPaymentDecision", claim, COMP)
    assert claim.phase == phase


def test_a_rejected_interim_pack_returns_to_the_start_of_stage_2_1(harness: Harness) -> None:
    claim = isp_sent(harness, "ISP-REJ")
    claim = harness.step(
        "rejectInterimSettlementPack", claim, COMP, rejection_comment="No evidence"
    )
    assert claim.phase == "InterimSettlementPackRejected"
    assert _row(harness, claim).interim_rejection_comment == "No evidence"
    claim = harness.step("acknowledgeRejectedInterimSettlementPack", claim, CR)
    assert claim.phase == "StartOfStage21"


def test_the_interim_extension_is_once_and_only_over_1000(harness: Harness) -> None:
    claim = isp_sent(harness, "ISP-EXT")
    extended = harness.step("extendInterimPaymentDecisionTimeout", claim, COMP)
    row = _row(harness, extended)
    assert extended.phase == "InterimPaymentDecision" and extended.guid != claim.guid
    assert row.deadline_rule == "D7" and row.interim_extended
    assert row.deadline_date == _calendar(harness).add_business_days(row.isp_sent_date, 30)
    again = harness.refused(
        "extendInterimPaymentDecisionTimeout",
        m.ExtendInterimPaymentDecisionTimeout(claim_data=extended.data),
        as_=COMP,
    )
    assert again.key == "BUSINESS_RULE" and "already been extended" in again.details
    low = isp_sent(harness, "ISP-LOW", LOW)
    assert _row(harness, low).deadline_rule == "D5"
    refusal = harness.refused(
        "extendInterimPaymentDecisionTimeout",
        m.ExtendInterimPaymentDecisionTimeout(claim_data=low.data),
        as_=COMP,
    )
    assert refusal.key == "BUSINESS_RULE" and "over 1,000" in refusal.details
    assert (_row(harness, low).phase, _row(harness, low).guid) == (low.phase, low.guid)


def test_the_claimant_may_go_back_from_either_form(harness: Harness) -> None:
    claim = harness.step(
        "setInterimPaymentNeeded", stage21(harness, "BACK"), CR, is_interim_payment_needed=True
    )
    claim = harness.step("returnToStartOfStage21", claim, CR)
    assert claim.phase == "StartOfStage21"
    claim = harness.step("setInterimPaymentNeeded", claim, CR, is_interim_payment_needed=False)
    claim = harness.step("returnToStartOfStage21", claim, CR)
    assert claim.phase == "StartOfStage21"


# --------------------------------------------------------------------------------- Stage 2
def test_offers_and_counter_offers_to_an_agreement(harness: Harness) -> None:
    claim = s2sp_sent(harness, "S2-AGREE")
    row = _row(harness, claim)
    assert claim.phase == "Stage2SettlementPackDecision" and row.deadline_rule == "D8"
    assert row.deadline_date == _calendar(harness).add_business_days(_today(harness), 15)
    claim = harness.step(
        "addStage2SPFResponse", claim, COMP, s2spf_response_xml=packs.s2sp_response("CO")
    )
    row = _row(harness, claim)
    assert claim.phase == "Stage2SettlementPackAgreementDecision"
    assert row.deadline_rule == "D9" and row.offer_late is False
    d9 = row.deadline_date
    claim = harness.step("setStage2SPFAgreementDecision", claim, CR, is_agreed=False)
    assert claim.phase == "Stage2SettlementPackCounterOfferNeeded"
    claim = harness.step(
        "setStage2SPFCounterOfferNeeded", claim, CR, is_stage2spf_counter_offer_needed=True
    )
    claim = harness.step(
        "addStage2SPFCounterOfferByCR",
        claim,
        CR,
        s2spf_counter_offer_by_crxml=packs.counter_offer_cr(),
    )
    assert claim.phase == "Stage2SettlementPackCounterOfferDecision"
    assert _row(harness, claim).deadline_date == d9  # the total consideration period runs on
    claim = harness.step(
        "addStage2SPFCounterOfferByCM",
        claim,
        COMP,
        s2spf_counter_offer_by_cmxml=packs.counter_offer_cm("NEWCO"),
    )
    assert claim.phase == "Stage2SettlementPackAgreementDecision"
    claim = harness.step("setStage2SPFAgreementDecision", claim, CR, is_agreed=True)
    assert claim.phase == "Stage2SettlementPackAgreed"
    assert _row(harness, claim).payment_deadline is not None
    claim = harness.step("acknowledgeStage2SPFAgreed", claim, COMP)
    assert claim.phase == "Stage2SettlementPackAgreedEnd"
    assert len(_packs(harness, claim)) == 4


def _packs(h: Harness, claim: Claimed) -> list[str]:
    with h.components.database.unit_of_work() as uow:
        row = uow.claims.get(claim.application_id)
        assert row is not None
        kinds = ("s2sp-request", "s2sp-response", "s2sp-counter-offer-cr", "s2sp-counter-offer-cm")
        return [p.kind for kind in kinds for p in uow.claims.packs(row.id, kind)]


def test_a_late_offer_moves_the_period_end_and_cannot_be_countered(harness: Harness) -> None:
    claim = s2sp_sent(harness, "S2-LATE")
    calendar = _calendar(harness)
    sent = _today(harness)
    d9 = calendar.add_business_days(sent, 35)
    offer_day = calendar.business_days_before(d9, 2)
    _move_to(harness, offer_day)
    # The S2SP decision (D8) has long passed on that day, but no sweep ran: the answer is an offer.
    claim = harness.step(
        "addStage2SPFResponse", claim, COMP, s2spf_response_xml=packs.s2sp_response("CO")
    )
    row = _row(harness, claim)
    assert row.offer_late is True and row.deadline_rule == "D10"
    assert row.deadline_date == calendar.add_business_days(offer_day, 5)
    claim = harness.step("setStage2SPFAgreementDecision", claim, CR, is_agreed=False)
    assert claim.phase == "StartOfStage2SettlementPackAdditionalDamages"  # R52: no counter offer


def test_a_compensator_new_counter_offer_on_a_late_claimant_offer_is_not_agreed(
    harness: Harness,
) -> None:
    claim = s2sp_sent(harness, "S2-LATE-CM")
    claim = harness.step(
        "addStage2SPFResponse", claim, COMP, s2spf_response_xml=packs.s2sp_response("CO")
    )
    claim = harness.step("setStage2SPFAgreementDecision", claim, CR, is_agreed=False)
    claim = harness.step(
        "setStage2SPFCounterOfferNeeded", claim, CR, is_stage2spf_counter_offer_needed=True
    )
    end = _row(harness, claim).deadline_date
    assert end is not None
    _move_to(harness, _calendar(harness).business_days_before(end, 1))
    claim = harness.step(
        "addStage2SPFCounterOfferByCR",
        claim,
        CR,
        s2spf_counter_offer_by_crxml=packs.counter_offer_cr(),
    )
    assert _row(harness, claim).offer_late is True
    claim = harness.step(
        "addStage2SPFCounterOfferByCM",
        claim,
        COMP,
        s2spf_counter_offer_by_cmxml=packs.counter_offer_cm("NEWCO"),
    )
    assert claim.phase == "Stage2SettlementPackNotAgreed"  # R64
    claim = harness.step("acknowledgeStage2SPFNotAgreed", claim, CR)
    assert claim.phase == "StartOfStage2SettlementPackAdditionalDamages"


def test_an_agreed_extension_must_be_a_business_day_after_the_deadline(harness: Harness) -> None:
    claim = s2sp_sent(harness, "S2-EXT")
    due = _row(harness, claim).deadline_date
    assert due is not None
    calendar = _calendar(harness)
    later = calendar.add_business_days(due, 3)
    at = datetime(later.year, later.month, later.day, 12, tzinfo=UTC)
    for bad, reason, rule in (
        (datetime(due.year, due.month, due.day, 12, tzinfo=UTC), "1", "EXT-01"),
        (at, "2", "EXT-02"),
    ):
        refusal = harness.refused(
            "extendStage2SPFDecisionTimeout",
            m.ExtendStage2SPFDecisionTimeout(
                claim_data=claim.data, new_time_out=bad, reason_for_extension=reason
            ),
            as_=COMP,
        )
        assert refusal.key == "BUSINESS_RULE" and rule in refusal.details
    assert _row(harness, claim).guid == claim.guid
    claim = harness.step(
        "extendStage2SPFDecisionTimeout",
        claim,
        COMP,
        new_time_out=at,
        reason_for_extension="more time",
    )
    row = _row(harness, claim)
    assert (row.deadline_rule, row.deadline_date, row.extension_reason) == ("D11", later, "1")
    claim = harness.step(
        "addStage2SPFResponse", claim, COMP, s2spf_response_xml=packs.s2sp_response("CO")
    )
    assert _row(harness, claim).deadline_rule == "D9"  # the counter-offer period runs on D9
    further = calendar.add_business_days(_row(harness, claim).deadline_date, 1)
    claim = harness.step(
        "extendStage2SPFCounterOfferTimeout",
        claim,
        CR,
        new_time_out=datetime(further.year, further.month, further.day, tzinfo=UTC),
        reason_for_extension="1",
    )
    assert (_row(harness, claim).deadline_rule, claim.phase) == (
        "D11",
        "Stage2SettlementPackAgreementDecision",
    )


@pytest.mark.parametrize(
    ("decision", "phase"),
    [("C", "Stage2SettlementPackConfirmation"), ("R", "Stage2SettlementPackRepudiation")],
)
def test_confirmation_and_repudiation_end_an_adult_claim(
    harness: Harness, decision: str, phase: str
) -> None:
    claim = s2sp_sent(harness, f"S2-{decision}")
    claim = harness.step(
        "addStage2SPFResponse", claim, COMP, s2spf_response_xml=packs.s2sp_response(decision)
    )
    assert claim.phase == phase
    ack = (
        "acknowledgeStage2SPFConfirmation" if decision == "C" else "acknowledgeStage2SPFRepudiation"
    )
    claim = harness.step(ack, claim, CR)
    assert claim.phase == f"{phase}End"


# ----------------------------------------------------------- additional damages and Stage 3
def test_additional_damages_counter_offered_then_the_court_proceedings_pack(
    harness: Harness,
) -> None:
    claim = s2sp_sent(harness, "AD-CPP")
    claim = harness.step(
        "addStage2SPFResponse", claim, COMP, s2spf_response_xml=packs.s2sp_response("CO")
    )
    claim = harness.step("setStage2SPFAgreementDecision", claim, CR, is_agreed=False)
    claim = harness.step(
        "setStage2SPFCounterOfferNeeded", claim, CR, is_stage2spf_counter_offer_needed=False
    )
    assert claim.phase == "StartOfStage2SettlementPackAdditionalDamages"
    claim = harness.step("setAdditionalDamagesExistence", claim, CR, additional_damages_exist=True)
    claim = harness.step(
        "addS2SPFAdditionalDamagesRequest",
        claim,
        CR,
        additional_damages_request_xml=packs.ad_request(),
    )
    row = _row(harness, claim)
    assert (
        claim.phase == "Stage2SettlementPackAdditionalDamagesDecision"
        and row.deadline_rule == "D12"
    )
    claim = harness.step(
        "addS2SPFAdditionalDamagesResponse",
        claim,
        COMP,
        additional_damages_response_xml=packs.ad_response("CO"),
    )
    assert claim.phase == "Stage2SettlementPackAdditionalDamagesAgreementDecision"
    claim = harness.step("setS2SPFAdditionalDamagesDecision", claim, CR, is_agreed=False)
    assert claim.phase == "CourtProceedingsPackForm"
    claim = harness.step("addCPPFRequest", claim, CR, cppf_request_xml=packs.cpp_request())
    assert (claim.phase, _row(harness, claim).deadline_rule) == (
        "CourtProceedingsPackDecision",
        "D13",
    )
    claim = harness.step("addCPPFResponse", claim, COMP, cppf_response_xml=packs.cpp_response())
    assert claim.phase == "CourtProceedingsPackResponse"
    claim = harness.step("acknowledgeCPPFResponse", claim, CR)
    assert claim.phase == "CourtProceedingsPackEnd"


# ----------------------------------------------------------------------------- bad packs
@pytest.mark.parametrize(
    ("pack", "key"),
    [
        ("<InterimSettlementPackRequest><Unknown/></InterimSettlementPackRequest>", "XSD_INVALID"),
        ("<InterimSettlementPackRequest>", "XML_NOT_WELL_FORMED"),
        (
            packs.isp_request({"8": "420.00", "10": "0.00"}).replace(
                'LossType="10"', 'LossType="8"'
            ),
            "BUSINESS_RULE",
        ),
    ],
    ids=["xsd", "not-well-formed", "duplicate-loss-type"],
)
def test_a_bad_interim_pack_changes_nothing(harness: Harness, pack: str, key: str) -> None:
    claim = harness.step(
        "setInterimPaymentNeeded",
        stage21(harness, f"BAD-{key[:3]}"),
        CR,
        is_interim_payment_needed=True,
    )
    refusal = harness.refused(
        "addInterimSPFRequest",
        m.AddInterimSPFRequest(claim_data=claim.data, ispf_request_xml=pack),
        as_=CR,
    )
    assert refusal.key == key
    row = _row(harness, claim)
    assert (row.phase, row.guid, row.interim_value, row.deadline_rule) == (
        claim.phase,
        claim.guid,
        None,
        None,
    )


def test_a_response_may_only_answer_lines_of_the_request(harness: Harness) -> None:
    claim = isp_sent(harness, "ISP-04", LOW)
    refusal = harness.refused(
        "addInterimSPFResponse",
        m.AddInterimSPFResponse(
            claim_data=claim.data, ispf_response_xml=packs.isp_response(full=False)
        ),
        as_=COMP,
    )
    assert refusal.key == "BUSINESS_RULE" and "ISP-04" in refusal.details
    assert "loss type" in refusal.details


# ------------------------------------------------------------------------------------ reads
def _worklist(h: Harness, user: str) -> dict[str, str]:
    rows = h.ok("getClaimsList", m.GetClaimsList(), as_=user).claims_list
    return {row.application_id: row.phase_cache_id for row in rows}


def test_worklists_and_search_show_the_stage2_phases(harness: Harness) -> None:
    waiting_for_comp = isp_sent(harness, "READ-IPD")
    waiting_for_cr = harness.step(
        "addStage2SPFResponse",
        s2sp_sent(harness, "READ-AGD"),
        COMP,
        s2spf_response_xml=packs.s2sp_response("CO"),
    )
    cr, comp = _worklist(harness, CR), _worklist(harness, COMP)
    assert cr.get(waiting_for_cr.application_id) == "Stage2SettlementPackAgreementDecision"
    assert waiting_for_comp.application_id not in cr
    assert comp.get(waiting_for_comp.application_id) == "InterimPaymentDecision"
    assert waiting_for_cr.application_id not in comp
    found = harness.ok(
        "searchClaims",
        m.SearchClaims(
            search_claim_criteria=m.SearchClaimCriteria(
                application_id=waiting_for_comp.application_id
            )
        ),
        as_=CR,
    ).claims_list
    assert [(c.application_id, c.phase_cache_name) for c in found] == [
        (waiting_for_comp.application_id, "Interim Payment decision")
    ]
