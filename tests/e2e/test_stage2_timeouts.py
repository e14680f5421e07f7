"""Stage 2.1, Stage 2 and Stage 3 deadlines in motion, end to end: claims sent with zeep, the
movable clock moved past a deadline and one sweep of the timeout worker. Each timeout is checked
like a step (``Stage2World.sweep``: phase, new GUID, the SYSTEM journal row with its lifecycle row
id, "time limit reached" to both sides, the previous GUID refused), then acknowledged over the
wire. The liability-decision timeout from ``LiabilityDecision`` (R14) is here too."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.domain.deadlines import timeout_instant
from tests.conftest import LiveServer
from tests.e2e import claims as packs
from tests.e2e.test_stage1_paths import Claimed
from tests.e2e.test_stage2_paths import (
    AD_DECISION,
    AD_START,
    AGREEMENT,
    COMP,
    COUNTER_BY_CR,
    COUNTER_DECISION,
    COUNTER_NEEDED,
    CPP_FORM,
    CR,
    LOW,
    NOT_AGREED,
    S2_DECISION,
    SQLITE,
    Due,
    Stage2World,
    additional_damages_sent,
    isp_sent,
    make_stage2_world,
    offered,
    s2sp_sent,
)

INTERIM_TIMEOUT = "InterimPaymentDecisionTimeout"


@pytest.fixture
def w(live: LiveServer) -> Stage2World:
    return make_stage2_world(live)


def _deadline(w: Stage2World, claim: Claimed, rule: str) -> None:
    """The claim's running deadline is ``rule``."""
    row = w.claim_row(claim.application_id)
    assert (row.deadline_rule, row.deadline_date is not None) == (rule, True)


def _past(w: Stage2World, *claims: Claimed) -> None:
    """Move the clock past the latest deadline of ``claims`` (an hour after it fully passed)."""
    dates = [w.claim_row(c.application_id).deadline_date for c in claims]
    assert all(d is not None for d in dates)
    w.move_to(timeout_instant(max(d for d in dates if d is not None)) + timedelta(hours=1))


def _ack(user: str, operation: str) -> tuple[str, str, dict[str, object]]:
    return (user, operation, {})


@SQLITE
def test_interim_decisions_time_out_at_d5_then_d6(w: Stage2World) -> None:
    low = isp_sent(w, "ISP-D5", LOW)
    high = isp_sent(w, "ISP-D6")
    _deadline(w, low, "D5")
    _deadline(w, high, "D6")
    ack = _ack(CR, "acknowledgeInterimPaymentDecisionTimeout")
    _past(w, low)
    w.sweep(Due(low, INTERIM_TIMEOUT, "R34", ack))
    assert w.claim_row(high.application_id).phase == "InterimPaymentDecision"
    _past(w, high)
    w.sweep(Due(high, INTERIM_TIMEOUT, "R34", ack))
    for claim in (low, high):
        w.go(
            CR,
            "acknowledgeInterimPaymentDecisionTimeout",
            claim,
            "Stage2SettlementPackForm",
            "R40",
        )


@SQLITE
def test_an_extended_interim_decision_times_out_at_d7(w: Stage2World) -> None:
    claim = isp_sent(w, "ISP-D7")
    d6 = w.claim_row(claim.application_id).deadline_date
    w.go(COMP, "extendInterimPaymentDecisionTimeout", claim, "InterimPaymentDecision", "R33")
    row = w.claim_row(claim.application_id)
    assert row.deadline_rule == "D7" and row.interim_extended
    assert d6 is not None and row.deadline_date is not None and row.deadline_date > d6
    w.move_to(timeout_instant(d6) + timedelta(hours=1))
    w.sweep()  # D6 no longer applies: nothing times out
    assert w.claim_row(claim.application_id).phase == "InterimPaymentDecision"
    _past(w, claim)
    w.sweep(
        Due(claim, INTERIM_TIMEOUT, "R34", _ack(CR, "acknowledgeInterimPaymentDecisionTimeout"))
    )
    w.go(CR, "acknowledgeInterimPaymentDecisionTimeout", claim, "Stage2SettlementPackForm", "R40")


