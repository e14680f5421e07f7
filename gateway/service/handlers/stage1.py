"""Stage 1 workflow operations (RTA; EL/PL shares most of them): the claim notification form,
acceptance, rejection, Article 75, the liability decision and its acknowledgements, fraud,
Stage 1 payment, exit. Each handler is the workflow path plus what is specific to it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from gateway.domain import notifications as notices
from gateway.domain.codes import REJECTION_REASONS, exit_codes, exit_label, rejection_codes
from gateway.domain.lifecycle import NEW
from gateway.domain.services import Service, Side
from gateway.errors import BusinessRuleViolation, InputInvalid, Violation
from gateway.service import messages as m
from gateway.service.claims import packs
from gateway.service.claims import workflow as wf
from gateway.service.gateway import Call, OperationSpec, required, required_flag
from gateway.service.operator import releases
from gateway.store.models import Claim
from gateway.validation.engine import ValidatedPack
from gateway.validation.packs import Pack

REFERENCE = re.compile(r"^[^|¦#$,£~^`\[\]{}_€¬][A-Za-z0-9 \\/.\-]{0,48}[A-Za-z0-9]?$")


def _validate(
    call: Call[Any], release: str, pack: Pack, text: str, claim: Claim | None = None
) -> tuple[str, ValidatedPack]:
    return packs.judge(call, release, pack, text, claim)


def _hold_reference(
    call: Call[Any],
    validated: ValidatedPack,
    revalidate: Callable[[], Any],
    claim: Claim | None = None,
) -> None:
    """Make the CNF's reference this request's until it commits. The reference rule judged it
    free while holding it (PostgreSQL, or a SQLite request already writing): nothing to do.
    Otherwise (SQLite, judged in the read snapshot) another writer may have taken it since: it
    is held now and checked again, and if taken the CNF is judged again, so that the rule refuses
    it with its element and line."""
    reference = validated.facts.cr_reference_number
    claims, service, org = call.uow.claims, call.service.value, call.who.organisation_id
    if not reference or claims.holds_reference(service, org, reference):
        return
    claims.hold_reference(service, org, reference)
    if claims.reference_in_use(service, org, reference, claim.id if claim else None):
        revalidate()


def _apply_cnf(call: Call[Any], claim: Claim, validated: ValidatedPack, sent: date) -> None:
    """What a (re)sent CNF decides: compensator, references, child flag, the sent date (the
    phase-deadline table counts the liability deadline from it)."""
    f = validated.facts
    path = (f.insurer_organization_path or "").strip().strip("/")
    claim.comp_org_id = path.split("/")[0]
    claim.comp_branch_id = "001"  # every CNF arrives at the Central Point
    claim.insurer_type = f.insurer_type or "I"
    claim.cr_reference = f.cr_reference_number or ""
    claim.cr_reference_key = claim.cr_reference.lower()
    claim.child_claim = bool(f.child_claim)
    claim.claimant_birth_date = f.claimant_birth_date
    claim.accident_date = f.accident_date
    claim.claim_type = f.claim_type
    claim.sent_date = sent
    claim.dispatched_at = call.now
    claim.acknowledged_date = None  # a (re)sent CNF is acknowledged afresh (EL/PL)


def _judge_cnf(call: Call[m.AddClaim]) -> tuple[str, ValidatedPack]:
    """addClaim's pack, judged against the current release before the request starts writing."""
    name = releases.open_current_release(call.uow, call.settings, call.service)
    release = call.env.registry.release(call.service, name)
    return _validate(call, release.name, Pack.CNF, required(call.request.claim_xml, "claim_xml"))


def add_claim(call: Call[m.AddClaim]) -> m.ClaimInfoResponse:
    text, validated = call.prepared
    _hold_reference(call, validated, lambda: _judge_cnf(call))
    release = validated.release
    releases.require_open(call.uow, call.settings, call.service, release.name)  # closed since?
    transition = wf.lifecycle(call.service).resolve(NEW, call.operation, Side.CR, {})
    sent = wf.today(call)
    claim = Claim(
        service=call.service.value,
        release=release.name,
        version_major=release.version_major,
        version_minor=release.version_minor,
        phase=transition.target,
        guid=wf.new_guid(),
        cr_org_id=call.who.organisation_id,
        created_at=call.now,
        updated_at=call.now,
        ended=False,
        gdpr_deleted=False,
    )
    _apply_cnf(call, claim, validated, sent)
    calendar = call.env.calendar(call.uow)
    call.uow.claims.add(claim)
    packs.store(call, claim, Pack.CNF, text, first=True)
    wf.apply_decision(call, claim, wf.entry_decision(claim, calendar, NEW), calendar, new=True)
    call.facts.application_id = claim.application_id
    call.facts.phase_after, call.facts.guid_after = claim.phase, claim.guid
    call.facts.transition = transition.rule
    wf.notify(
        call,
        claim,
        Side.COMP,
        notices.claim_received(claim.application_id, call.who.organisation_name).text,
    )
    return packs.answer(claim, "Claim submitted")


