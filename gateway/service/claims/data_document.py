"""The ``getClaim`` output: the ``Data`` document of payloads.md section 7, built from a claim's
stored row and its stored packs (the latest CNF or resend, the insurer response, and every
interim, settlement, additional-damages and court proceedings pack).

``DataSources`` gathers what the document needs (the service layer loads it); ``build_data`` is
pure: it copies the CNF sections as sent (never ``ReferralSourceInfo``), computes the claimant's
``@Age``, adds the process data (``ApplicationData``), the insurer response with its dates, one
``InterimSettlementPack`` per ISP (its response merged in), the ``Stage2SettlementPack`` (latest
lines, the history of offers as reply rows), the RTA ``Stage2AdditionalDamagesPack``, the
``CourtProceedingsPack`` (request and response merged) and the ``Timeouts``. Sections of later
stages are absent until their packs exist. The document is meant to be valid against the Data XSD
of the claim's release; the caller validates it.

Figures the packs do not carry are computed here (decided where section 7 is silent): a line's
``@ValueClaimedAfterContrib`` / ``@ValueOfferedAfterContrib`` is its gross less the contributory
negligence percentage; ``@AmountInDispute`` is what the claimant's line asks after contribution
less what is offered (never below 0); ``LossesTotal/@NetValue`` is the offer less CRU deductions
(also ``@ValueOfInterimPaymentAgreed``); ``@InterimPaymentReceived`` sums what earlier ISPs
agreed; a reply row's ``@AgreedAmount`` sums the gross of the lines the compensator has agreed so
far; ``CurrentTotal/@TotalUplift`` (RTA R7) sums the claimant's exceptional-circumstances uplifts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from gateway.domain.calendar import BusinessCalendar
from gateway.domain.deadlines import (
    DEADLINES,
    INTERIM_THRESHOLD,
    additional_damages_deadline,
    cpp_response_deadline,
    interim_deadline,
    s2sp_initial,
    s2sp_total,
)
from gateway.domain.services import Service, Side
from gateway.store.models import Claim
from gateway.validation.packs import Pack
from gateway.validation.rules.base import decimal_of, is_yes
from gateway.validation.rules.isp import after_contribution
from gateway.validation.rules.lines import TARIFF_LOSS_TYPE

#: CNF elements never output (payloads.md section 7).
NEVER_OUTPUT = ("ReferralSourceInfo",)
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True
)
_MIB_OR_ART75 = "D3"


@dataclass(frozen=True)
class Person:
    """An allocated user as the document names them."""

    user_id: str
    first_name: str
    surname: str


@dataclass(frozen=True)
class StoredPack:
    """A pack the claim received, as stored: its kind, its number among the packs of that kind,
    its text and the Europe/London date it was sent on."""

    kind: Pack
    number: int
    xml: str
    sent_on: date


@dataclass(frozen=True)
class DataSources:
    """Everything ``build_data`` reads: the claim, its packs and the names of its parties.

    ``packs`` are the Stage 2 and Stage 3 packs in the order they were stored (CNF and insurer
    response come in their own fields and are ignored there); ``calendar`` computes the
    pre-calculated deadlines of those stages (none without it).
    """

    claim: Claim
    cnf_xml: str
    caller_side: Side
    today: date
    insurer_response_xml: str | None = None
    response_date: date | None = None
    representative_name: str = ""
    representative_branch: tuple[str, str] = ("001", "")
    insurer_name: str = ""
    insurer_branch_name: str = ""
    accepting_branch_name: str = ""
    allocated: Mapping[Side, Person] | None = None
    packs: Sequence[StoredPack] = ()
    calendar: BusinessCalendar | None = None
    #: (TransferID, TransferDesc) of each bulk transfer or reassignment, oldest first.
    transfers: Sequence[tuple[str, str]] = ()


def _flag(value: bool | None) -> str:
    return "1" if value else "0"


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _set(node: etree._Element, **attributes: str | None) -> etree._Element:
    for name, value in attributes.items():
        if value is not None:
            node.set(name, value)
    return node


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def build_data(src: DataSources) -> etree._Element:
    """The ``Data`` element of ``src.claim`` (see the module docstring)."""
    cnf = etree.fromstring(src.cnf_xml.encode("utf-8"), _PARSER)
    sent = _Packs.parse(src.packs)
    data = etree.Element("Data")
    data.append(_application_data(src, cnf, sent))
    for section in cnf:
        if isinstance(section.tag, str) and section.tag != "ApplicationData":
            data.append(_as_sent(section, src.today))
    if src.insurer_response_xml:
        data.append(_insurer_response(src))
    for build in (_interim_list, _settlement, _additional_damages, _court_proceedings):
        built = build(src, sent)
        if built is not None:
            data.append(built)
    data.append(_timeouts(src, sent))
    return data


def render(data: etree._Element) -> str:
    return etree.tostring(data, encoding="unicode")


# ---------------------------------------------------------------------------- CNF sections
def _as_sent(section: etree._Element, today: date) -> etree._Element:
    copy = etree.fromstring(etree.tostring(section), _PARSER)
    for name in NEVER_OUTPUT:
        for node in copy.iter(name):
            parent = node.getparent()
            if parent is not None:
                parent.remove(node)
    for claimant in copy.iterfind("ClaimantDetails"):
        birth = claimant.find("PersonalDetails")
        dob = birth.get("DateOfBirth") if birth is not None else None
        if dob:
            claimant.set("Age", str(age_on(date.fromisoformat(dob), today)))
    return copy


def _insurer_response(src: DataSources) -> etree._Element:
    assert src.insurer_response_xml is not None
    pack = etree.fromstring(src.insurer_response_xml.encode("utf-8"), _PARSER)
    out = etree.Element("InsurerResponse", dict(pack.attrib))
    out.extend(child for child in list(pack) if isinstance(child.tag, str))
    return _set(
        out, NotificationDate=_iso(src.claim.sent_date), ResponseDate=_iso(src.response_date)
    )


# ---------------------------------------------------------------------------- process data
def _application_data(src: DataSources, cnf: etree._Element, sent: _Packs) -> etree._Element:
    claim, rta = src.claim, Service(src.claim.service) is Service.RTA
    details = cnf.find("ApplicationData/ClaimDetails")
    cnf_details: dict[str, str] = (
        {} if details is None else {str(k): str(v) for k, v in details.attrib.items()}
    )
    app = etree.Element("ApplicationData")
    app.append(_ids(src, cnf, cnf_details.get("ClaimValue"), rta))
    _set(app[0], **_from_packs(sent, rta))
    if rta:
        _set(
            etree.SubElement(app, "ClaimDetails"),
            SentDate=_iso(claim.sent_date),
            Article75=_flag(claim.article75),
            ClaimValue=cnf_details.get("ClaimValue"),
            InterimPaymentTimeoutExtended=_flag(claim.interim_extended),
            OICReferenceNumber=cnf_details.get("OICReferenceNumber"),
        )
    else:
        _set(
            etree.SubElement(app, "ClaimDetails"),
            NotificationDate=_iso(claim.sent_date),
            InterimPaymentTimeoutExtended=_flag(claim.interim_extended),
            ClaimValue=cnf_details.get("ClaimValue"),
            ClaimType=claim.claim_type,
        )
    _child_flags(etree.SubElement(app, "ClaimantDetails"), claim, rta)
    if claim.fraud_code:
        _set(
            etree.SubElement(app, "FraudStated"),
            FraudReasonCode=claim.fraud_code,
            FraudComment=claim.fraud_comment,
        )
    _set(
        etree.SubElement(app, "StatementOfTruth"),
        SignatoryType=cnf_details.get("Signatory"),
        RetainedSignedCopy=cnf_details.get("RetainedCopy"),
    )
    _exit(app, claim)
    _allocated(app, src.allocated or {})
    if claim.interim_rejection_comment:
        _set(
            etree.SubElement(app, "InterimPackRejected"),
            InterimPackRejectionComment=claim.interim_rejection_comment,
        )
    if claim.rejection_code:
        _set(etree.SubElement(app, "Rejection"), RejectionReasonCode=claim.rejection_code)
    transfers = _set(etree.SubElement(app, "TransfersList"), Transferred=_flag(bool(src.transfers)))
    for transfer_id, description in src.transfers:
        _set(
            etree.SubElement(transfers, "Transfer"),
            TransferID=transfer_id,
            TransferDesc=description,
        )
    return app


def _child_flags(node: etree._Element, claim: Claim, rta: bool) -> None:
    """The child rule as evaluated at each step (lifecycle.md 1); unset until the step."""
    flags = {
        "isClaimantChildAtStage1Response": claim.child_at_stage1,
        "isClaimantChildAtStage2Request": claim.child_at_stage2_request,
        "isClaimantChildAtStage2Agreement": claim.child_at_stage2_agreement,
    }
    if rta:
        flags["isClaimantChildAtStage2AgreementAD"] = claim.child_at_stage2_agreement_ad
    for name, child in flags.items():
        if child is not None:
            node.set(name, _flag(child))


def _from_packs(sent: _Packs, rta: bool) -> dict[str, str | None]:
    """``ApplicationIDs`` figures only the Stage 2 packs carry: the latest CRU reference and
    (RTA) MedCo case id sent."""
    found: dict[str, str | None] = {"CRUReferenceNumber": None}
    if rta:
        found["MedCoCaseID"] = None
    for pack in sent.packs:
        for path, name in (
            (".//CRUReference", "CRUReferenceNumber"),
            (".//MedCoCase", "MedCoCaseID"),
        ):
            for node in pack.root.iterfind(path):
                if name in found and (node.get(name) or "").strip():
                    found[name] = node.get(name)
    return found


def _ids(
    src: DataSources, cnf: etree._Element, claim_value: str | None, rta: bool
) -> etree._Element:
    claim = src.claim
    person = cnf.find("ClaimAndClaimantDetails/ClaimantDetails/PersonalDetails")
    applicant = ""
    if person is not None:
        applicant = f"{person.get('Surname', '')}, {person.get('Name', '')}"
    own = (src.allocated or {}).get(src.caller_side)
    ids = _set(
        etree.Element("ApplicationIDs"),
        ClaimID=claim.application_id,
        RepresentativeID=claim.cr_org_id,
        RepresentativeName=src.representative_name,
        RepresentativeBranchID=src.representative_branch[0],
        RepresentativeBranchName=src.representative_branch[1],
        RepresentativeOrgPath=f"/{claim.cr_org_id}",
        InsurerID=claim.comp_org_id,
        InsurerName=src.insurer_name,
        InsurerBranchID=claim.comp_branch_id,
        InsurerBranchName=src.insurer_branch_name,
        EndDate=_iso(claim.end_date),
        MainApplicant=applicant,
    )
    if claim.accepting_branch_id:
        _set(
            ids,
            InsurerAcceptingBranchID=claim.accepting_branch_id,
            InsurerAcceptingBranchName=src.accepting_branch_name,
        )
    if own is not None:
        _set(
            ids,
            AllocatedUserId=own.user_id,
            AllocatedUserName=own.first_name,
            AllocatedSurname=own.surname,
        )
    _set(ids, InsurerClaimReferenceNumber=claim.insurer_reference)
    if rta:
        claimant = cnf.find("ClaimAndClaimantDetails/ClaimantDetails")
        _set(
            ids,
            ClaimValue=claim_value,
            AskCUEPIReference=claimant.get("AskCUEPIReference") if claimant is not None else None,
        )
    return ids


def _exit(app: etree._Element, claim: Claim) -> None:
    if not (claim.exit_cr_code or claim.exit_cm_code):
        return
    node = etree.SubElement(app, "ExitProcess")
    if claim.exit_cr_code:
        _set(
            etree.SubElement(node, "ExitCR"),
            ExitReasonCode=claim.exit_cr_code,
            ExitComment=claim.exit_cr_comment,
        )
    if claim.exit_cm_code:
        _set(
            etree.SubElement(node, "ExitCM"),
            ExitReasonCode=claim.exit_cm_code,
            ExitComment=claim.exit_cm_comment,
        )


def _allocated(app: etree._Element, allocated: Mapping[Side, Person]) -> None:
    if not allocated:
        return
    node = etree.SubElement(app, "AllocatedUser")
    for side, tag in ((Side.CR, "AllocatedCR"), (Side.COMP, "AllocatedCM")):
        person = allocated.get(side)
        if person is not None:
            _set(
                etree.SubElement(node, tag),
                AllocatedUserId=person.user_id,
                AllocatedUserName=person.first_name,
                AllocatedUserSurname=person.surname,
            )


# ------------------------------------------------------------------------- stored packs
@dataclass(frozen=True)
class _Sent:
    """A stored pack, parsed."""

    kind: Pack
    number: int
    root: etree._Element
    on: date


@dataclass(frozen=True)
class _Packs:
    """The claim's Stage 2 and Stage 3 packs, parsed once, in the order they were stored."""

    packs: tuple[_Sent, ...]

    @classmethod
    def parse(cls, stored: Iterable[StoredPack]) -> _Packs:
        return cls(
            tuple(
                _Sent(p.kind, p.number, etree.fromstring(p.xml.encode("utf-8"), _PARSER), p.sent_on)
                for p in stored
                if p.kind in _STAGE_PACKS
            )
        )

    def of(self, *kinds: Pack) -> list[_Sent]:
        return [p for p in self.packs if p.kind in kinds]

    def latest(self, *kinds: Pack) -> _Sent | None:
        found = self.of(*kinds)
        return found[-1] if found else None


