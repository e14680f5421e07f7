"""Stage 2.1, Stage 2 and Stage 3 workflow operations: interim payments, the Stage 2 settlement
pack and its counter offers, additional damages (RTA) and the court proceedings pack.

Every handler is the one workflow path (``workflow.begin`` -> the lifecycle table -> ``enter``)
plus what is specific to it: a pack judged by the claim's own release and recorded as sent, a
decision the table selects its row by, or an agreed extension. Deadlines follow the
phase-deadline table (``gateway.domain.phase_deadlines``): the handlers only record the events it
counts from (the ISP and S2SP sent dates, the partial acceptance, the date an extension enters).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from gateway.domain.deadlines import INTERIM_THRESHOLD, agreed_extension, london_date
from gateway.domain.lifecycle import Transition
from gateway.domain.phase_deadlines import Start
from gateway.domain.services import Service, Side
from gateway.errors import BusinessRuleViolation, InputInvalid, Violation
from gateway.service import messages as m
from gateway.service.claims import packs
from gateway.service.claims import workflow as wf
from gateway.service.gateway import Call, OperationSpec, required, required_flag
from gateway.service.handlers.stage1 import RTA_ONLY, acknowledge
from gateway.store.models import Claim
from gateway.validation.engine import ValidatedPack
from gateway.validation.packs import Pack

#: C23 ReasonForExtension: 1 agreed by the parties; 2 is the system's own.
EXTENSION_AGREED = "1"
EXTENSION_SYSTEM = "2"


# ------------------------------------------------------------------------------- shared steps
def _pack(
    call: Call[Any],
    claim: Claim,
    pack: Pack,
    text: str | None,
    field: str,
    *,
    answers: Pack | tuple[Pack, ...] | None = None,
) -> ValidatedPack:
    """The embedded pack of a step, judged by the claim's release; ``answers`` names the
    request (or requests: the latest counts) a response answers, for the rules that need it."""
    wf.require_allowed(call, claim)  # phase and side first, the pack after (operations.md 5)
    sent = required(text, field)
    loss_types = None
    if answers is not None:
        kinds = answers if isinstance(answers, tuple) else (answers,)
        found = packs.latest(call, claim, *kinds)
        loss_types = packs.loss_types(*found) if found else None
    ctx = packs.rule_context(
        call,
        claim,
        request_loss_types=loss_types,
        requested_value=claim.interim_value if pack is Pack.ISP_RESPONSE else None,
        request_disbursement_ids=_requested_disbursements(call, claim, pack),
    )
    _text, validated = packs.judge(call, claim.release, pack, sent, claim, ctx)
    return validated


def _requested_disbursements(call: Call[Any], claim: Claim, pack: Pack) -> frozenset[int] | None:
    if pack is not Pack.CPP_RESPONSE:
        return None
    found = packs.latest(call, claim, Pack.CPP_REQUEST)
    return packs.disbursement_ids(found[1]) if found else None


def _enter(
    call: Call[Any],
    claim: Claim,
    transition: Transition,
    message: str,
    dates: dict[Start, date] | None = None,
) -> m.ClaimInfoResponse:
    wf.enter(call, claim, transition, call.env.calendar(call.uow), dates=dates)
    return packs.answer(claim, message)


def _store(call: Call[Any], claim: Claim, validated: ValidatedPack, text: str | None) -> None:
    packs.store(call, claim, validated.pack, text or "")


def _decision(validated: ValidatedPack) -> str:
    return (validated.facts.decision or "").strip()


# ----------------------------------------------------------------------------- Stage 2.1
def set_interim_payment_needed(call: Call[m.SetInterimPaymentNeeded]) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    needed = required_flag(call.request.is_interim_payment_needed, "is_interim_payment_needed")
    transition = wf.resolve(call, claim, {"isInterimPaymentNeeded": needed})
    return _enter(call, claim, transition, "Interim payment decision recorded")


def add_interim_spf_request(call: Call[m.AddInterimSPFRequest]) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    text = call.request.ispf_request_xml
    validated = _pack(call, claim, Pack.ISP_REQUEST, text, "ispf_request_xml")
    transition = wf.resolve(call, claim)
    _store(call, claim, validated, text)
    claim.interim_value = validated.facts.requested_value
    claim.isp_sent_date = wf.today(call)
    claim.interim_extended = False
    claim.interim_response_date = claim.interim_offered = None
    claim.partial_payment_accepted = claim.partial_decision_date = None
    return _enter(call, claim, transition, "Interim settlement pack sent")


def add_interim_spf_response(call: Call[m.AddInterimSPFResponse]) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    text = call.request.ispf_response_xml
    validated = _pack(
        call, claim, Pack.ISP_RESPONSE, text, "ispf_response_xml", answers=Pack.ISP_REQUEST
    )
    full = bool(validated.facts.interim_full)
    transition = wf.resolve(call, claim, {"offer_full": full})
    _store(call, claim, validated, text)
    claim.interim_response_date = wf.today(call)
    claim.interim_offered = validated.facts.offered_value
    return _enter(call, claim, transition, f"Interim offer sent ({'full' if full else 'partial'})")


def reject_interim_settlement_pack(
    call: Call[m.RejectInterimSettlementPack],
) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    comment = required(call.request.rejection_comment, "rejection_comment").strip()
    if not comment:
        raise InputInvalid("rejection_comment: must not be blank", field="rejection_comment")
    transition = wf.resolve(call, claim)
    claim.interim_rejection_comment = comment
    return _enter(call, claim, transition, "Interim settlement pack rejected")


def extend_interim_payment_decision_timeout(
    call: Call[m.ExtendInterimPaymentDecisionTimeout],
) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    transition = wf.resolve(call, claim)
    requested = claim.interim_value or Decimal(0)
    if requested <= INTERIM_THRESHOLD or claim.interim_extended:
        why = (
            "this interim request has already been extended once"
            if claim.interim_extended
            else f"only a request over {INTERIM_THRESHOLD:,} can be extended "
            f"(this one asks for {requested:,.2f})"
        )
        raise BusinessRuleViolation([Violation("claimData", why, rule="ISP-07")])
    claim.interim_extended = True
    return _enter(call, claim, transition, "Interim payment decision period extended")


def accept_partial_interim_payment(
    call: Call[m.AcceptPartialInterimPayment],
) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    field = "is_partial_interim_payment_accepted"
    accepted = required_flag(call.request.is_partial_interim_payment_accepted, field)
    transition = wf.resolve(call, claim)
    claim.partial_payment_accepted = accepted
    claim.partial_decision_date = wf.today(call)
    return _enter(call, claim, transition, "Partial interim payment decision recorded")


def acknowledge_partial_payment_decision(
    call: Call[m.AcknowledgePartialPaymentDecision],
) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    accepted = bool(claim.partial_payment_accepted)
    transition = wf.resolve(call, claim, {"partial_accepted": accepted})
    return _enter(call, claim, transition, "Acknowledged")


def set_stage21_payment(call: Call[m.SetStage21Payment]) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    paid = required_flag(call.request.is_stage21_paid, "is_stage21_paid")
    transition = wf.resolve(call, claim)
    claim.stage21_paid = paid
    return _enter(call, claim, transition, "Stage 2.1 payment recorded")


# ------------------------------------------------------------------------------- Stage 2
def add_stage2_spf_request(call: Call[m.AddStage2SPFRequest]) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    text = call.request.s2spf_request_xml
    validated = _pack(call, claim, Pack.S2SP_REQUEST, text, "s2spf_request_xml")
    transition = wf.resolve(call, claim)
    _store(call, claim, validated, text)
    claim.s2sp_sent_date = wf.today(call)
    claim.offer_late = claim.settlement_decision = None
    claim.child_at_stage2_request = packs.is_child(claim, wf.today(call))
    return _enter(call, claim, transition, "Stage 2 settlement pack sent")


def add_stage2_spf_response(call: Call[m.AddStage2SPFResponse]) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    text = call.request.s2spf_response_xml
    validated = _pack(
        call, claim, Pack.S2SP_RESPONSE, text, "s2spf_response_xml", answers=Pack.S2SP_REQUEST
    )
    decision = _decision(validated)
    transition = wf.resolve(call, claim, {"SettlementPackDecision": decision})
    _store(call, claim, validated, text)
    claim.settlement_decision = decision
    return _enter(call, claim, transition, f"Settlement pack decision {decision} sent")


def add_stage2_spf_counter_offer_by_cr(
    call: Call[m.AddStage2SPFCounterOfferByCR],
) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    text = call.request.s2spf_counter_offer_by_crxml
    validated = _pack(call, claim, Pack.S2SP_COUNTER_OFFER_CR, text, "s2spf_counter_offer_by_crxml")
    transition = wf.resolve(call, claim)
    _store(call, claim, validated, text)
    return _enter(call, claim, transition, "Counter offer sent")


def add_stage2_spf_counter_offer_by_cm(
    call: Call[m.AddStage2SPFCounterOfferByCM],
) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    text = call.request.s2spf_counter_offer_by_cmxml
    validated = _pack(
        call,
        claim,
        Pack.S2SP_COUNTER_OFFER_CM,
        text,
        "s2spf_counter_offer_by_cmxml",
        answers=Pack.S2SP_COUNTER_OFFER_CR,
    )
    decision = _decision(validated)
    facts = {"SettlementPackCounterOfferDecision": decision, "offer_late": bool(claim.offer_late)}
    transition = wf.resolve(call, claim, facts)
    _store(call, claim, validated, text)
    claim.settlement_decision = decision
    return _enter(call, claim, transition, f"Counter offer decision {decision} sent")


def set_stage2_spf_agreement_decision(
    call: Call[m.SetStage2SPFAgreementDecision],
) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    agreed = required_flag(call.request.is_agreed, "is_agreed")
    facts = {"isAgreed": agreed, "offer_late": bool(claim.offer_late)}
    transition = wf.resolve(call, claim, facts)
    if agreed:
        claim.child_at_stage2_agreement = packs.is_child(claim, wf.today(call))
    return _enter(call, claim, transition, "Agreement decision recorded")


def set_stage2_spf_counter_offer_needed(
    call: Call[m.SetStage2SPFCounterOfferNeeded],
) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    field = "is_stage2spf_counter_offer_needed"
    needed = required_flag(call.request.is_stage2spf_counter_offer_needed, field)
    transition = wf.resolve(call, claim, {"isStage2SPFCounterOfferNeeded": needed})
    return _enter(call, claim, transition, "Counter offer decision recorded")


# -------------------------------------------------------------------- agreed extensions (D11)
def _new_deadline(value: datetime | None, field: str) -> date:
    entered = required(value, field)
    return london_date(entered) if entered.tzinfo is not None else entered.date()


def _extend(
    call: Call[Any],
    data: m.ClaimData | None,
    when: datetime | None,
    reason: str | None,
    names: tuple[str, str],
) -> m.ClaimInfoResponse:
    """An agreed extension: the date entered becomes the deadline (lifecycle.md 5.4)."""
    date_field, reason_field = names
    claim = wf.begin(call, data)
    new = _new_deadline(when, date_field)
    given = required(reason, reason_field).strip()
    transition = wf.resolve(call, claim)
    problems = []
    if given == EXTENSION_SYSTEM:
        problems.append(
            Violation(reason_field, "reason 2 (C23) is reserved to the system", rule="EXT-02")
        )
    current = claim.deadline_date
    try:
        if current is None:
            raise ValueError("no deadline is running")
        agreed_extension(call.env.calendar(call.uow), current, new)
    except ValueError as exc:
        problems.append(Violation(date_field, str(exc), rule="EXT-01"))
    if problems:
        raise BusinessRuleViolation(problems)
    claim.extension_date, claim.extension_reason = new, EXTENSION_AGREED
    if given != EXTENSION_AGREED:  # accepted for compatibility, stored as 1 (operations.md 4.5)
        call.facts.note = f"reasonForExtension given as {given[:200]!r}, stored as 1"
    return _enter(
        call,
        claim,
        transition,
        f"Deadline extended to {new.isoformat()}",
        dates={Start.DATE_ENTERED: new},
    )


def extend_stage2_timeout(
    call: Call[m.ExtendStage2SPFDecisionTimeout | m.ExtendStage2SPFCounterOfferTimeout],
) -> m.ClaimInfoResponse:
    """The S2SP decision (D8) or the counter-offer period (D9/D10) extended by agreement."""
    r = call.request
    names = ("new_time_out", "reason_for_extension")
    return _extend(call, r.claim_data, r.new_time_out, r.reason_for_extension, names)


def extend_additional_damages_decision_timeout(
    call: Call[m.ExtendAdditionalDamagesDecisionTimeout],
) -> m.ClaimInfoResponse:
    r = call.request
    names = ("new_time_out_date", "reason_for_extension")
    return _extend(call, r.claim_data, r.new_time_out_date, r.reason_for_extension, names)


# ------------------------------------------------------------- acknowledgements with a child
ChildAcknowledgement = (
    m.AcknowledgeStage2SPFConfirmation
    | m.AcknowledgeStage2SPFAgreed
    | m.AcknowledgeAdditionalDamagesAgreement
    | m.AcknowledgeAllDamagesAgreed
)


def acknowledge_agreement(call: Call[ChildAcknowledgement]) -> m.ClaimInfoResponse:
    """An acknowledged agreement ends an adult's claim; a child's goes on to court approval
    (lifecycle.md 1: the child rule, evaluated now)."""
    claim = wf.begin(call, call.request.claim_data)
    child = packs.is_child(claim, wf.today(call))
    transition = wf.resolve(call, claim, {"child": child})
    if call.operation in ("acknowledgeAdditionalDamagesAgreement", "acknowledgeAllDamagesAgreed"):
        claim.child_at_stage2_agreement_ad = child
    else:
        claim.child_at_stage2_agreement = child
    return _enter(call, claim, transition, "Acknowledged")


# --------------------------------------------------------------- additional damages (RTA)
def set_additional_damages_existence(
    call: Call[m.SetAdditionalDamagesExistence],
) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    exist = required_flag(call.request.additional_damages_exist, "additional_damages_exist")
    transition = wf.resolve(call, claim, {"additionalDamagesExist": exist})
    claim.additional_damages = exist
    return _enter(call, claim, transition, "Additional damages decision recorded")


def add_additional_damages_request(
    call: Call[m.AddS2SPFAdditionalDamagesRequest],
) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    text = call.request.additional_damages_request_xml
    validated = _pack(call, claim, Pack.AD_REQUEST, text, "additional_damages_request_xml")
    transition = wf.resolve(call, claim)
    _store(call, claim, validated, text)
    claim.ad_sent_date = wf.today(call)
    return _enter(call, claim, transition, "Additional damages request sent")


def add_additional_damages_response(
    call: Call[m.AddS2SPFAdditionalDamagesResponse],
) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    text = call.request.additional_damages_response_xml
    validated = _pack(
        call,
        claim,
        Pack.AD_RESPONSE,
        text,
        "additional_damages_response_xml",
        answers=Pack.AD_REQUEST,
    )
    decision = _decision(validated)
    transition = wf.resolve(call, claim, {"AdditionalDamagesDecision": decision})
    _store(call, claim, validated, text)
    return _enter(call, claim, transition, f"Additional damages decision {decision} sent")


def set_additional_damages_decision(
    call: Call[m.SetS2SPFAdditionalDamagesDecision],
) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    agreed = required_flag(call.request.is_agreed, "is_agreed")
    transition = wf.resolve(call, claim, {"isAgreed": agreed})
    return _enter(call, claim, transition, "Additional damages agreement decision recorded")


# ------------------------------------------------------------------------------- Stage 3
def add_cppf_request(call: Call[m.AddCPPFRequest]) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    text = call.request.cppf_request_xml
    validated = _pack(call, claim, Pack.CPP_REQUEST, text, "cppf_request_xml")
    transition = wf.resolve(call, claim)
    _store(call, claim, validated, text)
    claim.cpp_sent_date = wf.today(call)
    return _enter(call, claim, transition, "Court proceedings pack sent")


def add_cppf_response(call: Call[m.AddCPPFResponse]) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    text = call.request.cppf_response_xml
    validated = _pack(call, claim, Pack.CPP_RESPONSE, text, "cppf_response_xml")
    transition = wf.resolve(call, claim)
    _store(call, claim, validated, text)
    return _enter(call, claim, transition, "Court proceedings pack response sent")


#: Steps that name the claim and nothing else: the table decides the target.
_ACKNOWLEDGEMENTS = {
    "returnToStartOfStage21": Side.CR,
    "acknowledgeRejectedInterimSettlementPack": Side.CR,
    "acknowledgeInterimPaymentDecisionTimeout": Side.CR,
    "acknowledgeStage2SPFNotAgreed": Side.CR,
    "acknowledgeStage2SPFRepudiation": Side.CR,
    "acknowledgeStage2SPFDecisionTimeout": Side.CR,
    "acknowledgeAdditionalDamagesDecisionTimeout": Side.CR,
    "acknowledgeCPPFResponse": Side.CR,
}
_RTA_ACKNOWLEDGEMENTS = {"acknowledgeAdditionalDamagesDecisionTimeout"}

OPERATIONS = {
    "setInterimPaymentNeeded": OperationSpec(set_interim_payment_needed, side=Side.CR),
    "addInterimSPFRequest": OperationSpec(add_interim_spf_request, side=Side.CR),
    "addInterimSPFResponse": OperationSpec(add_interim_spf_response, side=Side.COMP),
    "rejectInterimSettlementPack": OperationSpec(reject_interim_settlement_pack, side=Side.COMP),
    "extendInterimPaymentDecisionTimeout": OperationSpec(
        extend_interim_payment_decision_timeout, side=Side.COMP
    ),
    "acceptPartialInterimPayment": OperationSpec(accept_partial_interim_payment, side=Side.CR),
    "acknowledgePartialPaymentDecision": OperationSpec(
        acknowledge_partial_payment_decision, side=Side.COMP
    ),
    "setStage21Payment": OperationSpec(set_stage21_payment, side=Side.CR),
    "addStage2SPFRequest": OperationSpec(add_stage2_spf_request, side=Side.CR),
    "addStage2SPFResponse": OperationSpec(add_stage2_spf_response, side=Side.COMP),
    "addStage2SPFCounterOfferByCR": OperationSpec(add_stage2_spf_counter_offer_by_cr, side=Side.CR),
    "addStage2SPFCounterOfferByCM": OperationSpec(
        add_stage2_spf_counter_offer_by_cm, side=Side.COMP
    ),
    "setStage2SPFAgreementDecision": OperationSpec(set_stage2_spf_agreement_decision, side=Side.CR),
    "setStage2SPFCounterOfferNeeded": OperationSpec(
        set_stage2_spf_counter_offer_needed, side=Side.CR
    ),
    "extendStage2SPFDecisionTimeout": OperationSpec(extend_stage2_timeout, side=Side.COMP),
    "extendStage2SPFCounterOfferTimeout": OperationSpec(extend_stage2_timeout),
    "extendAdditionalDamagesDecisionTimeout": OperationSpec(
        extend_additional_damages_decision_timeout, side=Side.COMP, services=RTA_ONLY
    ),
    "acknowledgeStage2SPFConfirmation": OperationSpec(acknowledge_agreement, side=Side.CR),
    "acknowledgeStage2SPFAgreed": OperationSpec(acknowledge_agreement, side=Side.COMP),
    "acknowledgeAdditionalDamagesAgreement": OperationSpec(
        acknowledge_agreement, side=Side.CR, services=RTA_ONLY
    ),
    "acknowledgeAllDamagesAgreed": OperationSpec(
        acknowledge_agreement, side=Side.COMP, services=RTA_ONLY
    ),
    "setAdditionalDamagesExistence": OperationSpec(
        set_additional_damages_existence, side=Side.CR, services=RTA_ONLY
    ),
    "addS2SPFAdditionalDamagesRequest": OperationSpec(
        add_additional_damages_request, side=Side.CR, services=RTA_ONLY
    ),
    "addS2SPFAdditionalDamagesResponse": OperationSpec(
        add_additional_damages_response, side=Side.COMP, services=RTA_ONLY
    ),
    "setS2SPFAdditionalDamagesDecision": OperationSpec(
        set_additional_damages_decision, side=Side.CR, services=RTA_ONLY
    ),
    "addCPPFRequest": OperationSpec(add_cppf_request, side=Side.CR),
    "addCPPFResponse": OperationSpec(add_cppf_response, side=Side.COMP),
    **{
        name: OperationSpec(
            acknowledge,
            side=side,
            services=RTA_ONLY if name in _RTA_ACKNOWLEDGEMENTS else frozenset(Service),
        )
        for name, side in _ACKNOWLEDGEMENTS.items()
    },
}
