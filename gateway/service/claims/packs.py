"""What every pack step shares: judging an embedded pack for the claim's release, storing it as
sent (numbered per kind), reading what earlier packs of the claim said, and the child rule.

A pack is judged by the XSD of the claim's own release and the business rules of payloads.md
(``gateway.validation``); the rule context carries what the rules need beyond the pack: the sent
date, the compensator and reference look-ups (CNF) and the request a response answers (the loss
types it may name, the value it asked for, its disbursement ids).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from gateway.service import messages as m
from gateway.service.claims import printable
from gateway.service.claims import workflow as wf
from gateway.service.gateway import Call
from gateway.store.models import Claim
from gateway.validation.context import RuleContext
from gateway.validation.engine import ValidatedPack, validate_pack
from gateway.validation.hardened import parse_text
from gateway.validation.packs import Pack
from gateway.validation.rules.base import value
from gateway.validation.rules.cpp import DISBURSEMENTS
from gateway.validation.rules.lines import LINES


def rule_context(
    call: Call[Any],
    claim: Claim | None,
    *,
    request_loss_types: frozenset[str] | None = None,
    requested_value: Decimal | None = None,
    request_disbursement_ids: frozenset[int] | None = None,
) -> RuleContext:
    """The context a pack of ``claim`` (None: a new claim) is judged in."""
    service = call.service
    column = service.enabled_flag

    def compensator(path: str) -> tuple[str, str] | None:
        org = call.uow.organisations.summary(path.strip().strip("/").split("/")[0])
        if org is None or org.kind != "COMP" or not org.active or not getattr(org, column):
            return None
        return org.organisation_id, org.compensator_type or ""

    def in_use(reference: str) -> bool:
        claims, org = call.uow.claims, call.who.organisation_id
        claims.hold_reference(service.value, org, reference)  # see stage1._hold_reference
        return claims.reference_in_use(service.value, org, reference, claim.id if claim else None)

    return RuleContext(
        sent_date=wf.today(call),
        compensator_lookup=compensator,
        reference_in_use=in_use,
        accident_date=claim.accident_date if claim else None,
        request_loss_types=request_loss_types,
        requested_value=requested_value,
        request_disbursement_ids=request_disbursement_ids,
    )


def judge(
    call: Call[Any],
    release: str,
    pack: Pack,
    text: str,
    claim: Claim | None = None,
    ctx: RuleContext | None = None,
) -> tuple[str, ValidatedPack]:
    """``text`` judged as ``pack`` of ``release``; the journal records its SHA-256."""
    context = ctx or rule_context(call, claim)
    validated = validate_pack(call.env.registry, call.service, release, pack, text, context)
    call.facts.record_pack(text)
    return text, validated


def store(call: Call[Any], claim: Claim, pack: Pack, text: str, *, first: bool = False) -> None:
    """Keep ``text`` as sent: the next number of its kind for the claim; it is an event of the
    claim's printable documents."""
    number = 1 if first else len(call.uow.claims.packs(claim.id, pack.value)) + 1
    call.uow.claims.add_pack(
        claim_id=claim.id,
        kind=pack.value,
        number=number,
        xml=text,
        sha256=call.facts.pack_sha256 or "",
        created_at=call.now,
        organisation_id=call.who.organisation_id,
    )
    printable.record_event(call, claim, pack, text, first=first)


def latest(call: Call[Any], claim: Claim, *packs: Pack) -> tuple[Pack, str] | None:
    """The most recently stored of ``packs`` for the claim, with its kind."""
    found = [(row.created_at, row.id, Pack(row.kind), row.xml)
             for pack in packs for row in call.uow.claims.packs(claim.id, pack.value)]  # fmt: skip
    if not found:
        return None
    _at, _id, kind, xml = max(found, key=lambda item: (item[0], item[1]))
    return kind, xml


def loss_types(pack: Pack, text: str) -> frozenset[str]:
    """The loss types of a stored pack's lines (it was valid when stored)."""
    root = parse_text(text).getroot()
    return frozenset(
        loss_type.strip()
        for line in root.iterfind(LINES[pack])
        if (loss_type := value(line, "LossType")) is not None
    )


def disbursement_ids(text: str) -> frozenset[int]:
    """The integer ``@DisbursementId`` values of a stored court proceedings pack."""
    root = parse_text(text).getroot()
    ids = set()
    for path in DISBURSEMENTS:
        for row in root.iterfind(path):
            raw = (row.get("DisbursementId") or "").strip()
            if raw.isdigit():
                ids.add(int(raw))
    return frozenset(ids)


def answer(claim: Claim, message: str) -> m.ClaimInfoResponse:
    return m.ClaimInfoResponse(message=message, claim_info=wf.claim_info(claim))


def is_child(claim: Claim, on: date) -> bool:
    """lifecycle.md 1: ChildClaim = 1 is a child, unless the claimant was under 18 when the CNF
    was sent and has turned 18 since."""
    if not claim.child_claim:
        return False
    dob = claim.claimant_birth_date
    if dob is None:
        return True
    return not (_age(dob, claim.sent_date) < 18 <= _age(dob, on))


def _age(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))