_STAGE_PACKS = frozenset(
    {
        Pack.ISP_REQUEST,
        Pack.ISP_RESPONSE,
        Pack.S2SP_REQUEST,
        Pack.S2SP_RESPONSE,
        Pack.S2SP_COUNTER_OFFER_CR,
        Pack.S2SP_COUNTER_OFFER_CM,
        Pack.AD_REQUEST,
        Pack.AD_RESPONSE,
        Pack.CPP_REQUEST,
        Pack.CPP_RESPONSE,
    }
)
#: Data XSD releases whose totals carry the whiplash tariff figures (payloads.md section 7).
_TARIFF_RELEASES = frozenset({(Service.RTA.value, "R7")})
_PSLA_LOSS_TYPE = "4"
_CENT = Decimal("0.01")
_ZERO = Decimal(0)
_FINAL = "AgreementData/FinalAgreementDetails"
_COUNTER_DECISION = "SettlementPackCounterOfferDecision"
#: Rows of a merged request and response matched by a key rather than by their element name.
_KEYED = {"DisbursementDisputedRequestResponse": "DisbursementId"}


def _amount(value: Decimal) -> str:
    return f"{value.quantize(_CENT, rounding=ROUND_HALF_UP):f}"


def _tariff(claim: Claim) -> bool:
    return (claim.service, claim.release) in _TARIFF_RELEASES


