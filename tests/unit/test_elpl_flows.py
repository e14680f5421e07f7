"""EL/PL claims in process (``tests.harness``): the acknowledgement and the liability deadline it
sets (D1, D2 of 30 or 40 BD), acceptance, the shared Stage 2 handlers where EL/PL goes to the
court proceedings pack instead of additional damages, and the registry per service."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from gateway.domain.deadlines import london_midnight
from gateway.domain.lifecycle import LIFECYCLES
from gateway.domain.services import Service
from gateway.service import messages as m
from gateway.service.claims.calendar_store import calendar_from_store
from gateway.service.handlers import built_for
from gateway.store.models import Claim, ClaimTimer
from tests.e2e import claims as packs
from tests.harness import Claimed, Harness

CR, COMP = "cr-elpl-ch", "comp-elpl-ch"
WSDL = Path(__file__).resolve().parents[2] / "wsdl"


@pytest.fixture
def elpl(harness: Harness) -> Harness:
    harness.service = Service.ELPL
    return harness


def _row(h: Harness, claim: Claimed) -> Claim:
    with h.components.database.unit_of_work() as uow:
        row = uow.claims.get(claim.application_id)
        assert row is not None
        uow.session.expunge(row)
        return row


def _timers(h: Harness, claim: Claimed) -> list[tuple[str, str]]:
    with h.components.database.unit_of_work() as uow:
        row = uow.claims.get(claim.application_id)
        assert row is not None
        timers = uow.session.query(ClaimTimer).filter_by(claim_id=row.id, fired_at=None)
        return sorted((t.kind, t.rule) for t in timers)


def _calendar(h: Harness) -> Any:
    with h.components.database.unit_of_work() as uow:
        return calendar_from_store(uow)


def _today(h: Harness) -> date:
    return h.clock.now().astimezone(london_midnight(date.today()).tzinfo).date()


def submit(h: Harness, reference: str, claim_type: str = "EL") -> Claimed:
    text = packs.cnf_elpl(reference, claim_type)
    return h.claimed(h.ok("addClaim", m.AddClaim(claim_xml=text), as_=CR))


def admitted(h: Harness, reference: str, claim_type: str = "EL") -> Claimed:
    claim = h.step("acknowledgeClaim", submit(h, reference, claim_type), COMP)
    claim = h.step("acceptClaim", claim, COMP, insurer_claim_reference_number="INS-1")
    response = packs.insurer_response("A", service="elpl", release="R6")
    return h.step("sendLiabilityDecision", claim, COMP, insurer_response_xml=response)


@pytest.mark.parametrize(("claim_type", "days"), [("EL", 30), ("ELD", 30), ("PL", 40)])
def test_acknowledged_on_time_the_liability_deadline_counts_from_the_acknowledgement(
    elpl: Harness, claim_type: str, days: int
) -> None:
    claim = submit(elpl, f"ACK-{claim_type}", claim_type)
    calendar, today = _calendar(elpl), _today(elpl)
    d1 = calendar.add_business_days(today, 1)
    row = _row(elpl, claim)
    assert (row.deadline_rule, row.deadline_date) == ("D2", calendar.add_business_days(d1, days))
    assert ("LIMIT", "D1") in _timers(elpl, claim)  # D1: "time limit reached" to the compensator
    claim = elpl.step("acknowledgeClaim", claim, COMP)
    row = _row(elpl, claim)
    assert claim.phase == "ClaimAcknowledged" and row.acknowledged_date == today
    assert row.deadline_date == calendar.add_business_days(today, days)
    assert ("LIMIT", "D1") not in _timers(elpl, claim)


def test_acknowledged_late_the_deadline_counts_from_d1(elpl: Harness) -> None:
    claim = submit(elpl, "ACK-LATE")
    calendar = _calendar(elpl)
    d1 = calendar.add_business_days(_today(elpl), 1)
    later = calendar.add_business_days(d1, 2)
    elpl.clock.advance(
        (london_midnight(later) + timedelta(hours=9) - elpl.clock.now()).total_seconds()
    )
    elpl.tokens.clear()
    claim = elpl.step("acknowledgeClaim", claim, COMP)
    assert _row(elpl, claim).deadline_date == calendar.add_business_days(d1, 30)


def test_a_reassigned_claim_is_acknowledged_again_with_its_deadline_unchanged(
    elpl: Harness,
) -> None:
    claim = elpl.step("acknowledgeClaim", submit(elpl, "REASSIGN"), COMP)
    due = _row(elpl, claim).deadline_date
    claim = elpl.step("reassignToAnotherCM", claim, COMP, organisation_path="/COMP003")
    assert claim.phase == "ClaimSubmitted" and _row(elpl, claim).deadline_date == due
    assert ("LIMIT", "D1") in _timers(elpl, claim)  # a new D1 from the reassignment
    claim = elpl.step("acknowledgeClaim", claim, "comp3-elpl-ch")
    row = _row(elpl, claim)
    assert (claim.phase, row.comp_org_id, row.deadline_date) == (
        "ClaimAcknowledged",
        "COMP003",
        due,
    )


def test_admitted_then_interim_then_settled_without_additional_damages(elpl: Harness) -> None:
    claim = elpl.step("acknowledgeLiabilityAdmitted", admitted(elpl, "SETTLE"), CR)
    assert claim.phase == "StartOfStage21"  # no Stage 1 payment in EL/PL
    assert _row(elpl, claim).payment_deadline is None
    claim = elpl.step("setInterimPaymentNeeded", claim, CR, is_interim_payment_needed=True)
    claim = elpl.step(
        "addInterimSPFRequest",
        claim,
        CR,
        ispf_request_xml=packs.isp_request(service="elpl", release="R6"),
    )
    assert claim.phase == "InterimPaymentDecision"
    claim = elpl.step(
        "addInterimSPFResponse",
        claim,
        COMP,
        ispf_response_xml=packs.isp_response(False, service="elpl", release="R6"),
    )
    claim = elpl.step(
        "acceptPartialInterimPayment", claim, CR, is_partial_interim_payment_accepted=False
    )
    claim = elpl.step("acknowledgePartialPaymentDecision", claim, COMP)
    assert claim.phase == "Stage2SettlementPackForm"
    claim = elpl.step(
        "addStage2SPFRequest", claim, CR, s2spf_request_xml=packs.s2sp_request("elpl", "R6")
    )
    claim = elpl.step(
        "addStage2SPFResponse",
        claim,
        COMP,
        s2spf_response_xml=packs.s2sp_response("CO", "elpl", "R6"),
    )
    claim = elpl.step("setStage2SPFAgreementDecision", claim, CR, is_agreed=False)
    claim = elpl.step(
        "setStage2SPFCounterOfferNeeded", claim, CR, is_stage2spf_counter_offer_needed=False
    )
    assert claim.phase == "CourtProceedingsPackForm"  # E53: no additional damages in EL/PL
    claim = elpl.step("addCPPFRequest", claim, CR, cppf_request_xml=packs.cpp_request("elpl", "R6"))
    claim = elpl.step(
        "addCPPFResponse", claim, COMP, cppf_response_xml=packs.cpp_response("elpl", "R6")
    )
    claim = elpl.step("acknowledgeCPPFResponse", claim, CR)
    assert claim.phase == "CourtProceedingsPackEnd"


@pytest.mark.parametrize("service", list(Service))
def test_every_operation_a_service_can_reach_is_built_for_it_and_nothing_else(
    service: Service,
) -> None:
    built = set(built_for(service))
    reachable = LIFECYCLES[service].operations()
    assert reachable <= built, sorted(reachable - built)
    wsdl = "PIPWSTK.wsdl" if service is Service.RTA else "ELPLWSTK.wsdl"
    declared = set(re.findall(r'operation name="(\w+)"', (WSDL / wsdl).read_text("utf-8")))
    assert built <= declared, sorted(built - declared)


def test_an_rta_only_operation_is_not_built_for_elpl(elpl: Harness) -> None:
    claim = elpl.step("acknowledgeClaim", submit(elpl, "RTA-ONLY"), COMP)
    refusal = elpl.refused(
        "setStage1Payment", m.SetStage1Payment(claim_data=claim.data, is_stage1_paid=True), as_=CR
    )
    assert refusal.key == "NOT_IMPLEMENTED"
