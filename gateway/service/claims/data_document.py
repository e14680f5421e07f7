"""The ``getClaim`` output: the ``Data`` document of payloads.md section 7, built from a claim's
stored row and its stored packs (the latest CNF or resend, the insurer response if any).

``DataSources`` gathers what the document needs (the service layer loads it); ``build_data`` is
pure: it copies the CNF sections as sent (never ``ReferralSourceInfo``), computes the claimant's
``@Age``, adds the process data (``ApplicationData``), the insurer response with its dates and the
``Timeouts``. Sections of later stages are absent until their packs exist. The document is meant
to be valid against the Data XSD of the claim's release; the caller validates it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from lxml import etree

from gateway.domain.deadlines import DEADLINES
from gateway.domain.services import Service, Side
from gateway.store.models import Claim

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
class DataSources:
    """Everything ``build_data`` reads: the claim, its packs and the names of its parties."""

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
    data = etree.Element("Data")
    data.append(_application_data(src, cnf))
    for section in cnf:
        if isinstance(section.tag, str) and section.tag != "ApplicationData":
            data.append(_as_sent(section, src.today))
    if src.insurer_response_xml:
        data.append(_insurer_response(src))
    data.append(_timeouts(src))
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
def _application_data(src: DataSources, cnf: etree._Element) -> etree._Element:
    claim, rta = src.claim, Service(src.claim.service) is Service.RTA
    details = cnf.find("ApplicationData/ClaimDetails")
    cnf_details: dict[str, str] = (
        {} if details is None else {str(k): str(v) for k, v in details.attrib.items()}
    )
    app = etree.Element("ApplicationData")
    app.append(_ids(src, cnf, cnf_details.get("ClaimValue"), rta))
    if rta:
        _set(
            etree.SubElement(app, "ClaimDetails"),
            SentDate=_iso(claim.sent_date),
            Article75=_flag(claim.article75),
            ClaimValue=cnf_details.get("ClaimValue"),
            InterimPaymentTimeoutExtended="0",
            OICReferenceNumber=cnf_details.get("OICReferenceNumber"),
        )
    else:
        _set(
            etree.SubElement(app, "ClaimDetails"),
            NotificationDate=_iso(claim.sent_date),
            InterimPaymentTimeoutExtended="0",
            ClaimValue=cnf_details.get("ClaimValue"),
            ClaimType=claim.claim_type,
        )
    child = etree.SubElement(app, "ClaimantDetails")
    if claim.child_at_stage1 is not None:
        child.set("isClaimantChildAtStage1Response", _flag(claim.child_at_stage1))
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
    if claim.rejection_code:
        _set(etree.SubElement(app, "Rejection"), RejectionReasonCode=claim.rejection_code)
    _set(etree.SubElement(app, "TransfersList"), Transferred="0")
    return app


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


# -------------------------------------------------------------------------------- timeouts
def current_timeout_type(claim: Claim) -> str:
    """``@TimeOutType`` of the running deadline (empty without one)."""
    rule = DEADLINES.get(claim.deadline_rule or "")
    if rule is None or claim.deadline_date is None:
        return ""
    return rule.timeout_type(claim.phase) or ""


def _timeouts(src: DataSources) -> etree._Element:
    claim = src.claim
    node = etree.Element("Timeouts")
    _set(
        etree.SubElement(node, "CurrentTimeout"),
        TimeOutType=current_timeout_type(claim),
        SelectedTimeOut=_iso(claim.deadline_date if current_timeout_type(claim) else None),
    )
    if claim.liability_deadline is not None:
        rta = Service(claim.service) is Service.RTA
        tag = "MIBorArt75" if rta and claim.liability_rule == _MIB_OR_ART75 else "Insurer"
        pre = etree.SubElement(node, "PreCalculatedTimeouts")
        cnf = etree.SubElement(pre, "ClaimNotificationForm")
        _set(
            etree.SubElement(cnf, tag),
            LiabilityDecisionTimeout=_iso(claim.liability_deadline),
            Stage1PaymentTimeout=_iso(claim.stage1_costs_deadline),
        )
    return node