def _merge(target: etree._Element, source: etree._Element) -> None:
    """Lay ``source`` (a response) over ``target`` (its request): attributes are overwritten,
    an element found once on both sides (or a row with the same key) is merged, others appended."""
    for name, value in source.attrib.items():
        target.set(name, value)
    for child in source:
        if not isinstance(child.tag, str):
            continue
        match = _counterpart(target, source, child)
        if match is None:
            target.append(deepcopy(child))
        else:
            _merge(match, child)


def _counterpart(
    target: etree._Element, source: etree._Element, child: etree._Element
) -> etree._Element | None:
    key = _KEYED.get(str(child.tag))
    if key is not None:
        wanted = (child.get(key) or "").strip()
        rows = (row for row in target if row.tag == child.tag)
        return next((row for row in rows if (row.get(key) or "").strip() == wanted), None)
    mine = [node for node in target if node.tag == child.tag]
    theirs = [node for node in source if node.tag == child.tag]
    return mine[0] if len(mine) == 1 and len(theirs) == 1 else None


def _copy_children(node: etree._Element, pack: _Sent | None, *tags: str) -> None:
    """Append deep copies of ``pack``'s top-level ``tags`` elements to ``node``."""
    if pack is None:
        return
    for tag in tags:
        found = pack.root.find(tag)
        if found is not None:
            node.append(deepcopy(found))


