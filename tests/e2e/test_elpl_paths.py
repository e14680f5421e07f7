"""Every workflow path of an EL/PL claim (EL, ELD, PL) over the wire, with zeep against a live
server: lifecycle.md 3.2 from the CNF to the court proceedings pack (the timeouts are in
test_elpl_timeouts.py). Each step checks the phase, the new GUID, that the previous GUID is now
refused (``GUID_STALE``, nothing changed), the notices of lifecycle.md 6 and the journal row with
the lifecycle row id it took (``transition``). ``tests/e2e/transitions.py`` counts the rows the
servers' journals show taken (77 of 77 with test_elpl_timeouts.py); under pytest-xdist no one
worker sees every server, so the census test here checks that each row is named by a checked step.

The paths run on SQLite only; one representative path (counter offers to a settlement) runs on
PostgreSQL too. The two services keep apart: an RTA-only operation is unknown at the EL/PL
endpoint, an EL/PL claim is not found at the RTA endpoint."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import zeep

from gateway.domain.lifecycle import GDPR_DELETE
from gateway.domain.services import Side
from tests.conftest import LiveServer
from tests.e2e.claims import cnf_elpl
from tests.e2e.elpl_world import (
    AGREEMENT,
    COMP,
    COMP_TL,
    CONFIRMATION,
    COUNTER_BY_CR,
    COUNTER_DECISION,
    COUNTER_NEEDED,
    CPP_FORM,
    CR,
    D2_DAYS,
    ELPL,
    EXTEND_COUNTER,
    GROUP_COMP,
    ISP_LINES,
    NOT_AGREED,
    S2_DECISION,
    S2_FORM,
    ElplWorld,
    acknowledged,
    at_liability_decision,
    child_stage21,
    counter_offer_cm,
    counter_offer_cr,
    counter_offered_by_cr,
    court_pack_answered,
    cpp_request,
    insurer_response,
    isp_response,
    isp_sent,
    make_elpl_world,
    offered,
    s2sp_request,
    s2sp_response,
    s2sp_sent,
    stage21,
)
from tests.e2e.test_stage1_paths import Claimed
from tests.e2e.test_stage2_paths import SQLITE
from tests.wire import ELPL_NS, ELPL_PATH, RTA_PATH, envelope, post

CLAIM_TYPES = pytest.mark.parametrize("claim_type", ["EL", "ELD", "PL"])


@pytest.fixture
def w(live: LiveServer) -> ElplWorld:
    return make_elpl_world(live)


# ------------------------------------------------------------------------------- Stage 1
@SQLITE
@CLAIM_TYPES
def test_acknowledged_on_time_admitted_then_settled(w: ElplWorld, claim_type: str) -> None:
    """E1, E2, E4, E8, E17, E24, E38, E40, E45: D2 counts from the acknowledgement."""
    claim = w.submit_elpl(f"PATH-{claim_type}-1", claim_type)
    calendar = w.calendar()
    sent = w.claim_row(claim.application_id).sent_date
    w.go(COMP, "acknowledgeClaim", claim, "ClaimAcknowledged", "E2")
    row = w.claim_row(claim.application_id)
    assert row.acknowledged_date == sent
    assert (row.deadline_rule, row.deadline_date) == (
        "D2",
        calendar.add_business_days(sent, D2_DAYS[claim_type]),
    )
    w.go(
        COMP,
        "acceptClaim",
        claim,
        "LiabilityDecision",
        "E4",
        told=(Side.CR, f"Claim {claim.application_id} accepted by Compensator"),
        insurerClaimReferenceNumber="INS-REF-1",
    )
    w.go(
        COMP,
        "sendLiabilityDecision",
        claim,
        "LiabilityAdmitted",
        "E8",
        insurerResponseXml=insurer_response("A"),
    )
    row = w.claim_row(claim.application_id)
    assert (row.child_at_stage1, row.insurer_reference) == (False, "INS-REF-1")
    w.go(CR, "acknowledgeLiabilityAdmitted", claim, "StartOfStage21", "E17")
    assert w.claim_row(claim.application_id).stage1_costs_deadline is None  # no Stage 1 payment
    w.go(CR, "setInterimPaymentNeeded", claim, S2_FORM, "E24", isInterimPaymentNeeded=False)
    w.go(CR, "addStage2SPFRequest", claim, S2_DECISION, "E38", S2SPFRequestXML=s2sp_request())
    w.go(
        COMP,
        "addStage2SPFResponse",
        claim,
        CONFIRMATION,
        "E40",
        S2SPFResponseXML=s2sp_response("C"),
    )
    assert w.claim_row(claim.application_id).payment_deadline is not None  # D14
    w.go(
        CR, "acknowledgeStage2SPFConfirmation", claim, "Stage2SettlementPackConfirmationEnd", "E45"
    )
    w.ended(claim)


@SQLITE
@CLAIM_TYPES
def test_rejected_acknowledged_resent_then_accepted(w: ElplWorld, claim_type: str) -> None:
    """E5, E13, E15: the resent CNF restarts the deadlines and wants a new acknowledgement."""
    reference = f"PATH-REJ-{claim_type}"
    claim = acknowledged(w, reference, claim_type)
    w.go(
        COMP,
        "rejectClaimToCR",
        claim,
        "AcknowledgeRejectedClaim",
        "E5",
        message="rejected by Compensator: Mandatory fields",
        rejectionReasonCode="1",
    )
    assert w.claim_row(claim.application_id).rejection_code == "1"
    w.go(CR, "acknowledgeRejectedClaim", claim, "ClaimRejectedToCR", "E13")
    w.go(
        CR,
        "resendRejectedClaim",
        claim,
        "ClaimSubmitted",
        "E15",
        message=f"New claim {claim.application_id} received from Demo Claimant Solicitors LLP",
        claimXML=cnf_elpl(reference, claim_type),
    )
    row = w.claim_row(claim.application_id)
    assert (row.claim_type, row.deadline_rule) == (claim_type, "D2")
    w.go(COMP, "acknowledgeClaim", claim, "ClaimAcknowledged", "E2")
    w.go(
        COMP,
        "acceptClaim",
        claim,
        "LiabilityDecision",
        "E4",
        told=(Side.CR, "accepted by Compensator"),
        insurerClaimReferenceNumber="INS-REF-2",
    )


@SQLITE
def test_rejected_then_exited_before_or_after_its_acknowledgement(w: ElplWorld) -> None:
    """E14 from AcknowledgeRejectedClaim, E16 from ClaimRejectedToCR."""
    early = acknowledged(w, "PATH-REJ-EXIT-1", "PL")
    w.go(
        COMP,
        "rejectClaimToCR",
        early,
        "AcknowledgeRejectedClaim",
        "E5",
        message="rejected by Compensator",
        rejectionReasonCode="0",
    )
    w.go(CR, "exitRejectedClaim", early, "ExitRejectedClaim", "E14")
    w.ended(early)
    late = acknowledged(w, "PATH-REJ-EXIT-2", "ELD")
    w.go(
        COMP,
        "rejectClaimToCR",
        late,
        "AcknowledgeRejectedClaim",
        "E5",
        message="rejected by Compensator",
        rejectionReasonCode="1",
    )
    w.go(CR, "acknowledgeRejectedClaim", late, "ClaimRejectedToCR", "E13")
    w.go(CR, "exitRejectedClaim", late, "ExitRejectedClaim", "E16")
    w.ended(late)


@SQLITE
def test_reassigned_within_the_group_then_acknowledged_by_the_new_compensator(
    w: ElplWorld,
) -> None:
    """E6: back to ClaimSubmitted at COMP003, which acknowledges (E2) and accepts (E4); the
    liability deadline is unchanged, a new D1 runs from the reassignment."""
    w.add_group_insurer()
    claim = acknowledged(w, "PATH-REASSIGN", "EL")
    due = w.claim_row(claim.application_id).deadline_date
    w.users[Side.COMP] = (GROUP_COMP,)  # from now on, COMP003's users are told
    w.go(
        COMP,
        "reassignToAnotherCM",
        claim,
        "ClaimSubmitted",
        "E6",
        told=(Side.COMP, f"New claim {claim.application_id} received"),
        stale_by=GROUP_COMP,  # COMP001 no longer sees the claim
        organisationPath="/COMP003",
    )
    row = w.claim_row(claim.application_id)
    assert (row.comp_org_id, row.deadline_date) == ("COMP003", due)
    refused = w.actor(COMP).step("acknowledgeClaim", claim)
    assert refused.details == f"CLAIM_NOT_FOUND: {claim.application_id}", refused
    w.go(GROUP_COMP, "acknowledgeClaim", claim, "ClaimAcknowledged", "E2")
    assert w.claim_row(claim.application_id).deadline_date == due
    w.go(
        GROUP_COMP,
        "acceptClaim",
        claim,
        "LiabilityDecision",
        "E4",
        told=(Side.CR, "accepted by Compensator"),
        insurerClaimReferenceNumber="INS-GROUP-1",
    )


@SQLITE
@pytest.mark.parametrize("claim_type", ["ELD", "PL"])
def test_not_admitted_ends_the_claim(w: ElplWorld, claim_type: str) -> None:
    """E11, E20."""
    claim = at_liability_decision(w, f"PATH-DENIED-{claim_type}", claim_type)
    w.go(
        COMP,
        "sendLiabilityDecision",
        claim,
        "LiabilityNotAdmitted",
        "E11",
        insurerResponseXml=insurer_response("N"),
    )
    w.go(CR, "acknowledgeDeniedLiability", claim, "LiabilityNotAdmittedEnd", "E20")
    w.ended(claim)


@SQLITE
@pytest.mark.parametrize("claim_type", ["EL", "PL"])
def test_admitted_with_negligence_ends_the_claim(w: ElplWorld, claim_type: str) -> None:
    """E10, E19."""
    claim = at_liability_decision(w, f"PATH-NEG-{claim_type}", claim_type)
    w.go(
        COMP,
        "sendLiabilityDecision",
        claim,
        "LiabilityAdmittedWithNegligence",
        "E10",
        insurerResponseXml=insurer_response("AN"),
    )
    w.go(
        CR,
        "acknowledgeLiabilityAdmittedWithNeg",
        claim,
        "LiabilityAdmittedWithNegligenceEnd",
        "E19",
    )
    w.ended(claim)


# ----------------------------------------------------------------------- a child's route
@SQLITE
def test_a_child_settlement_confirmed_goes_to_the_court_pack(w: ElplWorld) -> None:
    """E9, E18, E40, E46 (a child's settlement needs the court's approval), E69, E70, E72."""
    claim = s2sp_sent(w, "CHILD-CONFIRMED", "PL", child=True)
    w.go(
        COMP,
        "addStage2SPFResponse",
        claim,
        CONFIRMATION,
        "E40",
        S2SPFResponseXML=s2sp_response("C"),
    )
    w.go(CR, "acknowledgeStage2SPFConfirmation", claim, CPP_FORM, "E46")
    court_pack_answered(w, claim)


@SQLITE
def test_a_child_offer_agreed_goes_to_the_court_pack(w: ElplWorld) -> None:
    """E41, E47, E65."""
    claim = child_stage21(w, "CHILD-AGREED", "ELD")
    w.go(CR, "setInterimPaymentNeeded", claim, S2_FORM, "E24", isInterimPaymentNeeded=False)
    w.go(CR, "addStage2SPFRequest", claim, S2_DECISION, "E38", S2SPFRequestXML=s2sp_request())
    w.go(
        COMP, "addStage2SPFResponse", claim, AGREEMENT, "E41", S2SPFResponseXML=s2sp_response("CO")
    )
    w.go(
        CR,
        "setStage2SPFAgreementDecision",
        claim,
        "Stage2SettlementPackAgreed",
        "E47",
        isAgreed=True,
    )
    w.go(COMP, "acknowledgeStage2SPFAgreed", claim, CPP_FORM, "E65")


# ------------------------------------------------------------------------------ Stage 2.1
@SQLITE
def test_interim_full_offer_paid(w: ElplWorld) -> None:
    """E23, E25 (over 1,000: D6), E27, E35."""
    claim = isp_sent(w, "S21-FULL")
    row = w.claim_row(claim.application_id)
    assert (str(row.interim_value), row.deadline_rule) == ("2356.40", "D6")
    w.go(
        COMP,
        "addInterimSPFResponse",
        claim,
        "Stage21Payment",
        "E27",
        ISPFResponseXML=isp_response(True, ISP_LINES),
    )
    w.go(CR, "setStage21Payment", claim, S2_FORM, "E35", isStage21Paid=True)
    assert w.claim_row(claim.application_id).stage21_paid is True


@SQLITE
@pytest.mark.parametrize(
    ("accepted", "phase", "rule"),
    [(True, "Stage21Payment", "E33"), (False, S2_FORM, "E34")],
    ids=["accepted", "refused"],
)
def test_partial_interim_offer_accepted_or_refused(
    w: ElplWorld, accepted: bool, phase: str, rule: str
) -> None:
    """E28, E32, then E33 (accepted, then E35) or E34 (refused)."""
    claim = isp_sent(w, f"S21-PART-{int(accepted)}")
    w.go(
        COMP,
        "addInterimSPFResponse",
        claim,
        "PartialInterimPaymentDecision",
        "E28",
        ISPFResponseXML=isp_response(False),
    )
    w.go(
        CR,
        "acceptPartialInterimPayment",
        claim,
        "AcknowledgePartialPaymentDecision",
        "E32",
        isPartialInterimPaymentAccepted=accepted,
    )
    w.go(COMP, "acknowledgePartialPaymentDecision", claim, phase, rule)
    if accepted:
        w.go(CR, "setStage21Payment", claim, S2_FORM, "E35", isStage21Paid=False)


@SQLITE
def test_interim_pack_rejected_then_back_to_the_start(w: ElplWorld) -> None:
    """E29, E36."""
    claim = isp_sent(w, "S21-REJ")
    w.go(
        COMP,
        "rejectInterimSettlementPack",
        claim,
        "InterimSettlementPackRejected",
        "E29",
        rejectionComment="No evidence of the losses",
    )
    w.go(CR, "acknowledgeRejectedInterimSettlementPack", claim, "StartOfStage21", "E36")
    assert w.claim_row(claim.application_id).interim_rejection_comment == (
        "No evidence of the losses"
    )


@SQLITE
def test_return_to_the_start_of_stage21_from_both_forms(w: ElplWorld) -> None:
    """E23, E26, E24, E39."""
    claim = stage21(w, "S21-BACK", "PL")
    w.go(
        CR,
        "setInterimPaymentNeeded",
        claim,
        "InterimSettlementPackForm",
        "E23",
        isInterimPaymentNeeded=True,
    )
    w.go(CR, "returnToStartOfStage21", claim, "StartOfStage21", "E26")
    w.go(CR, "setInterimPaymentNeeded", claim, S2_FORM, "E24", isInterimPaymentNeeded=False)
    w.go(CR, "returnToStartOfStage21", claim, "StartOfStage21", "E39")


# -------------------------------------------------------------------------------- Stage 2
@SQLITE
def test_an_offer_agreed_by_an_adult_ends_the_claim(w: ElplWorld) -> None:
    """E41, E47, E64."""
    claim = offered(w, "S2-AGREED")
    row = w.claim_row(claim.application_id)
    assert (row.deadline_rule, row.offer_late) == ("D9", False)
    w.go(
        CR,
        "setStage2SPFAgreementDecision",
        claim,
        "Stage2SettlementPackAgreed",
        "E47",
        isAgreed=True,
    )
    w.go(COMP, "acknowledgeStage2SPFAgreed", claim, "Stage2SettlementPackAgreedEnd", "E64")
    w.ended(claim)


def test_counter_offers_to_a_settlement(w: ElplWorld) -> None:
    """The representative path, on SQLite and on PostgreSQL: E41, E48, E52, E56, E60 (NEWCO),
    again E48, E52, E56, then E59 (ACO) and E45."""
    claim = offered(w, "S2-COUNTER")
    d9 = w.claim_row(claim.application_id).deadline_date
    for decision, expected, rule in (("NEWCO", AGREEMENT, "E60"), ("ACO", CONFIRMATION, "E59")):
        w.go(CR, "setStage2SPFAgreementDecision", claim, COUNTER_NEEDED, "E48", isAgreed=False)
        w.go(
            CR,
            "setStage2SPFCounterOfferNeeded",
            claim,
            COUNTER_BY_CR,
            "E52",
            isStage2SPFCounterOfferNeeded=True,
        )
        w.go(
            CR,
            "addStage2SPFCounterOfferByCR",
            claim,
            COUNTER_DECISION,
            "E56",
            S2SPFCounterOfferByCRXML=counter_offer_cr(),
        )
        assert w.claim_row(claim.application_id).deadline_date == d9  # the period runs on
        w.go(
            COMP,
            "addStage2SPFCounterOfferByCM",
            claim,
            expected,
            rule,
            S2SPFCounterOfferByCMXML=counter_offer_cm(decision),
        )
    w.go(
        CR, "acknowledgeStage2SPFConfirmation", claim, "Stage2SettlementPackConfirmationEnd", "E45"
    )
    w.ended(claim)


@SQLITE
def test_no_counter_offer_wanted_goes_to_the_court_pack(w: ElplWorld) -> None:
    """E48, E53: EL/PL has no additional damages; the court pack is answered (E69, E70, E72)."""
    claim = offered(w, "S2-NO-COUNTER")
    w.go(CR, "setStage2SPFAgreementDecision", claim, COUNTER_NEEDED, "E48", isAgreed=False)
    w.go(
        CR,
        "setStage2SPFCounterOfferNeeded",
        claim,
        CPP_FORM,
        "E53",
        isStage2SPFCounterOfferNeeded=False,
    )
    court_pack_answered(w, claim)


@SQLITE
def test_a_late_offer_declined_goes_straight_to_the_court_pack(w: ElplWorld) -> None:
    """An offer in the last 5 BD of D9 is late (D10): declining it is E49, no counter offer."""
    claim = s2sp_sent(w, "S2-LATE", "ELD")
    calendar = w.calendar()
    sent = w.claim_row(claim.application_id).s2sp_sent_date
    assert sent is not None
    offer_day = calendar.business_days_before(calendar.add_business_days(sent, 35), 2)
    w.move_to_day(offer_day)  # D8 has passed, but no sweep ran: the answer is still taken
    w.go(
        COMP, "addStage2SPFResponse", claim, AGREEMENT, "E41", S2SPFResponseXML=s2sp_response("CO")
    )
    row = w.claim_row(claim.application_id)
    assert (row.offer_late, row.deadline_rule) == (True, "D10")
    assert row.deadline_date == calendar.add_business_days(offer_day, 5)
    w.go(CR, "setStage2SPFAgreementDecision", claim, CPP_FORM, "E49", isAgreed=False)


@SQLITE
def test_a_new_counter_offer_on_a_late_claimant_offer_is_not_agreed(w: ElplWorld) -> None:
    """A late CR counter offer (D10) answered with NEWCO is E61; then E66 to the court pack."""
    claim = counter_offered_by_cr(w, "S2-LATE-CM")
    end = w.claim_row(claim.application_id).deadline_date
    assert end is not None
    w.move_to_day(w.calendar().business_days_before(end, 1))
    w.go(
        CR,
        "addStage2SPFCounterOfferByCR",
        claim,
        COUNTER_DECISION,
        "E56",
        S2SPFCounterOfferByCRXML=counter_offer_cr(),
    )
    row = w.claim_row(claim.application_id)
    assert (row.offer_late, row.deadline_rule) == (True, "D10")
    w.go(
        COMP,
        "addStage2SPFCounterOfferByCM",
        claim,
        NOT_AGREED,
        "E61",
        S2SPFCounterOfferByCMXML=counter_offer_cm("NEWCO"),
    )
    w.go(CR, "acknowledgeStage2SPFNotAgreed", claim, CPP_FORM, "E66")


@SQLITE
def test_repudiation_ends_the_claim(w: ElplWorld) -> None:
    """E42, E67."""
    claim = s2sp_sent(w, "S2-REPUDIATED", "PL")
    w.go(
        COMP,
        "addStage2SPFResponse",
        claim,
        "Stage2SettlementPackRepudiation",
        "E42",
        S2SPFResponseXML=s2sp_response("R"),
    )
    w.go(CR, "acknowledgeStage2SPFRepudiation", claim, "Stage2SettlementPackRepudiationEnd", "E67")
    w.ended(claim)


def _extended(w: ElplWorld, claim: Claimed, at: datetime) -> None:
    row = w.claim_row(claim.application_id)
    assert (row.deadline_rule, row.deadline_date) == ("D11", at.date())


@SQLITE
def test_agreed_extensions_in_every_phase_that_has_one(w: ElplWorld) -> None:
    """E43 (COMP), E50 (CR), E54 (COMP), E57 (CR), E62 (COMP): each a D11 date."""
    claim = s2sp_sent(w, "S2-EXTEND")
    at = w.extension(claim)
    w.go(
        COMP,
        "extendStage2SPFDecisionTimeout",
        claim,
        S2_DECISION,
        "E43",
        newTimeOut=at,
        reasonForExtension="1",
    )
    _extended(w, claim, at)
    w.go(
        COMP, "addStage2SPFResponse", claim, AGREEMENT, "E41", S2SPFResponseXML=s2sp_response("CO")
    )
    # (who extends, in which phase, its row; then the step on to the next phase and its row)
    then: list[tuple[str, str, str, dict[str, Any]] | None] = [
        ("setStage2SPFAgreementDecision", COUNTER_NEEDED, "E48", {"isAgreed": False}),
        (
            "setStage2SPFCounterOfferNeeded",
            COUNTER_BY_CR,
            "E52",
            {"isStage2SPFCounterOfferNeeded": True},
        ),
        (
            "addStage2SPFCounterOfferByCR",
            COUNTER_DECISION,
            "E56",
            {"S2SPFCounterOfferByCRXML": counter_offer_cr()},
        ),
        None,
    ]
    extensions = [
        (CR, AGREEMENT, "E50"),
        (COMP, COUNTER_NEEDED, "E54"),
        (CR, COUNTER_BY_CR, "E57"),
        (COMP, COUNTER_DECISION, "E62"),
    ]
    for days, ((user, phase, rule), step) in enumerate(zip(extensions, then, strict=True), 1):
        at = w.extension(claim, days)
        w.go(user, EXTEND_COUNTER, claim, phase, rule, newTimeOut=at, reasonForExtension="1")
        _extended(w, claim, at)
        if step is not None:
            operation, expected, next_rule, fields = step
            w.go(CR, operation, claim, expected, next_rule, **fields)


# ------------------------------------------------------------------------ exits and fraud
@SQLITE
def test_exit_by_the_claimant_before_the_acknowledgement(w: ElplWorld) -> None:
    """E75 from ClaimSubmitted (exit by CR), acknowledged by the compensator (E73)."""
    claim = w.submit_elpl("EXIT-CR", "PL")
    w.go(
        CR,
        "exitProcess",
        claim,
        "ExitProcessByCR",
        "E75",
        message="exit process by Claimant Representative",
        exitReasonCode="5",
    )
    assert w.claim_row(claim.application_id).exit_cr_code == "5"
    w.go(COMP, "acknowledgeExitProcess", claim, "ExitProcessEnd", "E73")
    w.ended(claim)


@SQLITE
def test_exit_by_the_claimant_from_a_counter_offer_phase(w: ElplWorld) -> None:
    """E75 from a Stage 2 phase (exit by both), acknowledged by the compensator (E73)."""
    claim = counter_offered_by_cr(w, "EXIT-CR-S2")
    w.go(
        CR,
        "exitProcess",
        claim,
        "ExitProcessByCR",
        "E75",
        message="exit process by Claimant Representative",
        exitReasonCode="3",
    )
    w.go(COMP_TL, "acknowledgeExitProcess", claim, "ExitProcessEnd", "E73")
    w.ended(claim)


@SQLITE
def test_exit_by_the_compensator_from_the_liability_decision(w: ElplWorld) -> None:
    """E76 from LiabilityDecision (exit by both), acknowledged by the claimant (E74)."""
    claim = at_liability_decision(w, "EXIT-CM", "ELD")
    w.go(
        COMP,
        "exitProcess",
        claim,
        "ExitProcessByCM",
        "E76",
        message="exit process by Compensator",
        exitReasonCode="10",
        exitComment="Settled directly",
    )
    row = w.claim_row(claim.application_id)
    assert (row.exit_cm_code, row.exit_cm_comment) == ("10", "Settled directly")
    w.go(CR, "acknowledgeExitProcess", claim, "ExitProcessEnd", "E74")
    w.ended(claim)


@SQLITE
def test_exit_by_the_compensator_from_the_interim_decision(w: ElplWorld) -> None:
    claim = isp_sent(w, "EXIT-CM-S21")
    w.go(
        COMP,
        "exitProcess",
        claim,
        "ExitProcessByCM",
        "E76",
        message="exit process by Compensator",
        exitReasonCode="10",
        exitComment="Settled directly",
    )
    w.go(CR, "acknowledgeExitProcess", claim, "ExitProcessEnd", "E74")
    w.ended(claim)


@SQLITE
@pytest.mark.parametrize("where", ["LiabilityDecision", "CourtProceedingsPackDecision"])
def test_fraud_stated_then_acknowledged(w: ElplWorld, where: str) -> None:
    """E77 from a phase whose Fraud column is yes, E22."""
    if where == "LiabilityDecision":
        claim = at_liability_decision(w, "FRAUD-S1", "EL")
    else:
        claim = offered(w, "FRAUD-S3")
        w.go(CR, "setStage2SPFAgreementDecision", claim, COUNTER_NEEDED, "E48", isAgreed=False)
        w.go(
            CR,
            "setStage2SPFCounterOfferNeeded",
            claim,
            CPP_FORM,
            "E53",
            isStage2SPFCounterOfferNeeded=False,
        )
        w.go(CR, "addCPPFRequest", claim, where, "E69", CPPFRequestXML=cpp_request())
    assert ELPL.phase(claim.phase).fraud
    w.go(
        COMP_TL,
        "stateFraud",
        claim,
        "FraudStated",
        "E77",
        reasonCode="0",
        reasonDescription="Staged accident",
    )
    w.go(CR, "acknowledgeFraudStated", claim, "FraudStatedEnd", "E22")
    w.ended(claim)
    row = w.claim_row(claim.application_id)
    assert (row.fraud_code, row.fraud_comment) == ("0", "Staged accident")


# ------------------------------------------------------------------------------- refusals
def _refused(w: ElplWorld, claim: Claimed, user: str, operation: str, key: str, **f: Any) -> None:
    """Refused with ``key``, journaled, nothing changed."""
    reply = w.actor(user).step(operation, claim, **f)
    assert reply.code == "Failure" and reply.details.startswith(key), reply
    entry = w.last_journal()
    assert (entry.operation, entry.outcome, entry.error_key, entry.transition) == (
        operation,
        "Failure",
        key,
        None,
    )
    row = w.claim_row(claim.application_id)
    assert (row.phase, row.guid) == (claim.phase, claim.guid)


@SQLITE
def test_what_a_phase_does_not_allow_is_refused(w: ElplWorld) -> None:
    """Not accepted before the acknowledgement; no compensator exit before it (Exit by CR);
    no fraud in ClaimAcknowledged (Fraud no); the CR cannot acknowledge; no Article 75 step."""
    claim = w.submit_elpl("REFUSED-1", "EL")
    _refused(w, claim, COMP, "acceptClaim", "PHASE_NOT_ALLOWED", insurerClaimReferenceNumber="X")
    _refused(w, claim, COMP, "exitProcess", "PHASE_NOT_ALLOWED", exitReasonCode="10")
    _refused(w, claim, CR, "acknowledgeClaim", "PROFILE_NOT_ALLOWED")
    w.go(COMP, "acknowledgeClaim", claim, "ClaimAcknowledged", "E2")
    _refused(
        w, claim, COMP, "stateFraud", "PHASE_NOT_ALLOWED", reasonCode="0", reasonDescription="X"
    )
    _refused(w, claim, COMP, "acknowledgeClaim", "PHASE_NOT_ALLOWED")


# ------------------------------------------------------------------- the services keep apart
@SQLITE
def test_an_rta_only_operation_is_unknown_at_the_elpl_endpoint(w: ElplWorld) -> None:
    claim = acknowledged(w, "APART-1", "EL")
    token = w.actor(COMP).token
    fields = (
        f"<claimData><applicationId>{claim.application_id}</applicationId>"
        f"<activityEngineGuid>{claim.guid}</activityEngineGuid></claimData>"
        f"<isArticle75>true</isArticle75><accessToken>{token}</accessToken>"
    )
    reply = post(w.live.url, envelope("applyArticle75", fields, ELPL_NS), ELPL_PATH)
    assert reply.status == 500 and reply.fault_code() == "soap:Client"
    fault = reply.tree.find(".//faultstring")
    assert fault is not None and "unknown operation" in (fault.text or ""), fault
    row = w.claim_row(claim.application_id)
    assert (row.phase, row.guid) == (claim.phase, claim.guid)


@SQLITE
def test_an_elpl_claim_is_not_found_at_the_rta_endpoint(w: ElplWorld) -> None:
    claim = w.submit_elpl("APART-2", "PL")
    rta = zeep.Client(f"{w.live.url}{RTA_PATH}?wsdl")
    pair = rta.service.getToken(
        userID="cr-a2a", userAsID="cr-rta-ch", password="Amber-Falcon-2026!"
    )
    assert pair.code == "Ok", pair
    reply = rta.service.getClaimsStatus(
        applicationId=claim.application_id, accessToken=pair.accessToken
    )
    assert reply.code == "Failure" and reply.details == f"CLAIM_NOT_FOUND: {claim.application_id}"
    mine = w.actor(CR).call("getClaimsStatus", applicationId=claim.application_id)
    assert mine.code == "Ok", mine


# ------------------------------------------------------------------------- the row census
def test_every_elpl_row_is_driven_by_a_checked_step() -> None:
    """Each row of lifecycle.md 3.2 but GDPR_DELETE (an administration event) is named by a
    checked step (``go``, ``sweep``) in these tests; those steps assert the journal row's
    ``transition``, and the transition collector (tests/e2e/transitions.py) counts what the
    servers' journals show driven."""
    here = Path(__file__).resolve().parent
    text = "".join(
        (here / name).read_text("utf-8")
        for name in ("test_elpl_paths.py", "test_elpl_timeouts.py", "elpl_world.py")
    )
    named = set(re.findall(r'"(E\d+)"', text))
    wanted = {row.rule for row in ELPL.transitions if row.trigger != GDPR_DELETE}
    assert len(wanted) == 77
    assert sorted(wanted - named, key=lambda r: int(r[1:])) == []
