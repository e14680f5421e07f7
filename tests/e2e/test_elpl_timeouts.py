"""EL/PL deadlines in motion, end to end: claims sent with zeep, the movable clock moved past a
deadline and one sweep of the timeout worker. Each timeout is checked like a step
(``ElplWorld.sweep``: phase, new GUID, the SYSTEM journal row with its lifecycle row id, "time
limit reached" to both sides, the previous GUID refused), then acknowledged over the wire.

D1 (the electronic acknowledgement) only tells the compensator; an acknowledgement after it makes
D2 count from the D1 date (lifecycle.md 5.3). A claim never acknowledged, acknowledged but not
accepted, or accepted without a decision times out at D2 (E3, E7, E12)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from gateway.domain.deadlines import timeout_instant
from gateway.service.timeouts import TimeoutWorker
from tests.conftest import LiveServer
from tests.e2e.elpl_world import (
    AGREEMENT,
    COMP,
    COUNTER_BY_CR,
    COUNTER_DECISION,
    COUNTER_NEEDED,
    CPP_DECISION,
    CPP_FORM,
    CR,
    D2_DAYS,
    LOW,
    NOT_AGREED,
    S2_DECISION,
    S2_FORM,
    ElplWorld,
    acknowledged,
    at_liability_decision,
    counter_offer_cm,
    counter_offer_cr,
    counter_offered_by_cr,
    cpp_request,
    cpp_response,
    insurer_response,
    isp_sent,
    make_elpl_world,
    offered,
    s2sp_sent,
)
from tests.e2e.test_stage1_paths import Claimed
from tests.e2e.test_stage2_paths import SQLITE, Due

LIABILITY_TIMEOUT = "LiabilityDecisionTimeout"
INTERIM_TIMEOUT = "InterimPaymentDecisionTimeout"


@pytest.fixture
def w(live: LiveServer) -> ElplWorld:
    return make_elpl_world(live)


def _deadline(w: ElplWorld, claim: Claimed, rule: str) -> None:
    row = w.claim_row(claim.application_id)
    assert (row.deadline_rule, row.deadline_date is not None) == (rule, True)


def _past(w: ElplWorld, *claims: Claimed) -> None:
    """Move the clock past the latest deadline of ``claims`` (an hour after it fully passed)."""
    dates = [w.claim_row(c.application_id).deadline_date for c in claims]
    assert all(d is not None for d in dates)
    w.move_to(timeout_instant(max(d for d in dates if d is not None)) + timedelta(hours=1))


def _ack(user: str, operation: str, **fields: object) -> tuple[str, str, dict[str, object]]:
    return (user, operation, fields)


# -------------------------------------------------------------------------------- Stage 1
@SQLITE
@pytest.mark.parametrize("claim_type", ["EL", "PL"])
def test_acknowledged_late_the_liability_deadline_counts_from_d1(
    w: ElplWorld, claim_type: str
) -> None:
    """D1 passes: "time limit reached" to the compensator only, nothing moves; a later
    acknowledgement (E2) makes D2 the D1 date + 30 (EL) or 40 (PL) BD, as getClaim shows."""
    claim = w.submit_elpl(f"LATE-ACK-{claim_type}", claim_type)
    calendar = w.calendar()
    d1 = calendar.add_business_days(w.claim_row(claim.application_id).sent_date, 1)
    w.move_to(timeout_instant(d1) + timedelta(hours=1))
    seen = frozenset(g for g, _, _ in w.notices(claim.application_id))
    report = TimeoutWorker(w.live.components).sweep()
    assert (report.limits, report.timeouts, report.warnings) == (1, 0, 0), report
    told = {u for u, m in w.notifications(claim.application_id, after=seen)}
    assert {"comp-elpl-ch", "comp-elpl-tl"} <= told and not any(u.startswith("cr") for u in told)
    assert all(
        "Electronic acknowledgement of the CNF time limit reached" in m
        for _, m in w.notifications(claim.application_id, after=seen)
    )
    row = w.claim_row(claim.application_id)
    assert (row.phase, row.guid) == (claim.phase, claim.guid)  # D1 is a notice, not a move
    later = calendar.add_business_days(d1, 2)
    w.move_to_day(later)
    w.go(COMP, "acknowledgeClaim", claim, "ClaimAcknowledged", "E2")
    due = calendar.add_business_days(d1, D2_DAYS[claim_type])
    row = w.claim_row(claim.application_id)
    assert (row.acknowledged_date, row.deadline_rule, row.deadline_date) == (later, "D2", due)
    reply = w.actor(CR).call("getClaim", applicationId=claim.application_id)
    assert reply.code == "Ok", reply
    data = etree.fromstring(reply.value.encode())
    current = data.find("Timeouts/CurrentTimeout")
    assert current is not None
    assert (current.get("TimeOutType"), current.get("SelectedTimeOut")) == ("11", due.isoformat())
    insurer = data.find("Timeouts/PreCalculatedTimeouts/ClaimNotificationForm/Insurer")
    assert insurer is not None and insurer.get("LiabilityDecisionTimeout") == due.isoformat()


@SQLITE
def test_no_liability_decision_times_out_at_d2_from_each_stage1_phase(w: ElplWorld) -> None:
    """Never acknowledged (E3), acknowledged only (E7), accepted without a decision (E12): one
    sweep after the latest D2; then each timeout acknowledged (E21)."""
    submitted = w.submit_elpl("D2-SUBMITTED", "EL")
    acked = acknowledged(w, "D2-ACKNOWLEDGED", "PL")
    deciding = at_liability_decision(w, "D2-DECIDING", "ELD")
    claims = (submitted, acked, deciding)
    for claim in claims:
        _deadline(w, claim, "D2")
    _past(w, *claims)
    w.sweep(
        Due(submitted, LIABILITY_TIMEOUT, "E3", _ack(COMP, "acknowledgeClaim")),
        Due(
            acked,
            LIABILITY_TIMEOUT,
            "E7",
            _ack(COMP, "acceptClaim", insurerClaimReferenceNumber="X"),
        ),
        Due(
            deciding,
            LIABILITY_TIMEOUT,
            "E12",
            _ack(COMP, "sendLiabilityDecision", insurerResponseXml=insurer_response("A")),
        ),
    )
    for claim in claims:
        w.go(
            CR,
            "acknowledgeLiabilityDecisionTimeout",
            claim,
            "LiabilityDecisionTimeoutEnd",
            "E21",
        )
        w.ended(claim)


# ------------------------------------------------------------------------------ Stage 2.1
@SQLITE
def test_interim_decisions_time_out_at_d5_and_after_the_extension_at_d7(w: ElplWorld) -> None:
    """E31 at D5 (up to 1,000); E30 extends a larger request to D7, D6 no longer applies, E31
    at D7; each acknowledged (E37)."""
    low = isp_sent(w, "ISP-D5", LOW)
    high = isp_sent(w, "ISP-D7")
    _deadline(w, low, "D5")
    _deadline(w, high, "D6")
    d6 = w.claim_row(high.application_id).deadline_date
    w.go(COMP, "extendInterimPaymentDecisionTimeout", high, "InterimPaymentDecision", "E30")
    row = w.claim_row(high.application_id)
    assert row.deadline_rule == "D7" and row.interim_extended
    assert d6 is not None and row.deadline_date is not None and row.deadline_date > d6
    ack = _ack(CR, "acknowledgeInterimPaymentDecisionTimeout")
    _past(w, low)
    w.sweep(Due(low, INTERIM_TIMEOUT, "E31", ack))
    w.move_to(timeout_instant(d6) + timedelta(hours=1))
    w.sweep()  # D6 no longer applies to the extended request
    assert w.claim_row(high.application_id).phase == "InterimPaymentDecision"
    _past(w, high)
    w.sweep(Due(high, INTERIM_TIMEOUT, "E31", ack))
    for claim in (low, high):
        w.go(CR, "acknowledgeInterimPaymentDecisionTimeout", claim, S2_FORM, "E37")


# -------------------------------------------------------------------------------- Stage 2
@SQLITE
def test_the_settlement_pack_decision_times_out(w: ElplWorld) -> None:
    """E44 at D8, E68."""
    claim = s2sp_sent(w, "S2SP-D8", "PL")
    _deadline(w, claim, "D8")
    assert claim.phase == S2_DECISION
    _past(w, claim)
    timed_out = "Stage2SettlementPackDecisionTimeout"
    w.sweep(Due(claim, timed_out, "E44", _ack(CR, "acknowledgeStage2SPFDecisionTimeout")))
    w.go(CR, "acknowledgeStage2SPFDecisionTimeout", claim, f"{timed_out}End", "E68")
    w.ended(claim)


@SQLITE
def test_every_counter_offer_phase_is_not_agreed_at_the_end_of_d9(w: ElplWorld) -> None:
    """One sweep times out four claims (E51, E55, E58, E63); each goes on to the court pack
    (E66)."""
    agreement = offered(w, "D9-AGREEMENT")
    needed = offered(w, "D9-NEEDED")
    w.quick(CR, "setStage2SPFAgreementDecision", needed, COUNTER_NEEDED, isAgreed=False)
    by_cr = counter_offered_by_cr(w, "D9-BY-CR")
    decision = counter_offered_by_cr(w, "D9-DECISION")
    w.quick(
        CR,
        "addStage2SPFCounterOfferByCR",
        decision,
        COUNTER_DECISION,
        S2SPFCounterOfferByCRXML=counter_offer_cr(),
    )
    claims = (agreement, needed, by_cr, decision)
    for claim in claims:
        _deadline(w, claim, "D9")
    assert [c.phase for c in claims] == [AGREEMENT, COUNTER_NEEDED, COUNTER_BY_CR, COUNTER_DECISION]
    _past(w, *claims)
    ack = _ack(CR, "acknowledgeStage2SPFNotAgreed")
    w.sweep(
        Due(agreement, NOT_AGREED, "E51", ack),
        Due(needed, NOT_AGREED, "E55", ack),
        Due(by_cr, NOT_AGREED, "E58", ack),
        Due(
            decision,
            NOT_AGREED,
            "E63",
            _ack(
                COMP,
                "addStage2SPFCounterOfferByCM",
                S2SPFCounterOfferByCMXML=counter_offer_cm("ACO"),
            ),
        ),
    )
    for claim in claims:
        w.go(CR, "acknowledgeStage2SPFNotAgreed", claim, CPP_FORM, "E66")


# -------------------------------------------------------------------------------- Stage 3
@SQLITE
def test_the_court_proceedings_pack_decision_times_out_and_ends_the_claim(w: ElplWorld) -> None:
    """E71 at D13: the claim ends (the CR may issue proceedings with the pack as sent)."""
    claim = offered(w, "CPP-D13")
    w.quick(CR, "setStage2SPFAgreementDecision", claim, COUNTER_NEEDED, isAgreed=False)
    w.quick(
        CR, "setStage2SPFCounterOfferNeeded", claim, CPP_FORM, isStage2SPFCounterOfferNeeded=False
    )
    w.go(CR, "addCPPFRequest", claim, CPP_DECISION, "E69", CPPFRequestXML=cpp_request())
    _deadline(w, claim, "D13")
    _past(w, claim)
    probe = _ack(COMP, "addCPPFResponse", CPPFResponseXML=cpp_response())
    w.sweep(Due(claim, "CourtProceedingsPackDecisionTimeoutEnd", "E71", probe))
    w.ended(claim)