def _sub(parent: etree._Element, tag: str) -> etree._Element:
    """``parent``'s ``tag`` child, created (at the end) if missing."""
    found = parent.find(tag)
    return found if found is not None else etree.SubElement(parent, tag)


def _offered(line: etree._Element) -> Decimal:
    """A compensator line's gross figure (the RTA S2SP response names it ``GrossValueClaimed``)."""
    found = decimal_of(line, "GrossValueOffered")
    if found is None:
        found = decimal_of(line, "GrossValueClaimed")
    return found if found is not None else _ZERO


def _net(line: etree._Element, gross: Decimal) -> Decimal:
    return after_contribution(gross, decimal_of(line, "PercContribNegDeductions"))


# --------------------------------------------------------------------------- interim packs
def _interim_rounds(sent: _Packs) -> list[tuple[_Sent, _Sent | None]]:
    """Each ISP request with the response that answered it (a response answers the latest
    request before it; a rejected ISP has none)."""
    rounds: list[tuple[_Sent, _Sent | None]] = []
    for pack in sent.of(Pack.ISP_REQUEST, Pack.ISP_RESPONSE):
        if pack.kind is Pack.ISP_REQUEST:
            rounds.append((pack, None))
        elif rounds and rounds[-1][1] is None:
            rounds[-1] = (rounds[-1][0], pack)
    return rounds


def _interim_list(src: DataSources, sent: _Packs) -> etree._Element | None:
    rounds = _interim_rounds(sent)
    if not rounds:
        return None
    node = etree.Element("InterimSettlementPackList")
    received = _ZERO
    for index, (request, response) in enumerate(rounds):
        latest = index == len(rounds) - 1
        pack, agreed = _interim_pack(src, request, response, latest, received)
        node.append(pack)
        received += agreed
    return node