def resend_rejected_claim(call: Call[m.ResendRejectedClaim]) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    transition = wf.resolve(call, claim)
    sent = required(call.request.claim_xml, "claim_xml")
    text, validated = _validate(call, claim.release, Pack.CNF_RESEND, sent, claim)
    _hold_reference(
        call,
        validated,
        lambda: _validate(call, claim.release, Pack.CNF_RESEND, sent, claim),
        claim,
    )
    _apply_cnf(call, claim, validated, wf.today(call))
    calendar = call.env.calendar(call.uow)
    packs.store(call, claim, Pack.CNF_RESEND, text)
    wf.enter(
        call,
        claim,
        transition,
        calendar,
        notice=(  # the caller is the claim's CR
            Side.COMP,
            notices.claim_received(claim.application_id, call.who.organisation_name).text,
        ),
    )
    return packs.answer(claim, "Claim resent")


def acknowledge_claim(call: Call[m.AcknowledgeClaim]) -> m.ClaimInfoResponse:
    """EL/PL: the compensator acknowledges the CNF. The liability decision (D2) counts from the
    first acknowledgement of the CNF as last sent, or from the D1 date when that came late
    (lifecycle.md 5.3); a reassigned claim is acknowledged again, its D2 unchanged."""
    claim = wf.begin(call, call.request.claim_data)
    transition = wf.resolve(call, claim)
    if claim.acknowledged_date is None:
        claim.acknowledged_date = wf.today(call)
    wf.enter(call, claim, transition, call.env.calendar(call.uow))
    return packs.answer(claim, "Claim acknowledged")


def accept_claim(call: Call[m.AcceptClaim]) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    field = "insurer_claim_reference_number"
    reference = required(call.request.insurer_claim_reference_number, field).strip()
    if len(reference) > 50 or not REFERENCE.match(reference):
        raise InputInvalid(f"{field}: not a valid reference (max 50)", field=field)
    transition = wf.resolve(call, claim, {"insurer_type": claim.insurer_type})
    claim.insurer_reference = reference
    claim.accepting_branch_id = call.who.branch_id or claim.comp_branch_id
    wf.enter(
        call,
        claim,
        transition,
        call.env.calendar(call.uow),
        notice=(Side.CR, notices.claim_accepted(claim.application_id).text),
    )
    return packs.answer(claim, "Claim accepted")


def reject_claim_to_cr(call: Call[m.RejectClaimToCR]) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    code = required(call.request.rejection_reason_code, "rejection_reason_code").strip()
    if code not in rejection_codes(call.service):
        raise InputInvalid(
            f"rejection_reason_code '{code[:3]}' is not a valid C30 code",
            field="rejection_reason_code",
        )
    transition = wf.resolve(call, claim)
    claim.rejection_code, claim.rejected_by_org_id = code, claim.comp_org_id
    wf.enter(
        call,
        claim,
        transition,
        call.env.calendar(call.uow),
        notice=(
            Side.CR,
            notices.claim_rejected(claim.application_id, REJECTION_REASONS[code]).text,
        ),
    )
    return packs.answer(claim, "Claim rejected")


def apply_article75(call: Call[m.ApplyArticle75]) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    applied = required_flag(call.request.is_article75, "is_article75")
    transition = wf.resolve(call, claim, {"isArticle75": applied})
    claim.article75 = applied
    wf.enter(call, claim, transition, call.env.calendar(call.uow))
    return packs.answer(claim, "Article 75 decision recorded")


def send_liability_decision(call: Call[m.SendLiabilityDecision]) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    wf.require_allowed(call, claim)  # phase and side first, the pack after
    sent = required(call.request.insurer_response_xml, "insurer_response_xml")
    text, validated = _validate(call, claim.release, Pack.INSURER_RESPONSE, sent, claim)
    decision = validated.facts.liability_decision or ""
    child = packs.is_child(claim, wf.today(call))
    transition = wf.resolve(call, claim, {"LiabilityDecision": decision, "child": child})
    packs.store(call, claim, Pack.INSURER_RESPONSE, text)
    claim.child_at_stage1 = child
    wf.enter(call, claim, transition, call.env.calendar(call.uow))
    return packs.answer(claim, f"Liability decision {decision} sent")


#: The acknowledgements: requests that name the claim and nothing else.
Acknowledgement = (
    m.AcknowledgeRejectedClaim
    | m.ExitRejectedClaim
    | m.AcknowledgeLiabilityAdmitted
    | m.AcknowledgeLiabilityAdmittedForChild
    | m.AcknowledgeLiabilityAdmittedWithNeg
    | m.AcknowledgeDeniedLiability
    | m.AcknowledgeLiabilityDecisionTimeout
    | m.AcknowledgeFraudStated
    | m.AcknowledgeExitProcess
    | m.ReturnToStartOfStage21
    | m.AcknowledgeRejectedInterimSettlementPack
    | m.AcknowledgeInterimPaymentDecisionTimeout
    | m.AcknowledgeStage2SPFNotAgreed
    | m.AcknowledgeStage2SPFRepudiation
    | m.AcknowledgeStage2SPFDecisionTimeout
    | m.AcknowledgeAdditionalDamagesDecisionTimeout
    | m.AcknowledgeCPPFResponse
)