def test_every_counter_offer_phase_is_not_agreed_at_the_end_of_d9(w: Stage2World) -> None:
    """One sweep times out four claims: on SQLite and on PostgreSQL (the timer queries)."""
    agreement = offered(w, "D9-AGREEMENT")
    needed = offered(w, "D9-NEEDED")
    w.quick(CR, "setStage2SPFAgreementDecision", needed, COUNTER_NEEDED, isAgreed=False)
    by_cr = offered(w, "D9-BY-CR")
    w.quick(CR, "setStage2SPFAgreementDecision", by_cr, COUNTER_NEEDED, isAgreed=False)
    w.quick(
        CR,
        "setStage2SPFCounterOfferNeeded",
        by_cr,
        COUNTER_BY_CR,
        isStage2SPFCounterOfferNeeded=True,
    )
    decision = offered(w, "D9-DECISION")
    w.quick(CR, "setStage2SPFAgreementDecision", decision, COUNTER_NEEDED, isAgreed=False)
    w.quick(
        CR,
        "setStage2SPFCounterOfferNeeded",
        decision,
        COUNTER_BY_CR,
        isStage2SPFCounterOfferNeeded=True,
    )
    w.quick(
        CR,
        "addStage2SPFCounterOfferByCR",
        decision,
        COUNTER_DECISION,
        S2SPFCounterOfferByCRXML=packs.counter_offer_cr(),
    )
    claims = (agreement, needed, by_cr, decision)
    for claim in claims:
        _deadline(w, claim, "D9")
    assert [c.phase for c in claims] == [AGREEMENT, COUNTER_NEEDED, COUNTER_BY_CR, COUNTER_DECISION]
    _past(w, *claims)
    ack = _ack(CR, "acknowledgeStage2SPFNotAgreed")
    w.sweep(
        Due(agreement, NOT_AGREED, "R54", ack),
        Due(needed, NOT_AGREED, "R58", ack),
        Due(by_cr, NOT_AGREED, "R61", ack),
        Due(decision, NOT_AGREED, "R66", ack),
    )
    for claim in claims:
        w.go(CR, "acknowledgeStage2SPFNotAgreed", claim, AD_START, "R69")


@SQLITE
def test_the_settlement_pack_decision_times_out(w: Stage2World) -> None:
    claim = s2sp_sent(w, "S2SP-D8")
    _deadline(w, claim, "D8")
    assert claim.phase == S2_DECISION
    _past(w, claim)
    timed_out = "Stage2SettlementPackDecisionTimeout"
    w.sweep(Due(claim, timed_out, "R47", _ack(CR, "acknowledgeStage2SPFDecisionTimeout")))
    w.go(CR, "acknowledgeStage2SPFDecisionTimeout", claim, f"{timed_out}End", "R71")
    w.ended(claim)


@SQLITE
def test_the_additional_damages_decision_times_out(w: Stage2World) -> None:
    claim = additional_damages_sent(w, "AD-D12")
    _deadline(w, claim, "D12")
    assert claim.phase == AD_DECISION
    _past(w, claim)
    timed_out = "Stage2SettlementPackAdditionalDamagesDecisionTimeout"
    w.sweep(Due(claim, timed_out, "R78", _ack(CR, "acknowledgeAdditionalDamagesDecisionTimeout")))
    w.go(CR, "acknowledgeAdditionalDamagesDecisionTimeout", claim, CPP_FORM, "R85")


@SQLITE
def test_the_court_proceedings_pack_decision_times_out_and_ends_the_claim(w: Stage2World) -> None:
    claim = additional_damages_sent(w, "CPP-D13")
    w.quick(
        COMP,
        "addS2SPFAdditionalDamagesResponse",
        claim,
        "Stage2SettlementPackAdditionalDamagesAgreementDecision",
        additionalDamagesResponseXML=packs.ad_response("CO"),
    )
    w.quick(CR, "setS2SPFAdditionalDamagesDecision", claim, CPP_FORM, isAgreed=False)
    w.quick(
        CR,
        "addCPPFRequest",
        claim,
        "CourtProceedingsPackDecision",
        CPPFRequestXML=packs.cpp_request(),
    )
    _deadline(w, claim, "D13")
    _past(w, claim)
    probe = (COMP, "addCPPFResponse", {"CPPFResponseXML": packs.cpp_response()})
    w.sweep(Due(claim, "CourtProceedingsPackDecisionTimeoutEnd", "R88", probe))
    w.ended(claim)


@SQLITE
def test_the_liability_decision_times_out_after_article_75(w: Stage2World) -> None:
    claim = w.submit("LIABILITY-D2")
    w.quick(COMP, "acceptClaim", claim, "Article75Decision", insurerClaimReferenceNumber="INS-1")
    w.quick(COMP, "applyArticle75", claim, "LiabilityDecision", isArticle75=False)
    row = w.claim_row(claim.application_id)
    assert row.deadline_rule == "D2" and row.deadline_date is not None
    _past(w, claim)
    ack = _ack(CR, "acknowledgeLiabilityDecisionTimeout")
    w.sweep(Due(claim, "LiabilityDecisionTimeout", "R14", ack))
    w.go(CR, "acknowledgeLiabilityDecisionTimeout", claim, "LiabilityDecisionTimeoutEnd", "R23")
    w.ended(claim)