def _interim_pack(
    src: DataSources, request: _Sent, response: _Sent | None, latest: bool, received: Decimal
) -> tuple[etree._Element, Decimal]:
    """One ``InterimSettlementPack`` and the value agreed on it (0 without a response)."""
    body = deepcopy(request.root)
    if response is not None:
        _merge(body, response.root)
    pack = etree.Element("InterimSettlementPack", InterimPaymentNumber=str(request.number))
    pack.extend(list(body))
    claimed = _interim_claimed(pack)
    requested = sum(
        (value for line, value in claimed if (line.get("ItemBeingPursued") or "").strip() != "0"),
        _ZERO,
    )
    offered = _interim_offered(pack, {line.get("LossType"): value for line, value in claimed})
    totals = _sub(_sub(pack, "Total"), "LossesTotal")
    deductions = decimal_of(totals, "CRUDeductions") or _ZERO
    net = max(sum(offered.values(), _ZERO) - deductions, _ZERO) if response else _ZERO
    _set(
        totals,
        TotalHeads=_amount(sum((value for _line, value in claimed), _ZERO)),
        InterimPaymentReceived=_amount(received),
    )
    if response is not None:
        _interim_totals(src.claim, totals, offered, net)
    _interim_dates(src.claim if latest else None, pack, request, response, requested, net)
    return pack, net


def _interim_dates(
    latest: Claim | None,
    pack: etree._Element,
    request: _Sent,
    response: _Sent | None,
    requested: Decimal,
    agreed: Decimal,
) -> None:
    """The request and answer with their dates and values; C19 and its date on the latest ISP
    only (``latest``: its claim), the claim keeping no earlier decision."""
    payment = _sub(pack, "InterimPayment")
    decision = latest.partial_payment_accepted if latest is not None else None
    _set(
        _sub(payment, "ClaimantRequestForInterimPayment"),
        DateOfRequest=_iso(request.on),
        ValueOfInterimRequest=_amount(requested),
        PaymentDecision=None if decision is None else ("AC" if decision else "NAC"),
    )
    dates = _set(
        etree.SubElement(pack, "Phase2ClaimantDefendantDates"),
        DateOfClaimantRequest=_iso(request.on),
    )
    if response is not None:
        _set(
            _sub(payment, "DefendantResponsesToInterimPaymentRequest"),
            DateOfResponse=_iso(response.on),
            ValueOfInterimPaymentAgreed=_amount(agreed),
        )
        dates.set("DateOfDefendantResponse", _iso(response.on))
    if latest is not None and latest.partial_decision_date is not None:
        dates.set("DateOfPaymentDecision", _iso(latest.partial_decision_date))


def _interim_claimed(pack: etree._Element) -> list[tuple[etree._Element, Decimal]]:
    """The claimant's lines with ``@ValueClaimedAfterContrib`` set, and that value."""
    claimed = []
    for line in pack.iterfind("ClaimantLosses/ClaimantLossesToDate"):
        value = _net(line, decimal_of(line, "GrossValueClaimed") or _ZERO)
        line.set("ValueClaimedAfterContrib", _amount(value))
        claimed.append((line, value))
    return claimed


def _interim_offered(
    pack: etree._Element, claimed: Mapping[str | None, Decimal]
) -> dict[etree._Element, Decimal]:
    """The compensator's lines with ``@ValueOfferedAfterContrib`` and ``@AmountInDispute`` set,
    and what each offers after contribution."""
    offered = {}
    for line in pack.iterfind("DefendantReplies/DefendantResponse"):
        value = _net(line, _offered(line))
        asked = claimed.get(line.get("LossType"), value)
        line.set("ValueOfferedAfterContrib", _amount(value))
        line.set("AmountInDispute", _amount(max(asked - value, _ZERO)))
        offered[line] = value
    return offered


def _interim_totals(
    claim: Claim, totals: etree._Element, offered: Mapping[etree._Element, Decimal], net: Decimal
) -> None:
    _set(totals, LossesOffered=_amount(sum(offered.values(), _ZERO)), NetValue=_amount(net))
    if not _tariff(claim):
        return
    by_type: dict[str, Decimal] = {TARIFF_LOSS_TYPE: _ZERO, _PSLA_LOSS_TYPE: _ZERO, "": _ZERO}
    for line, value in offered.items():
        kind = (line.get("LossType") or "").strip()
        by_type[kind if kind in by_type else ""] += value
    _set(
        totals,
        TotalTariff=_amount(by_type[TARIFF_LOSS_TYPE]),
        TotalPSLA=_amount(by_type[_PSLA_LOSS_TYPE]),
        TotalOtherLosses=_amount(by_type[""]),
    )


# ------------------------------------------------------------ settlement and additional damages
@dataclass(frozen=True)
class _Stage:
    """What tells the Stage 2 settlement and the additional-damages sections apart."""

    tag: str
    claimant: tuple[Pack, ...]
    defendant: tuple[Pack, ...]
    decision: str  # the decision attribute of the compensator's first answer
    agreed_decisions: frozenset[str]
    agreed_phases: frozenset[str]