def acknowledge(call: Call[Acknowledgement]) -> m.ClaimInfoResponse:
    """Every acknowledgement: the lifecycle table decides the target; nothing else changes."""
    claim = wf.begin(call, call.request.claim_data)
    transition = wf.resolve(call, claim)
    wf.enter(call, claim, transition, call.env.calendar(call.uow))
    return packs.answer(claim, "Acknowledged")


def state_fraud(call: Call[m.StateFraud]) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    code = required(call.request.reason_code, "reason_code").strip()
    description = required(call.request.reason_description, "reason_description").strip()
    transition = wf.resolve(call, claim)
    problems = []
    if code != "0":
        problems.append(
            Violation("reasonCode", "the fraud reason code must be 0 (C12)", rule="FRAUD-01")
        )
    if len(description) > 500:
        problems.append(Violation("reasonDescription", "at most 500 characters", rule="FRAUD-02"))
    if problems:
        raise BusinessRuleViolation(problems)
    claim.fraud_code, claim.fraud_comment = code, description
    wf.enter(call, claim, transition, call.env.calendar(call.uow))
    return packs.answer(claim, "Fraud stated")


def set_stage1_payment(call: Call[m.SetStage1Payment]) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    paid = required_flag(call.request.is_stage1_paid, "is_stage1_paid")
    transition = wf.resolve(call, claim)
    claim.stage1_paid = paid
    wf.enter(call, claim, transition, call.env.calendar(call.uow))
    return packs.answer(claim, "Stage 1 payment recorded")


def exit_process(call: Call[m.ExitProcess]) -> m.ClaimInfoResponse:
    claim = wf.begin(call, call.request.claim_data)
    transition = wf.resolve(call, claim)
    side = call.who.side
    code = required(call.request.exit_reason_code, "exit_reason_code").strip()
    comment = (call.request.exit_comment or "").strip()
    if code not in exit_codes(call.service, side, claim.release):
        raise BusinessRuleViolation(
            [
                Violation(
                    "exitReasonCode",
                    f"'{code[:3]}' is not an exit reason of the {side.value} side for "
                    f"this claim's release",
                    rule="EXIT-01",
                )
            ]
        )
    if code == "10" and not comment:
        raise BusinessRuleViolation(
            [Violation("exitComment", "required for exit reason 10", rule="EXIT-02")]
        )
    if side is Side.CR:
        claim.exit_cr_code, claim.exit_cr_comment = code, comment[:500] or None
    else:
        claim.exit_cm_code, claim.exit_cm_comment = code, comment[:500] or None
    wf.enter(
        call,
        claim,
        transition,
        call.env.calendar(call.uow),
        notice=(
            side.other,
            notices.process_exited(claim.application_id, side, exit_label(call.service, code)).text,
        ),
    )
    return packs.answer(claim, "Exit process started")


def get_claims_status(call: Call[m.GetClaimsStatus]) -> m.ClaimInfo2Response:
    claim = wf.load(call, call.request.application_id)
    return m.ClaimInfo2Response(
        message="Claim status",
        claim_info=wf.claim_info(claim),
        gdpr_claim_deleted=1 if claim.gdpr_deleted else 0,
    )


RTA_ONLY = frozenset({Service.RTA})
ELPL_ONLY = frozenset({Service.ELPL})

_ACKNOWLEDGEMENTS = (
    "acknowledgeRejectedClaim",
    "exitRejectedClaim",
    "acknowledgeLiabilityAdmitted",
    "acknowledgeLiabilityAdmittedForChild",
    "acknowledgeLiabilityAdmittedWithNeg",
    "acknowledgeDeniedLiability",
    "acknowledgeLiabilityDecisionTimeout",
    "acknowledgeFraudStated",
)

OPERATIONS = {
    "addClaim": OperationSpec(add_claim, side=Side.CR, prepare=_judge_cnf),
    "resendRejectedClaim": OperationSpec(resend_rejected_claim, side=Side.CR),
    "acknowledgeClaim": OperationSpec(acknowledge_claim, side=Side.COMP, services=ELPL_ONLY),
    "acceptClaim": OperationSpec(accept_claim, side=Side.COMP),
    "rejectClaimToCR": OperationSpec(reject_claim_to_cr, side=Side.COMP),
    "applyArticle75": OperationSpec(apply_article75, side=Side.COMP, services=RTA_ONLY),
    "sendLiabilityDecision": OperationSpec(send_liability_decision, side=Side.COMP),
    "stateFraud": OperationSpec(state_fraud, side=Side.COMP),
    "setStage1Payment": OperationSpec(set_stage1_payment, side=Side.CR, services=RTA_ONLY),
    "exitProcess": OperationSpec(exit_process),
    "acknowledgeExitProcess": OperationSpec(acknowledge),
    "getClaimsStatus": OperationSpec(get_claims_status, reads_only=True),
    **{name: OperationSpec(acknowledge, side=Side.CR) for name in _ACKNOWLEDGEMENTS},
}
