"""Every built workflow operation's refusals, in process (``tests.harness``): a stale GUID, a phase
that does not allow it, a claim the caller may not see, a profile or side that may not call it,
a claim locked by another user of the caller's side. Each refusal changes nothing: the claim's
phase and GUID stay as they were. Milliseconds a case; the wire has its own end-to-end tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.domain.lifecycle import LIFECYCLES, PHASE_INDEPENDENT
from gateway.domain.services import Service, Side
from gateway.service import messages as m
from gateway.service.handlers import built_for, operations
from tests.e2e import claims as packs
from tests.e2e.claims import cnf, insurer_response
from tests.harness import Claimed, Harness


@dataclass(frozen=True)
class Op:
    """A workflow operation as the tests call it: who acts, and its fields besides claimData."""

    name: str
    side: Side
    #: The fields besides claimData, for the acting user.
    fields: Callable[[str], dict[str, Any]] = lambda user: {}


def _user(side: Side) -> str:
    return "cr-rta-ch" if side is Side.CR else "comp-rta-ch"


def _colleague(side: Side) -> str:
    return "cr-rta-tl" if side is Side.CR else "comp-rta-tl"


ACKNOWLEDGEMENTS = (
    "acknowledgeRejectedClaim",
    "exitRejectedClaim",
    "acknowledgeLiabilityAdmitted",
    "acknowledgeLiabilityAdmittedForChild",
    "acknowledgeLiabilityAdmittedWithNeg",
    "acknowledgeDeniedLiability",
    "acknowledgeLiabilityDecisionTimeout",
    "acknowledgeFraudStated",
)

STAGE2_ACKNOWLEDGEMENTS = (
    "returnToStartOfStage21",
    "acknowledgeRejectedInterimSettlementPack",
    "acknowledgeInterimPaymentDecisionTimeout",
    "acknowledgeStage2SPFNotAgreed",
    "acknowledgeStage2SPFRepudiation",
    "acknowledgeStage2SPFDecisionTimeout",
    "acknowledgeStage2SPFConfirmation",
    "acknowledgeAdditionalDamagesAgreement",
    "acknowledgeAdditionalDamagesDecisionTimeout",
    "acknowledgeCPPFResponse",
)
_EXTENSION = {"new_time_out": datetime(2030, 1, 7, tzinfo=UTC), "reason_for_extension": "1"}
STAGE2_STEPS = (
    Op("setInterimPaymentNeeded", Side.CR, lambda user: {"is_interim_payment_needed": True}),
    Op("addInterimSPFRequest", Side.CR, lambda user: {"ispf_request_xml": packs.isp_request()}),
    Op(
        "addInterimSPFResponse",
        Side.COMP,
        lambda user: {"ispf_response_xml": packs.isp_response(full=True)},
    ),
    Op("rejectInterimSettlementPack", Side.COMP, lambda user: {"rejection_comment": "no"}),
    Op("extendInterimPaymentDecisionTimeout", Side.COMP),
    Op(
        "acceptPartialInterimPayment",
        Side.CR,
        lambda user: {"is_partial_interim_payment_accepted": True},
    ),
    Op("acknowledgePartialPaymentDecision", Side.COMP),
    Op("setStage21Payment", Side.CR, lambda user: {"is_stage21_paid": True}),
    Op("addStage2SPFRequest", Side.CR, lambda user: {"s2spf_request_xml": packs.s2sp_request()}),
    Op(
        "addStage2SPFResponse",
        Side.COMP,
        lambda user: {"s2spf_response_xml": packs.s2sp_response("CO")},
    ),
    Op("setStage2SPFAgreementDecision", Side.CR, lambda user: {"is_agreed": True}),
    Op(
        "setStage2SPFCounterOfferNeeded",
        Side.CR,
        lambda user: {"is_stage2spf_counter_offer_needed": True},
    ),
    Op(
        "addStage2SPFCounterOfferByCR",
        Side.CR,
        lambda user: {"s2spf_counter_offer_by_crxml": packs.counter_offer_cr()},
    ),
    Op(
        "addStage2SPFCounterOfferByCM",
        Side.COMP,
        lambda user: {"s2spf_counter_offer_by_cmxml": packs.counter_offer_cm("ACO")},
    ),
    Op("extendStage2SPFDecisionTimeout", Side.COMP, lambda user: dict(_EXTENSION)),
    Op("extendStage2SPFCounterOfferTimeout", Side.CR, lambda user: dict(_EXTENSION)),
    Op("acknowledgeStage2SPFAgreed", Side.COMP),
    Op("setAdditionalDamagesExistence", Side.CR, lambda user: {"additional_damages_exist": True}),
    Op(
        "addS2SPFAdditionalDamagesRequest",
        Side.CR,
        lambda user: {"additional_damages_request_xml": packs.ad_request()},
    ),
    Op(
        "addS2SPFAdditionalDamagesResponse",
        Side.COMP,
        lambda user: {"additional_damages_response_xml": packs.ad_response("A")},
    ),
    Op("setS2SPFAdditionalDamagesDecision", Side.CR, lambda user: {"is_agreed": True}),
    Op("acknowledgeAllDamagesAgreed", Side.COMP),
    Op(
        "extendAdditionalDamagesDecisionTimeout",
        Side.COMP,
        lambda user: {
            "new_time_out_date": datetime(2030, 1, 7, tzinfo=UTC),
            "reason_for_extension": "1",
        },
    ),
    Op("addCPPFRequest", Side.CR, lambda user: {"cppf_request_xml": packs.cpp_request()}),
    Op("addCPPFResponse", Side.COMP, lambda user: {"cppf_response_xml": packs.cpp_response()}),
)

#: Every built operation that names its claim by ``claimData`` (a GUID-checked step).
STEPS = (
    Op("acceptClaim", Side.COMP, lambda user: {"insurer_claim_reference_number": "INS-1"}),
    Op("rejectClaimToCR", Side.COMP, lambda user: {"rejection_reason_code": "1"}),
    Op("applyArticle75", Side.COMP, lambda user: {"is_article75": True}),
    Op(
        "sendLiabilityDecision",
        Side.COMP,
        lambda user: {"insurer_response_xml": insurer_response()},
    ),
    Op("stateFraud", Side.COMP, lambda user: {"reason_code": "0", "reason_description": "staged"}),
    Op("reassignToAnotherCM", Side.COMP, lambda user: {"organisation_path": "/COMP002"}),
    Op("resendRejectedClaim", Side.CR, lambda user: {"claim_xml": cnf("RESENT-1")}),
    Op("setStage1Payment", Side.CR, lambda user: {"is_stage1_paid": True}),
    Op("exitProcess", Side.CR, lambda user: {"exit_reason_code": "10", "exit_comment": "settled"}),
    Op("acknowledgeExitProcess", Side.COMP),
    *(Op(name, Side.CR) for name in ACKNOWLEDGEMENTS),
    *(Op(name, Side.CR) for name in STAGE2_ACKNOWLEDGEMENTS),
    *STAGE2_STEPS,
    Op("lockClaim", Side.CR),
    Op("allocateUser", Side.CR, lambda user: {"target_user_id": user}),
    Op("deallocateUser", Side.CR),
    Op("allocateClaimToBranch", Side.COMP, lambda user: {"branch_id": "002"}),
)
SIDE_ONLY = {name for name, spec in operations().items() if spec.side is not None}
ids = [op.name for op in STEPS]


def _request(op: Op, claim: Claimed | m.ClaimData, user: str) -> Any:
    data = claim.data if isinstance(claim, Claimed) else claim
    return m.OPERATIONS[op.name][0](claim_data=data, **op.fields(user))


def _status(harness: Harness, claim: Claimed) -> tuple[str, str]:
    info = harness.ok(
        "getClaimsStatus", m.GetClaimsStatus(application_id=claim.application_id), as_="cr-rta-ch"
    ).claim_info
    return info.phase_cache_id, info.activity_engine_guid


def _unchanged(harness: Harness, claim: Claimed) -> None:
    assert _status(harness, claim) == (claim.phase, claim.guid)


def test_every_built_claim_data_operation_is_covered() -> None:
    built = {
        name
        for name, (request, _) in m.OPERATIONS.items()
        if name in built_for(Service.RTA) and "claim_data" in request.__dataclass_fields__
    }
    assert built == set(ids)


@pytest.mark.parametrize("op", STEPS, ids=ids)
def test_a_stale_guid_is_refused_with_where_the_claim_stands(harness: Harness, op: Op) -> None:
    claim = harness.submit("STALE-1")
    stale = m.ClaimData(application_id=claim.application_id, activity_engine_guid="0" * 36)
    refusal = harness.refused(op.name, _request(op, stale, _user(op.side)), as_=_user(op.side))
    assert refusal.key == "GUID_STALE"
    assert refusal.claim == m.ClaimInfo(
        activity_engine_guid=claim.guid,
        application_id=claim.application_id,
        phase_cache_id="ClaimSubmitted",
        phase_cache_name=refusal.claim.phase_cache_name,  # type: ignore[attr-defined]
    )
    _unchanged(harness, claim)


def _ended(harness: Harness) -> Claimed:
    claim = harness.submit("ENDED-1")
    claim = harness.step("rejectClaimToCR", claim, "comp-rta-ch", rejection_reason_code="1")
    return harness.step("exitRejectedClaim", claim, "cr-rta-ch")


def _claim_where_refused(harness: Harness, op: Op) -> Claimed:
    """A claim in a phase that does not allow ``op`` for its side (by the lifecycle table):
    just submitted, accepted, or ended (phase-independent operations refuse only end phases)."""
    lifecycle = LIFECYCLES[Service.RTA]
    if op.name not in PHASE_INDEPENDENT:
        submitted = harness.submit("PHASE-1")
        if not lifecycle.allows(submitted.phase, op.name, op.side):
            return submitted
        accepted = harness.step(
            "acceptClaim", submitted, "comp-rta-ch", insurer_claim_reference_number="INS-2"
        )
        if not lifecycle.allows(accepted.phase, op.name, op.side):
            return accepted
    ended = _ended(harness)
    assert lifecycle.phase(ended.phase).end
    return ended


@pytest.mark.parametrize("op", STEPS, ids=ids)
def test_a_phase_that_does_not_allow_the_operation_refuses_it(harness: Harness, op: Op) -> None:
    claim = _claim_where_refused(harness, op)
    refusal = harness.refused(op.name, _request(op, claim, _user(op.side)), as_=_user(op.side))
    assert refusal.key == "PHASE_NOT_ALLOWED"
    assert refusal.claim is not None
    _unchanged(harness, claim)


@pytest.mark.parametrize("op", STEPS, ids=ids)
def test_a_claim_the_caller_may_not_see_is_not_found(harness: Harness, op: Op) -> None:
    claim = harness.submit("UNSEEN-1")
    stranger = "cr2-rta-ch" if op.side is Side.CR else "mib-rta-ch"
    refusal = harness.refused(op.name, _request(op, claim, stranger), as_=stranger)
    assert refusal.key == "CLAIM_NOT_FOUND"
    assert refusal.claim is None  # nothing about a claim the caller may not see
    _unchanged(harness, claim)


@pytest.mark.parametrize("op", STEPS, ids=ids)
def test_a_profile_without_claims_access_is_refused(harness: Harness, op: Op) -> None:
    claim = harness.submit("PROFILE-1")
    admin = "cr-admin" if op.side is Side.CR else "comp-admin"
    refusal = harness.refused(op.name, _request(op, claim, admin), as_=admin)
    assert refusal.key == "PROFILE_NOT_ALLOWED"
    _unchanged(harness, claim)


@pytest.mark.parametrize("op", [op for op in STEPS if op.name in SIDE_ONLY], ids=lambda op: op.name)
def test_the_other_side_is_refused(harness: Harness, op: Op) -> None:
    claim = harness.submit("SIDE-1")
    refusal = harness.refused(
        op.name, _request(op, claim, _user(op.side.other)), as_=_user(op.side.other)
    )
    assert refusal.key == "PROFILE_NOT_ALLOWED"
    _unchanged(harness, claim)


@pytest.mark.parametrize("op", STEPS, ids=ids)
def test_a_claim_locked_by_a_colleague_is_refused(harness: Harness, op: Op) -> None:
    claim = harness.submit("LOCKED-1")
    harness.ok("lockClaim", m.LockClaim(claim_data=claim.data), as_=_colleague(op.side))
    refusal = harness.refused(op.name, _request(op, claim, _user(op.side)), as_=_user(op.side))
    assert refusal.key == "CLAIM_LOCKED"
    _unchanged(harness, claim)


@pytest.mark.parametrize("operation", ["getClaimsStatus", "getClaim", "unlockClaim"])
def test_operations_by_application_id_refuse_an_unseen_claim(
    harness: Harness, operation: str
) -> None:
    claim = harness.submit("BYID-1")
    request = m.OPERATIONS[operation][0](application_id=claim.application_id)
    assert harness.refused(operation, request, as_="cr2-rta-ch").key == "CLAIM_NOT_FOUND"
    assert harness.refused(operation, request, as_="cr-admin").key == "PROFILE_NOT_ALLOWED"
    missing = m.OPERATIONS[operation][0]()
    assert harness.refused(operation, missing, as_="cr-rta-ch").details == (
        "INPUT_MISSING: application_id"
    )


def test_a_refusal_is_journaled_and_a_step_moves_the_claim(harness: Harness) -> None:
    claim = harness.submit("JOURNAL-1")
    accepted = harness.step(
        "acceptClaim", claim, "comp-rta-ch", insurer_claim_reference_number="INS-3"
    )
    assert accepted.guid != claim.guid and accepted.phase != claim.phase
    stale = harness.refused(
        "acceptClaim",
        m.AcceptClaim(claim_data=claim.data, insurer_claim_reference_number="INS-3"),
        as_="comp-rta-ch",
    )
    assert stale.key == "GUID_STALE"
    with harness.components.database.unit_of_work() as uow:
        entries = uow.journal.search(application_id=claim.application_id)
        outcomes = [(e.operation, e.outcome, e.error_key) for e in entries]
    assert ("acceptClaim", "Failure", "GUID_STALE") in outcomes
    assert ("acceptClaim", "Ok", None) in outcomes