_SETTLEMENT = _Stage(
    "Stage2SettlementPack",
    (Pack.S2SP_REQUEST, Pack.S2SP_COUNTER_OFFER_CR),
    (Pack.S2SP_RESPONSE, Pack.S2SP_COUNTER_OFFER_CM),
    "SettlementPackDecision",
    frozenset({"C", "ACO"}),
    frozenset({"Stage2SettlementPackAgreed", "Stage2SettlementPackAgreedEnd"}),
)
_ADDITIONAL = _Stage(
    "Stage2AdditionalDamagesPack",
    (Pack.AD_REQUEST,),
    (Pack.AD_RESPONSE,),
    "AdditionalDamagesDecision",
    frozenset({"A"}),
    frozenset({"Stage2SettlementPackAllDamagesAgreed", "Stage2SettlementPackAllDamagesAgreedEnd"}),
)


def _settlement(src: DataSources, sent: _Packs) -> etree._Element | None:
    request = sent.latest(Pack.S2SP_REQUEST)
    if request is None:
        return None
    node = etree.Element(_SETTLEMENT.tag)
    _copy_children(node, request, "ClaimantRepresentative", "MedicalReport")
    _copy_children(node, sent.latest(*_SETTLEMENT.claimant), "ClaimantLosses")
    _copy_children(node, request, "StatementOfTruth")
    comments = request.root.find("AgreementData")
    node.append(_agreement(src, sent, _SETTLEMENT, comments))
    _copy_children(node, sent.latest(Pack.S2SP_RESPONSE), "DefendantRepresentative")
    _replies(src, node, sent, _SETTLEMENT, agreed_in_s2sp=None)
    _stage_tail(src, node, sent, _SETTLEMENT)
    return node


def _additional_damages(src: DataSources, sent: _Packs) -> etree._Element | None:
    request = sent.latest(Pack.AD_REQUEST)
    if request is None or Service(src.claim.service) is not Service.RTA:
        return None
    node = etree.Element(_ADDITIONAL.tag)
    _copy_children(node, request, "ClaimantLosses")
    node.append(_agreement(src, sent, _ADDITIONAL, None))
    settled = sent.latest(*_SETTLEMENT.defendant)
    agreed = set()
    if settled is not None:
        agreed = {
            (line.get("LossType") or "").strip()
            for line in settled.root.iterfind("DefendantReplies/CurrentDefendantResponse")
            if is_yes(line, "IsGrossAmountAgreed")
        }
    _replies(src, node, sent, _ADDITIONAL, agreed_in_s2sp=agreed)
    _stage_tail(src, node, sent, _ADDITIONAL)
    return node


def _replies(
    src: DataSources,
    node: etree._Element,
    sent: _Packs,
    stage: _Stage,
    agreed_in_s2sp: set[str] | None,
) -> None:
    """The compensator's latest lines (``@AgreedInS2SP``: agreed in this answer, or for
    additional damages agreed in the Stage 2 settlement) and its ``CurrentTotal``."""
    answer = sent.latest(*stage.defendant)
    if answer is None:
        return
    _copy_children(node, answer, "DefendantReplies", "Total")
    for line in node.iterfind("DefendantReplies/CurrentDefendantResponse"):
        agreed = (
            is_yes(line, "IsGrossAmountAgreed")
            if agreed_in_s2sp is None
            else (line.get("LossType") or "").strip() in agreed_in_s2sp
        )
        line.set("AgreedInS2SP", _flag(agreed))
    if _tariff(src.claim):
        uplift = _ZERO
        offer = sent.latest(*stage.claimant)
        lines = offer.root.iterfind("ClaimantLosses/CurrentClaimantOffer") if offer else ()
        for line in lines:
            if is_yes(line, "ExcepCircumstancesUplift"):
                percent = decimal_of(line, "ExcepCircumstancesUpliftPerc") or _ZERO
                uplift += (decimal_of(line, "GrossValueClaimed") or _ZERO) * percent / 100
        _sub(_sub(node, "Total"), "CurrentTotal").set("TotalUplift", _amount(uplift))


def _agreement(
    src: DataSources, sent: _Packs, stage: _Stage, request_data: etree._Element | None
) -> etree._Element:
    """``AgreementData``: one reply row per offer and answer, oldest first (the XSD puts the
    claimant's rows before the compensator's), then the latest ``FinalAgreementDetails``."""
    node = etree.Element("AgreementData")
    if request_data is not None:
        _set(node, Comments=request_data.get("Comments"))
    rows: dict[bool, list[etree._Element]] = {True: [], False: []}
    agreed = _ZERO
    for pack in sent.of(*stage.claimant, *stage.defendant):
        claimant = pack.kind in stage.claimant
        if not claimant:
            lines = pack.root.iterfind("DefendantReplies/CurrentDefendantResponse")
            agreed = sum((_offered(x) for x in lines if is_yes(x, "IsGrossAmountAgreed")), _ZERO)
        rows[claimant].append(_reply_row(pack, claimant, agreed))
    node.extend(rows[True] + rows[False])
    node.append(_final_agreement(src.claim, sent, stage))
    return node


def _reply_row(pack: _Sent, claimant: bool, agreed: Decimal) -> etree._Element:
    tag = (
        "ClaimantResponsesToDefendantReplies" if claimant else "DefendantResponsesToClaimantReplies"
    )
    details = pack.root.find(f"{_FINAL}/AgreementDetails")
    gross = details.get("GrossAmount") if details is not None else None
    if gross is None:  # the S2SP request states no total: the sum of its lines
        lines = pack.root.iterfind("ClaimantLosses/CurrentClaimantOffer")
        gross = _amount(sum((decimal_of(x, "GrossValueClaimed") or _ZERO for x in lines), _ZERO))
    return _set(
        etree.Element(tag),
        DateOfReply=_iso(pack.on),
        GrossAmount=gross,
        InterimPaymentAmount=details.get("InterimPaymentAmount") if details is not None else None,
        AgreedAmount=_amount(agreed),
        Comments=details.get("Comments") if details is not None else None,
    )


def _final_agreement(claim: Claim, sent: _Packs, stage: _Stage) -> etree._Element:
    """The latest ``FinalAgreementDetails`` sent, with the compensator's decisions and whether
    the parties have agreed (a confirming decision, or the claimant's acceptance)."""
    node = etree.Element("FinalAgreementDetails")
    for pack in sent.of(*stage.claimant, *stage.defendant):
        found = pack.root.find(_FINAL)
        if found is not None:
            node = deepcopy(found)
    said = ""
    for pack in sent.of(*stage.defendant):
        found = pack.root.find(_FINAL)
        for name in (stage.decision, _COUNTER_DECISION):
            value = found.get(name) if found is not None else None
            if value and value.strip():
                node.set(name, value)
                said = value.strip()
    reached = said in stage.agreed_decisions or claim.phase in stage.agreed_phases
    node.set("AgreementReached", _flag(reached))
    return node


def _stage_tail(src: DataSources, node: etree._Element, sent: _Packs, stage: _Stage) -> None:
    """``LastExtendedTime`` (when the last agreed extension belongs to this stage) and the dates
    of the first and last offers and answers."""
    claim = src.claim
    if claim.extension_date is not None and _extension_stage(claim) is stage:
        _set(
            etree.SubElement(node, "LastExtendedTime"),
            NewTimeOutDate=_iso(claim.extension_date),
            ReasonForExtension=claim.extension_reason,
        )
    offers, answers = sent.of(*stage.claimant), sent.of(*stage.defendant)
    dates = etree.SubElement(node, "Stage2ClaimantDefendantDates")
    if offers:
        _set(
            dates,
            DateOfClaimantFirstOffer=_iso(offers[0].on),
            DateOfClaimantLastOffer=_iso(offers[-1].on),
        )
    if answers:
        _set(
            dates,
            DateOfDefendantFirstReply=_iso(answers[0].on),
            DateOfDefendantLastReply=_iso(answers[-1].on),
        )


def _extension_stage(claim: Claim) -> _Stage:
    """The stage the last agreed extension (D11) was entered in: additional damages when it
    falls after the AD request was sent, the Stage 2 settlement otherwise (the claim keeps only
    the last date entered)."""
    ad_sent, entered = claim.ad_sent_date, claim.extension_date
    if ad_sent is not None and entered is not None and entered > ad_sent:
        return _ADDITIONAL
    return _SETTLEMENT


# --------------------------------------------------------------------------- court proceedings
def _court_proceedings(src: DataSources, sent: _Packs) -> etree._Element | None:
    request = sent.latest(Pack.CPP_REQUEST)
    if request is None:
        return None
    response = sent.latest(Pack.CPP_RESPONSE)
    body = deepcopy(request.root)
    if response is not None:
        _merge(body, response.root)
    node = etree.Element("CourtProceedingsPack")
    node.extend(list(body))
    _set(
        etree.SubElement(node, "CourtProceedingsDates"),
        DateOfRequest=_iso(request.on),
        DateOfResponse=_iso(response.on) if response is not None else None,
    )
    return node


# -------------------------------------------------------------------------------- timeouts
def current_timeout_type(claim: Claim) -> str:
    """``@TimeOutType`` of the running deadline (empty without one)."""
    rule = DEADLINES.get(claim.deadline_rule or "")
    if rule is None or claim.deadline_date is None:
        return ""
    return rule.timeout_type(claim.phase) or ""


def _timeouts(src: DataSources, sent: _Packs) -> etree._Element:
    claim = src.claim
    node = etree.Element("Timeouts")
    _set(
        etree.SubElement(node, "CurrentTimeout"),
        TimeOutType=current_timeout_type(claim),
        SelectedTimeOut=_iso(claim.deadline_date if current_timeout_type(claim) else None),
    )
    pre = etree.Element("PreCalculatedTimeouts")
    if claim.liability_deadline is not None:
        rta = Service(claim.service) is Service.RTA
        tag = "MIBorArt75" if rta and claim.liability_rule == _MIB_OR_ART75 else "Insurer"
        _set(
            etree.SubElement(etree.SubElement(pre, "ClaimNotificationForm"), tag),
            LiabilityDecisionTimeout=_iso(claim.liability_deadline),
            Stage1PaymentTimeout=_iso(claim.stage1_costs_deadline),
        )
    if src.calendar is not None:
        _stage_timeouts(pre, claim, src.calendar, sent)
    if len(pre):
        node.append(pre)
    return node


#: ``TimeOutType`` codes of the running deadline that are each stage's pre-calculated timeout.
_S2SP_CODES = frozenset({"31", "32", "33", "34", "35"})
_AD_CODES = frozenset({"41", "42"})


def _stage_timeouts(
    pre: etree._Element, claim: Claim, calendar: BusinessCalendar, sent: _Packs
) -> None:
    for section, timeout in (
        ("InterimSettlementPack", _interim_timeout(claim, calendar)),
        ("Stage2SettlementPack", _settlement_timeout(claim, calendar, sent)),
        ("Stage2AdditionalDamagesPack", _additional_damages_timeout(claim, calendar)),
        ("CourtProceedingsPack", _court_timeout(claim, calendar)),
    ):
        if timeout is not None:
            tag, attribute, due = timeout
            _set(etree.SubElement(_sub(pre, section), tag), **{attribute: _iso(due)})


_Timeout = tuple[str, str, date | None]


def _interim_timeout(claim: Claim, calendar: BusinessCalendar) -> _Timeout | None:
    """D5 (low) or D6 (high; D7 once extended) of the latest ISP."""
    if claim.isp_sent_date is None or claim.interim_value is None:
        return None
    high = claim.interim_value > INTERIM_THRESHOLD
    extended = bool(claim.interim_extended) and high
    due = interim_deadline(calendar, claim.isp_sent_date, claim.interim_value, extended).due
    return ("HighPayment" if high else "LowPayment"), "InterimPaymentTimeout", due


def _settlement_timeout(claim: Claim, calendar: BusinessCalendar, sent: _Packs) -> _Timeout | None:
    """The running D8-D11 deadline of the S2SP; once it no longer runs, D8 if the compensator
    never answered, else D9 (later moves by D10 or D11 are not kept on the claim)."""
    if claim.s2sp_sent_date is None:
        return None
    due: date | None
    if current_timeout_type(claim) in _S2SP_CODES:
        due = claim.deadline_date
    elif sent.latest(Pack.S2SP_RESPONSE) is None:
        due = s2sp_initial(calendar, claim.s2sp_sent_date).due
    else:
        due = s2sp_total(calendar, claim.s2sp_sent_date).due
    return "Stage2DecisionOrCounterOffer", "Stage2DecisionOrCounterOfferTimeout", due


def _additional_damages_timeout(claim: Claim, calendar: BusinessCalendar) -> _Timeout | None:
    """RTA: the running D12/D11, else the agreed D11 of this stage, else D12."""
    if claim.ad_sent_date is None or Service(claim.service) is not Service.RTA:
        return None
    due: date | None
    if current_timeout_type(claim) in _AD_CODES:
        due = claim.deadline_date
    elif claim.extension_date is not None and _extension_stage(claim) is _ADDITIONAL:
        due = claim.extension_date
    else:
        due = additional_damages_deadline(calendar, claim.ad_sent_date).due
    return "Stage2AdditionalDamagesDecision", "Stage2AdditionalDamagesDecisionTimeout", due


def _court_timeout(claim: Claim, calendar: BusinessCalendar) -> _Timeout | None:
    """D13 from the court proceedings pack."""
    if claim.cpp_sent_date is None:
        return None
    due = cpp_response_deadline(calendar, claim.cpp_sent_date).due
    return "CourtProceedings", "CourtProceedingsTimeout", due
