"""Generate the pack XSDs of schemas/<service>/<release>/ from the tables of payloads.md.

The XSDs are the contract of the embedded XML packs; this script keeps them equal to the
specification. It reads, from payloads.md:

* the file lists of section 1.1 / 1.2 (file name of every pack per release),
* the ``| Element (occurs) | Attribute | Type | Req |`` tables of sections 2-6 (one per pack and
  service, written for the latest release),
* the code lists of section 8 and the ``TimeOutType`` codes of section 7,

applies the release differences of section 2.5 in code (``derive_*`` functions below) and
writes, per release folder, one XSD per pack plus one included ``CommonTypes-<SVC>-<REL>.xsd``
(simple types, the ``Address`` type and the code lists in force in that release). Every release
folder is self-contained because it is served as ``<service root>/xsd/<release>/<file>``.

    python tools/gen_schemas.py [--spec ../shared/spec/payloads.md] [--out schemas] [--check]

``--check`` writes nothing and exits 1 when a committed file differs from what the spec gives.
The generated files are committed; they are the product, this script keeps them in sync.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = ROOT.parent / "shared" / "spec" / "payloads.md"

RELEASES = {"rta": ["R5", "R6", "R7"], "elpl": ["R5", "R6"]}
SERVICE_LABEL = {"rta": "RTA", "elpl": "ELPL"}

ROOT_TO_PACK = {
    "DocumentInput": "cnf",
    "InsurerResponseA2A": "insurer-response",
    "InterimSettlementPackRequest": "isp-request",
    "InterimSettlementPackResponse": "isp-response",
    "Stage2SettlementPackRequest": "s2sp-request",
    "Stage2SettlementPackResponse": "s2sp-response",
    "Stage2SettlementPackCounterOfferByCR": "s2sp-counter-offer-cr",
    "Stage2SettlementPackCounterOfferByCM": "s2sp-counter-offer-cm",
    "Stage2SettlementPackAdditionalDamagesRequest": "ad-request",
    "Stage2SettlementPackAdditionalDamagesResponse": "ad-response",
    "CourtProceedingPackRequest": "cpp-request",
    "CourtProceedingPackResponse": "cpp-response",
}
# Row labels of the section 1.1 / 1.2 file tables -> pack id.
FILE_ROW_TO_PACK = [
    ("CNF (`addClaim`)", "cnf"),
    ("CNF (`resendRejectedClaim`)", "cnf-resend"),
    ("Insurer response", "insurer-response"),
    ("ISP request", "isp-request"),
    ("ISP response", "isp-response"),
    ("S2SP request", "s2sp-request"),
    ("S2SP response", "s2sp-response"),
    ("CR counter offer", "s2sp-counter-offer-cr"),
    ("CM counter offer", "s2sp-counter-offer-cm"),
    ("AD request", "ad-request"),
    ("AD response", "ad-response"),
    ("CPP request", "cpp-request"),
    ("CPP response", "cpp-response"),
    ("Data", "data"),
]
PACK_TITLE = {
    "cnf": "Claim Notification Form (addClaim)",
    "cnf-resend": "Claim Notification Form (resendRejectedClaim)",
    "insurer-response": "Insurer response (sendLiabilityDecision)",
    "isp-request": "Interim settlement pack request (addInterimSPFRequest)",
    "isp-response": "Interim settlement pack response (addInterimSPFResponse)",
    "s2sp-request": "Stage 2 settlement pack request (addStage2SPFRequest)",
    "s2sp-response": "Stage 2 settlement pack response (addStage2SPFResponse)",
    "s2sp-counter-offer-cr": "Stage 2 counter offer by CR (addStage2SPFCounterOfferByCR)",
    "s2sp-counter-offer-cm": "Stage 2 counter offer by CM (addStage2SPFCounterOfferByCM)",
    "ad-request": "Additional damages request (addS2SPFAdditionalDamagesRequest)",
    "ad-response": "Additional damages response (addS2SPFAdditionalDamagesResponse)",
    "cpp-request": "Court proceedings pack request (addCPPFRequest)",
    "cpp-response": "Court proceedings pack response (addCPPFResponse)",
    "data": "getClaim output document (Data)",
}
TARIFF_ATTRS = {
    "TariffType",
    "SelectDurationOfTheInjury",
    "ExcepCircumstancesUplift",
    "ExcepCircumstancesUpliftPerc",
    "ExcepCircumstancesUpliftNote",
}
# RTA claimant packs: before R7 loss type 12 was admitted only in compensator replies, AD and CPP.
RTA_CLAIMANT_PACKS_WITHOUT_12 = {"isp-request", "s2sp-request", "s2sp-counter-offer-cr"}

# Patterns of payloads.md section 2.1, as XSD regular expressions (implicitly anchored).
PATTERNS = {
    "ReferenceNumberType": (
        "[P-REF]",
        r"[^\|¦#$,£~\^`\[\]\{\}_€¬][A-Za-z0-9 \\/.\-]{0,48}[A-Za-z0-9]?",
        "reference number, max 50 characters",
    ),
    "NINumberType": (
        "[P-NINO]",
        r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D ]",
        "National Insurance number",
    ),
    "TimeType": ("[P-TIME]", r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?", "HH:MM[:SS]"),
    "AskCUEPIReferenceType": (
        "[P-ASKCUE]",
        r"(ASKCUEPI)?[0-9]{1,10}",
        "AskCUE PI reference, max 18 characters",
    ),
    "MedCoCaseIDType": ("[P-MEDCO]", r"[0-9]{1,9}/[0-9]", "MedCo case id, 3-11 characters"),
    "OICReferenceNumberType": ("[P-OIC]", r"OIC-[0-9\-]{1,28}", "Official Injury Claim reference"),
    "CMCAuthorisationNumberType": ("[P-CMCAUTH]", r"[0-9]{1,7}", "CMC authorisation number"),
    # "3 letters": both cases are admitted (decided here; the spec's example is upper case).
    "CRUReferenceNumberType": ("[P-CRU]", r"[A-Za-z]{3}[0-9]{3}", "CRU reference"),
    "OtherTitleType": (
        "[P-TITLE]",
        r"([A-Za-z0-9 .]{0,8}[A-Za-z0-9.])?",
        "other title, up to 9 characters, not ending with a space",
    ),
}
PATTERN_MAX = {
    "ReferenceNumberType": 50,
    "AskCUEPIReferenceType": 18,
    "MedCoCaseIDType": 11,
    "OtherTitleType": 9,
    "NINumberType": 9,
}
PATTERN_MIN = {"MedCoCaseIDType": 3}
TAG_TO_PATTERN = {tag: name for name, (tag, _, _) in PATTERNS.items()}
# The RTA R7 resend schema keeps the narrower historic OIC pattern (payloads.md section 1).
OIC_RESEND_PATTERN = r"OIC-[0-9]{1,10}"


class SpecError(Exception):
    """The specification does not have the shape this generator expects."""


# --------------------------------------------------------------------------------------------
# Model


@dataclass
class Attr:
    name: str
    type: str  # type text in the notation of payloads.md, e.g. "string(1–50) [P-REF]"
    required: bool
    note: str | None = None
    inline: str | None = None  # raw XSD simpleType body overriding ``type`` (rare)


@dataclass
class Node:
    name: str
    min: int
    max: int | None  # None = unbounded
    attrs: list[Attr] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    address: bool = False  # element of the shared Address type (payloads.md section 2.1)
    output: bool = False  # in a Data document: Address becomes OutputAddress (all optional)
    note: str | None = None
    all_group: bool = False  # xs:all instead of xs:sequence (Data documents only)

    def child(self, path: str) -> Node:
        node = self
        for part in path.split("/"):
            matches = [c for c in node.children if c.name == part]
            if len(matches) != 1:
                raise SpecError(f"{self.name}: no single child {part!r} on the way to {path!r}")
            node = matches[0]
        return node

    def attr(self, name: str) -> Attr:
        for a in self.attrs:
            if a.name == name:
                return a
        raise SpecError(f"{self.name}: no attribute {name!r}")

    def walk(self) -> Iterator[Node]:
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass
class Table:
    service: str
    root: Node
    section: str


# --------------------------------------------------------------------------------------------
# Parsing payloads.md

ELEMENT_CELL = re.compile(r"^`([^`]+)` \((\d+)\.\.(\d+|n)\)$")
ATTR_CELL = re.compile(r"^`@([A-Za-z0-9_]+)`$")
TABLE_HEADER = "| Element (occurs) | Attribute | Type | Req |"


def split_row(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse_pack_tables(text: str) -> dict[tuple[str, str], Table]:
    lines = text.splitlines()
    heading, para = "", ""
    tables: dict[tuple[str, str], Table] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading, para = line, ""
        elif line.strip() == TABLE_HEADER:
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(split_row(lines[i]))
                i += 1
            service = "elpl" if ("EL/PL" in heading or "EL/PL" in para) else "rta"
            root = build_tree(rows, heading)
            pack = ROOT_TO_PACK.get(root.name)
            if pack is None:
                raise SpecError(f"unknown pack root {root.name} under {heading}")
            if (service, pack) in tables:
                raise SpecError(f"two tables for {service} {pack}")
            section = heading.lstrip("#").strip().split(" ")[0]
            tables[(service, pack)] = Table(service, root, section)
            para = ""
            continue
        elif line.strip() and not line.startswith("|"):
            para = line
        i += 1
    return tables


def build_tree(rows: list[list[str]], where: str) -> Node:
    root: Node | None = None
    by_path: dict[str, Node] = {}
    current: Node | None = None
    for cells in rows:
        if len(cells) != 4:
            raise SpecError(f"{where}: row with {len(cells)} cells: {cells}")
        elem, attr, typ, req = cells
        if elem:
            m = ELEMENT_CELL.match(elem)
            if not m:
                raise SpecError(f"{where}: bad element cell {elem!r}")
            path, lo, hi = m.group(1), int(m.group(2)), m.group(3)
            node = Node(path.rsplit("/", 1)[-1], lo, None if hi == "n" else int(hi))
            if typ.startswith("Address"):
                node.address = True
            elif typ:
                raise SpecError(f"{where}: element {path} with type {typ!r}")
            if root is None:
                root = node
            else:
                parent_path = path.rsplit("/", 1)[0] if "/" in path else ""
                parent = by_path[parent_path] if parent_path else root
                parent.children.append(node)
                by_path[path] = node
            current = node
        else:
            m = ATTR_CELL.match(attr)
            if not m or current is None or req not in ("R", "O"):
                raise SpecError(f"{where}: bad attribute row {cells}")
            current.attrs.append(Attr(m.group(1), typ, req == "R"))
    if root is None:
        raise SpecError(f"{where}: empty table")
    return root


def parse_file_lists(text: str) -> dict[tuple[str, str, str], str]:
    """(service, release, pack) -> XSD file name, from sections 1.1 and 1.2."""
    out: dict[tuple[str, str, str], str] = {}
    for service, heading in (("rta", "### 1.1"), ("elpl", "### 1.2")):
        block = text.split(heading, 1)[1].split("\n#", 1)[0]
        rows = [split_row(x) for x in block.splitlines() if x.startswith("|")][2:]
        for cells in rows:
            pack = next((p for label, p in FILE_ROW_TO_PACK if cells[0].startswith(label)), None)
            if pack is None:
                raise SpecError(f"unknown file row {cells[0]!r}")
            previous = ""
            for release, cell in zip(RELEASES[service], cells[1:], strict=True):
                cell = re.sub(r"\s*\(decided\)\s*$", "", cell)
                if m := re.fullmatch(r"`([A-Za-z0-9_.\-]+\.xsd)`", cell):
                    name = m.group(1)
                elif m := re.fullmatch(r"same v(\d+\.\d+)", cell):
                    name = previous
                    if not name.endswith(f"-v{m.group(1)}.xsd"):
                        raise SpecError(f"{cell!r} does not match {previous}")
                elif m := re.fullmatch(r"`…-v(\d+\.\d+)\.xsd`", cell):
                    name = previous.rsplit("-v", 1)[0] + f"-v{m.group(1)}.xsd"
                else:
                    raise SpecError(f"bad file cell {cell!r}")
                out[(service, release, pack)] = name
                previous = name
    return out


def section(text: str, start: str) -> str:
    return text.split(start, 1)[1].split("\n#", 1)[0]


def strip_label(label: str) -> str:
    label = re.sub(r"\s*\((decided|only in|declared|system only|note)[^)]*\)", "", label)
    return label.replace("`", "").strip()


@dataclass
class CodeList:
    name: str
    values: list[tuple[str, str]]  # (value, label)
    note: str | None = None


@dataclass
class RawCodes:
    simple: dict[str, list[tuple[str, str, str]]]  # name -> (value, label, flag)
    loss: list[tuple[str, str, str, str]]  # value, label, RTA, EL/PL (section 8.1.1)
    rejection: list[tuple[str, str, str, str]]  # value, label, RTA, EL/PL (section 8.2)
    exits: list[tuple[str, str, list[str]]]  # value, label, four availability cells (8.3)
    fraud: list[tuple[str, str]]
    timeouts: list[tuple[str, str]]


def parse_code_lists(text: str) -> RawCodes:
    """Raw code list data: the simple lists of 8.1 and the tables of 8.1.1-8.4 and section 7."""
    simple: dict[str, list[tuple[str, str, str]]] = {}
    for line in section(text, "### 8.1 C00").splitlines():
        if not line.startswith("| `C"):
            continue
        names_cell, values_cell = split_row(line)
        names = re.findall(r"`(C\d\d_[A-Za-z0-9_]+)`", names_cell)
        suffixes = re.findall(r"`(_[A-Za-z0-9]+)`", names_cell)
        names += [names[0] + s for s in suffixes]
        values: list[tuple[str, str, str]] = []
        for seg in values_cell.split(" · "):
            m = re.match(r"^`([^`]+)` (.*)$", seg.strip())
            if not m:
                values = []
                break
            flag = "older" if "only in older output schemas" in m.group(2) else ""
            values.append((m.group(1), strip_label(m.group(2)), flag))
        for n in names:
            simple[n] = values
    loss: list[tuple[str, str, str, str]] = []
    for line in section(text, "#### 8.1.1").splitlines():
        if re.match(r"^\| `\d+` \|", line):
            v, label, rta, elpl = split_row(line)
            loss.append((v.strip("`"), strip_label(label), rta, elpl))
    rejection: list[tuple[str, str, str, str]] = []
    for line in section(text, "### 8.2").splitlines():
        if re.match(r"^\| `\d+` \|", line):
            v, label, rta, elpl = split_row(line)
            rejection.append((v.strip("`"), strip_label(label), rta, elpl))
    exits: list[tuple[str, str, list[str]]] = []
    for line in section(text, "### 8.3").splitlines():
        if re.match(r"^\| `\d+` \|", line):
            v, label, *cols = split_row(line)
            exits.append((v.strip("`"), strip_label(label), cols))
    fraud: list[tuple[str, str]] = []
    for line in section(text, "### 8.4").splitlines():
        if re.match(r"^\| `\d+` \|", line):
            v, label = split_row(line)
            fraud.append((v.strip("`"), strip_label(label)))
    timeouts: list[tuple[str, str]] = []
    block = text.split("**`TimeOutType` codes", 1)[1].split("\n## ", 1)[0]
    for line in block.splitlines():
        if re.match(r"^\| `\d+` \|", line):
            v, label = split_row(line)
            timeouts.append((v.strip("`"), label))
    return RawCodes(simple, loss, rejection, exits, fraud, timeouts)


def available(cell: str, release: str) -> bool:
    """Whether a code of the 8.1.1-8.3 tables exists in a release ("yes", "R5+", "R7", "-")."""
    cell = cell.strip()
    if cell in ("–", "-", ""):
        return False
    if cell == "yes" or cell.startswith("R5+"):
        return True
    if cell.startswith("R7"):
        return release == "R7"
    raise SpecError(f"availability cell {cell!r}")


def code_lists(raw: RawCodes, service: str, release: str) -> dict[str, CodeList]:
    """Every code list that can be used by the schemas of one release folder."""
    out: dict[str, CodeList] = {}
    for name, values in raw.simple.items():
        if not values:
            continue
        vals = [(v, label) for v, label, flag in values if not (flag and name.endswith("_R3"))]
        out[name] = CodeList(name, vals)
    out["C17_LiabilityDecision_ELPL"] = CodeList(
        "C17_LiabilityDecision_ELPL",
        out["C17_LiabilityDecision"].values,
        "same values as C17_LiabilityDecision (payloads.md section 8.1)",
    )
    c36 = [(str(i), f"{i} %") for i in range(1, 21)]
    out["C36_ExcepCircumstancesUpliftPerc"] = CodeList("C36_ExcepCircumstancesUpliftPerc", c36)
    loss = raw.loss
    out["C18_LossType_R7"] = CodeList(
        "C18_LossType_R7",
        [(v, lb) for v, lb, rta, _ in loss if rta.strip() != "–"],
        "RTA R7: every pack (payloads.md section 8.1.1)",
    )
    out["C18_LossType"] = CodeList(
        "C18_LossType",
        [(v, lb) for v, lb, rta, _ in loss if rta.strip() == "yes"],
        "RTA R5-R6 claimant packs (ISP request, S2SP request, CR counter offer): no 12, no 16",
    )
    out["C18_LossType_A2A_R3"] = CodeList(
        "C18_LossType_A2A_R3",
        [(v, lb) for v, lb, rta, _ in loss if rta.strip() not in ("–", "R7 only")],
        "RTA R5-R6 compensator replies, AD and CPP (12 admitted); also the EL/PL ISP response",
    )
    out["C18_LossType_ELPL"] = CodeList(
        "C18_LossType_ELPL",
        [(v, lb) for v, lb, _, elpl in loss if elpl.strip() == "yes"],
        "EL/PL loss types",
    )
    rej = raw.rejection
    col = 2 if service == "rta" else 3
    name = "C30_ReasonForRejection" + ("" if service == "rta" else "_ELPL")
    out[name] = CodeList(name, [(r[0], r[1]) for r in rej if available(r[col], release)])
    exits = raw.exits
    cr_col, cm_col = (0, 1) if service == "rta" else (2, 3)
    cr_name = "C24_ReasonForExitCR_R2" if service == "rta" else "C24_ReasonForExitCR_ELPL"
    out[cr_name] = CodeList(
        cr_name, [(v, lb) for v, lb, c in exits if available(c[cr_col], release)]
    )
    out["C25_ReasonForExitCM"] = CodeList(
        "C25_ReasonForExitCM", [(v, lb) for v, lb, c in exits if available(c[cm_col], release)]
    )
    out["C12_RejectReason"] = CodeList("C12_RejectReason", raw.fraud)
    rta_only = {"12", "41", "42"}
    timeouts = [(v, lb) for v, lb in raw.timeouts if service == "rta" or v not in rta_only]
    out["TimeOutTypeCode"] = CodeList(
        "TimeOutTypeCode",
        [("", "no running deadline"), *timeouts],
        "getClaim Timeouts/CurrentTimeout/@TimeOutType (payloads.md section 7); empty allowed",
    )
    return out


# --------------------------------------------------------------------------------------------
# Release differences (payloads.md section 2.5 and section 1, last paragraph)


def strip_tariff(root: Node) -> None:
    for node in root.walk():
        node.attrs = [a for a in node.attrs if a.name not in TARIFF_ATTRS]


def replace_type(root: Node, old: str, new: str) -> None:
    for node in root.walk():
        for a in node.attrs:
            if a.type == f"`{old}`":
                a.type = f"`{new}`"


LIMIT_NOTE = (
    "Line limit before R7 (decided; payloads.md section 2.5 gives only the R7 limits 16/17): "
    "one less than R7 because R7 added loss type 16"
)
DISBURSEMENT_NOTE = (
    "Disbursement rows and ids before R7 (decided): up to 12, as in EL/PL; R7 raised both to 17"
)


def derive_rta_pack_before_r7(root: Node, pack: str) -> Node:
    """RTA R5/R6 shape of a non-CNF pack from its R7 table ("Other packs are unchanged from R5")."""
    root = copy.deepcopy(root)
    strip_tariff(root)
    older = "C18_LossType" if pack in RTA_CLAIMANT_PACKS_WITHOUT_12 else "C18_LossType_A2A_R3"
    replace_type(root, "C18_LossType_R7", older)
    for node in root.walk():
        if node.name == "DisbursementDisputedRequestResponse":
            node.max, node.note = 12, DISBURSEMENT_NOTE
            for a in node.attrs:
                if a.name == "DisbursementId":
                    a.type = "integer 1–12"
        elif node.max in (16, 17):
            node.max, node.note = node.max - 1, LIMIT_NOTE
    return root


def old_funding_attrs(text: str, service: str) -> list[Attr]:
    """The pre-R6 Funding attributes; names from section 2.5, types decided here."""
    row = next(x for x in text.splitlines() if x.startswith("| RTA R6 |"))
    names = re.findall(r"`@([A-Za-z0-9]+)`", row.split("Before R6", 1)[1])
    types = {
        "FundingUndertaken": "`C00_YNFlag`",
        "Section58": "`C00_YNFlag`",
        "ConditionalFeeDate": "date (≥1900-01-01)",
        "Section29": "`C00_YNFlag`",
        "ICName": "string(≤100)",
        "ICAddress": "string(≤500)",
        "PolicyNumber": "string(≤50)",
        "PolicyDate": "date (≥1900-01-01)",
        "LevelOfCover": "string(≤100)",
        "PremiumsStaged": "`C00_YNFlag`",
        "IncreasingPoint": "string(≤100)",
        "MembershipOrganisation": "`C00_YNFlag`",
        "OrganizationName": "string(≤100)",
        "AgreementDate": "date (≥1900-01-01)",
        "Ohter": "`C00_YNFlag`",
        "OtherDetails": "string(≤500)",
        "ConsideredFreeLegalExpIns": "`C00_YNFlag`",
        "Comments": "string(≤1000)",
    }
    if names != list(types):
        raise SpecError(f"pre-R6 Funding attributes changed in the spec: {names}")
    attrs = []
    for n in names:
        typ = types[n]
        if service == "elpl":
            if n == "Ohter":
                n = "Other"  # EL/PL spells it correctly (section 2.5, EL/PL R6 row)
            if n == "Comments":
                typ = "string(≤5000)"
        attrs.append(Attr(n, typ, n == "FundingUndertaken"))
    return attrs


FUNDING_NOTE = (
    "Pre-R6 Funding section (payloads.md section 2.5): required; attribute names from the spec, "
    "types decided here (flags C00_YNFlag, dates, free text), only @FundingUndertaken required"
)


def derive_cnf(text: str, r7: Node, service: str, release: str, resend: bool) -> Node:
    """CNF (addClaim or resendRejectedClaim) of one release from the latest table."""
    root = copy.deepcopy(r7)
    if service == "rta" and release != "R7":
        details = root.child("ApplicationData/ClaimDetails")
        details.attrs = [a for a in details.attrs if a.name != "OICReferenceNumber"]
    if release == "R5":
        rep = root.child("ClaimAndClaimantDetails/ClaimantRepresentative")
        if service == "rta":
            rep.children = [c for c in rep.children if c.name != "ReferralSourceInfo"]
        company = rep.child("CompanyDetails")
        company.attrs = [a for a in company.attrs if a.name != "BranchName"]
        company.child("Address").min = 1
        funding = root.child("LiabilityFunding/Funding")
        funding.min, funding.attrs, funding.note = 1, old_funding_attrs(text, service), FUNDING_NOTE
    if resend and service == "rta" and release == "R5":
        cue = root.child("ClaimAndClaimantDetails/ClaimantDetails").attr("AskCUEPIReference")
        cue.required = False
        cue.note = (
            "The historic R5 resend schema has no @AskCUEPIReference: on an R5 resend it is "
            "optional (payloads.md section 1); its format is still checked when present"
        )
    if resend and service == "rta" and release == "R7":
        oic = root.child("ApplicationData/ClaimDetails").attr("OICReferenceNumber")
        oic.inline = (
            f'<xs:restriction base="xs:string"><xs:pattern value={quoteattr(OIC_RESEND_PATTERN)}/>'
            "</xs:restriction>"
        )
        oic.note = (
            "Historic R7 resend restriction: OIC- followed by 1-10 digits. The server "
            "validates resends with the wider AddClaim pattern [P-OIC] instead "
            "(payloads.md section 1, decided)"
        )
    return root


# --------------------------------------------------------------------------------------------
# getClaim Data document (payloads.md section 7)


def A(name: str, typ: str = "string") -> Attr:
    return Attr(name, typ, False)


def N(
    name: str,
    attrs: list[Attr] | None = None,
    children: list[Node] | None = None,
    lo: int = 0,
    hi: int | None = 1,
) -> Node:
    return Node(name, lo, hi, attrs or [], children or [])


ODATE = "optional date"  # Data dates: xs:date >= 1900-01-01 or empty


def output_copy(node: Node, keep_min: bool) -> Node:
    """Output type of a pack subtree: every attribute optional, elements optional unless kept."""
    out = copy.deepcopy(node)
    for n in out.walk():
        for a in n.attrs:
            a.required = False
        n.output = True
        if not keep_min:
            n.min = 0
    return out


def merge(a: Node, b: Node) -> Node:
    """Union of two pack trees (request and response merged into one Data section)."""
    out = copy.deepcopy(a)
    names = {x.name for x in out.attrs}
    out.attrs += [copy.deepcopy(x) for x in b.attrs if x.name not in names]
    if a.max is None or b.max is None:
        out.max = None
    else:
        out.max = max(a.max, b.max)
    for cb in b.children:
        same = [i for i, ca in enumerate(out.children) if ca.name == cb.name]
        if same:
            out.children[same[0]] = merge(out.children[same[0]], cb)
        else:
            out.children.append(copy.deepcopy(cb))
    return out


def pack_section(name: str, trees: list[Node]) -> Node:
    merged = output_copy(trees[0], keep_min=False)
    for t in trees[1:]:
        merged = merge(merged, output_copy(t, keep_min=False))
    merged.name, merged.min, merged.max = name, 0, 1
    return merged


def add_attrs(node: Node, *attrs: Attr) -> None:
    names = {a.name for a in node.attrs}
    node.attrs += [a for a in attrs if a.name not in names]


def offer_history() -> list[Node]:
    hist = [
        A("DateOfReply", ODATE),
        A("GrossAmount", "amount"),
        A("InterimPaymentAmount", "amount"),
        A("AgreedAmount", "amount"),
        A("Comments", "string(≤500)"),
    ]
    return [
        N("ClaimantResponsesToDefendantReplies", copy.deepcopy(hist), hi=None),
        N("DefendantResponsesToClaimantReplies", copy.deepcopy(hist), hi=None),
    ]


def stage2_extras(sec: Node, service: str, release: str, defendant_lines: str) -> None:
    """Output-only parts of a Stage 2 (or AD) section: agreement history, extension, dates."""
    add_attrs(sec.child(defendant_lines), A("AgreedInS2SP", "`C00_YNFlag`"))
    agreement = sec.child("AgreementData")
    final = [c for c in agreement.children if c.name == "FinalAgreementDetails"]
    if not final:
        final = [N("FinalAgreementDetails")]
    add_attrs(final[0], A("AgreementReached", "`C00_YNFlag`"))
    others = [c for c in agreement.children if c.name != "FinalAgreementDetails"]
    agreement.children = offer_history() + final + others
    total = sec.child("Total/CurrentTotal")
    if service == "rta" and release == "R7":
        add_attrs(total, A("TotalUplift", "amount"))
    sec.children.append(
        N(
            "LastExtendedTime",
            [A("NewTimeOutDate", ODATE), A("ReasonForExtension", "`C23_ReasonForExtension`")],
        )
    )
    sec.children.append(
        N(
            "Stage2ClaimantDefendantDates",
            [
                A("DateOfClaimantFirstOffer", ODATE),
                A("DateOfDefendantFirstReply", ODATE),
                A("DateOfClaimantLastOffer", ODATE),
                A("DateOfDefendantLastReply", ODATE),
            ],
        )
    )


def application_data(service: str, release: str) -> Node:
    rta = service == "rta"
    ids = [A(n) for n in ("ClaimID",)]
    ids[0].type = "application id"
    ids += [
        A(n)
        for n in (
            "RepresentativeID",
            "RepresentativeName",
            "RepresentativeBranchID",
            "RepresentativeBranchName",
            "RepresentativeOrgPath",
            "InsurerID",
            "InsurerName",
            "InsurerBranchID",
            "InsurerBranchName",
            "InsurerAcceptingBranchID",
            "InsurerAcceptingBranchName",
        )
    ]
    ids += [
        A("EndDate", ODATE),
        A("MainApplicant"),
        A("AllocatedUserId"),
        A("AllocatedUserName"),
        A("AllocatedSurname"),
        A("InsurerClaimReferenceNumber", "string(≤50) [P-REF]"),
        A("CRUReferenceNumber"),
    ]
    if rta:
        ids += [
            A("ClaimValue", "`C29_ClaimValue`"),
            A("AskCUEPIReference", "string(≤18) [P-ASKCUE]"),
            A("MedCoCaseID"),
        ]
    if rta:
        details = [
            A("SentDate", ODATE),
            A("Article75", "`C00_YNFlag`"),
            A("ClaimValue", "`C29_ClaimValue`"),
            A("InterimPaymentTimeoutExtended", "`C00_YNFlag`"),
        ]
        if release == "R7":
            details.append(A("OICReferenceNumber", "string [P-OIC]"))
    else:
        details = [
            A("NotificationDate", ODATE),
            A("InterimPaymentTimeoutExtended", "`C00_YNFlag`"),
            A("ClaimValue", "`C29_ClaimValue`"),
            A("ClaimType", "`C30_ClaimType`"),
        ]
    child_flags = [
        "isClaimantChildAtStage1Response",
        "isClaimantChildAtStage2Request",
        "isClaimantChildAtStage2Agreement",
    ]
    if rta:
        child_flags.append("isClaimantChildAtStage2AgreementAD")
    exit_cr = "C24_ReasonForExitCR_R2" if rta else "C24_ReasonForExitCR_ELPL"
    allocated = [A("AllocatedUserId"), A("AllocatedUserName"), A("AllocatedUserSurname")]
    rejection = "C30_ReasonForRejection" + ("" if rta else "_ELPL")
    return N(
        "ApplicationData",
        lo=1,
        children=[
            N("ApplicationIDs", ids),
            N("ClaimDetails", details),
            N("ClaimantDetails", [A(n, "`C00_YNFlag`") for n in child_flags]),
            N(
                "FraudStated",
                [A("FraudReasonCode", "`C12_RejectReason`"), A("FraudComment", "string(≤500)")],
            ),
            N(
                "StatementOfTruth",
                [
                    A("SignatoryType", "`C16_SignatoryType`"),
                    A("RetainedSignedCopy", "`C00_YNFlag`"),
                ],
            ),
            N(
                "ExitProcess",
                children=[
                    N(
                        "ExitCR",
                        [A("ExitReasonCode", f"`{exit_cr}`"), A("ExitComment", "string(≤500)")],
                    ),
                    N(
                        "ExitCM",
                        [
                            A("ExitReasonCode", "`C25_ReasonForExitCM`"),
                            A("ExitComment", "string(≤500)"),
                        ],
                    ),
                ],
            ),
            N(
                "AllocatedUser",
                children=[
                    N("AllocatedCR", copy.deepcopy(allocated)),
                    N("AllocatedCM", copy.deepcopy(allocated)),
                ],
            ),
            N("InterimPackRejected", [A("InterimPackRejectionComment", "string(≤500)")]),
            N("Rejection", [A("RejectionReasonCode", f"`{rejection}`")]),
            N(
                "TransfersList",
                [A("Transferred", "`C00_YNFlag`")],
                [N("Transfer", [A("TransferID"), A("TransferDesc")], hi=None)],
            ),
        ],
    )


def timeouts(service: str) -> Node:
    rta = service == "rta"
    liability = [A("LiabilityDecisionTimeout", ODATE), A("Stage1PaymentTimeout", ODATE)]
    cnf = [N("Insurer", copy.deepcopy(liability))]
    if rta:
        cnf.append(N("MIBorArt75", copy.deepcopy(liability)))
    pre = [
        N("ClaimNotificationForm", children=cnf),
        N(
            "InterimSettlementPack",
            children=[
                N("LowPayment", [A("InterimPaymentTimeout", ODATE)]),
                N("HighPayment", [A("InterimPaymentTimeout", ODATE)]),
            ],
        ),
        N(
            "Stage2SettlementPack",
            children=[
                N("Stage2DecisionOrCounterOffer", [A("Stage2DecisionOrCounterOfferTimeout", ODATE)])
            ],
        ),
    ]
    if rta:
        pre.append(
            N(
                "Stage2AdditionalDamagesPack",
                children=[
                    N(
                        "Stage2AdditionalDamagesDecision",
                        [A("Stage2AdditionalDamagesDecisionTimeout", ODATE)],
                    )
                ],
            )
        )
    pre.append(
        N(
            "CourtProceedingsPack",
            children=[N("CourtProceedings", [A("CourtProceedingsTimeout", ODATE)])],
        )
    )
    return N(
        "Timeouts",
        lo=1,
        children=[
            N(
                "CurrentTimeout",
                [A("TimeOutType", "`TimeOutTypeCode`"), A("SelectedTimeOut", ODATE)],
                lo=1,
            ),
            N("PreCalculatedTimeouts", children=pre),
        ],
    )


DATA_NOTE = (
    "Data document of getClaim (payloads.md section 7). Output types: every attribute is optional. "
    "The CNF sections and InsurerResponse keep the order of the pack as sent (output-only "
    "elements appended). Where section 7 fixes no order (the sections of Data, ApplicationData, "
    "Timeouts and the merged request+response pack sections) children without repetition form "
    "an xs:all group and may come in any order; elsewhere the order is request before response, "
    "then the output-only elements. "
    "Names of output-only elements not spelt out by section 7 (Phase2ClaimantDefendantDates, "
    "Stage2ClaimantDefendantDates, CourtProceedingsDates, HospitalSearch attributes) are "
    "decided here."
)


def data_document(packs: dict[str, Node], service: str, release: str) -> Node:
    rta = service == "rta"
    cnf = packs["cnf"]
    sections: list[Node] = [application_data(service, release)]
    for sec in cnf.children:
        if sec.name == "ApplicationData":
            continue
        out = output_copy(sec, keep_min=True)
        if sec.name == "ClaimAndClaimantDetails":
            rep = out.child("ClaimantRepresentative")
            rep.children = [c for c in rep.children if c.name != "ReferralSourceInfo"]
            add_attrs(out.child("ClaimantDetails"), A("Age", "integer 0–150"))
        if sec.name == "MedicalDetails" and rta:
            out.children.append(
                N(
                    "HospitalSearch",
                    [
                        A("HospitalCode", "string(≤50)"),
                        A("HospitalName", "string(≤100)"),
                        A("PostCode", "string(≤8)"),
                        A("AddressLine1", "string(≤100)"),
                        A("AddressLine2", "string(≤100)"),
                        A("AddressLine3", "string(≤100)"),
                        A("AddressLine4", "string(≤100)"),
                    ],
                    hi=4,
                )
            )
        sections.append(out)
    ir = pack_section("InsurerResponse", [packs["insurer-response"]])
    add_attrs(ir, A("NotificationDate", ODATE), A("ResponseDate", ODATE))
    if rta:
        add_attrs(ir, A("DateOfInsurerFirstOffer", ODATE), A("DateOfReplyToClaimant", ODATE))
    sections.append(ir)

    isp = pack_section("InterimSettlementPack", [packs["isp-request"], packs["isp-response"]])
    isp.max = None
    isp.attrs.insert(0, A("InterimPaymentNumber", "integer 1–"))
    add_attrs(
        isp.child("ClaimantLosses/ClaimantLossesToDate"), A("ValueClaimedAfterContrib", "amount")
    )
    add_attrs(
        isp.child("DefendantReplies/DefendantResponse"),
        A("GrossValueOffered", "amount"),
        A("ValueOfferedAfterContrib", "amount"),
        A("AmountInDispute", "amount"),
    )
    totals = [
        A("TotalHeads", "amount"),
        A("LossesOffered", "amount"),
        A("CRUDeductions", "amount"),
        A("NetValue", "amount"),
        A("InterimPaymentReceived", "amount"),
    ]
    if rta and release == "R7":
        totals += [
            A("TotalTariff", "amount"),
            A("TotalPSLA", "amount"),
            A("TotalOtherLosses", "amount"),
        ]
    add_attrs(isp.child("Total/LossesTotal"), *totals)
    add_attrs(
        isp.child("InterimPayment/ClaimantRequestForInterimPayment"),
        A("DateOfRequest", ODATE),
        A("ValueOfInterimRequest", "amount"),
        A("PaymentDecision", "`C19_PaymentDecision`"),
    )
    add_attrs(
        isp.child("InterimPayment/DefendantResponsesToInterimPaymentRequest"),
        A("DateOfResponse", ODATE),
        A("ValueOfInterimPaymentAgreed", "amount"),
    )
    isp.children.append(
        N(
            "Phase2ClaimantDefendantDates",
            [
                A("DateOfClaimantRequest", ODATE),
                A("DateOfDefendantResponse", ODATE),
                A("DateOfPaymentDecision", ODATE),
            ],
        )
    )
    sections.append(N("InterimSettlementPackList", children=[isp]))

    s2 = pack_section(
        "Stage2SettlementPack",
        [
            packs["s2sp-request"],
            packs["s2sp-response"],
            packs["s2sp-counter-offer-cr"],
            packs["s2sp-counter-offer-cm"],
        ],
    )
    stage2_extras(s2, service, release, "DefendantReplies/CurrentDefendantResponse")
    sections.append(s2)
    if rta:
        ad = pack_section(
            "Stage2AdditionalDamagesPack", [packs["ad-request"], packs["ad-response"]]
        )
        stage2_extras(ad, service, release, "DefendantReplies/CurrentDefendantResponse")
        sections.append(ad)
    cpp = pack_section("CourtProceedingsPack", [packs["cpp-request"], packs["cpp-response"]])
    cpp.children.append(
        N("CourtProceedingsDates", [A("DateOfRequest", ODATE), A("DateOfResponse", ODATE)])
    )
    sections.append(cpp)
    sections.append(timeouts(service))
    data = N("Data", lo=1, children=sections)
    data.all_group = True
    for sec in data.children:
        if sec.name not in FREE_ORDER_SECTIONS:
            continue  # CNF and insurer response sections keep the order of the pack as sent
        for node in sec.walk():
            if len(node.children) >= 2 and all(c.max == 1 for c in node.children):
                node.all_group = True
    return data


FREE_ORDER_SECTIONS = {
    "ApplicationData",
    "InterimSettlementPackList",
    "Stage2SettlementPack",
    "Stage2AdditionalDamagesPack",
    "CourtProceedingsPack",
    "Timeouts",
}


# --------------------------------------------------------------------------------------------
# XSD emission

STRING_LEN = re.compile(r"^string(?:\((?:(\d+)–(\d+)|≤(\d+))\))?(?: (\[P-[A-Z]+\]))?$")
INTEGER = re.compile(r"^integer (?:(\d+)–(\d*)|\(≤(\d+) digits\))$")


class Emitter:
    """Turns Nodes into XSD text and records which shared types a folder uses."""

    def __init__(self, codes: dict[str, CodeList]) -> None:
        self.codes = codes
        self.used: set[str] = set()

    def use(self, name: str) -> str:
        is_code = (name.startswith("C") and name[1:3].isdigit()) or name == "TimeOutTypeCode"
        if is_code and name not in self.codes:
            raise SpecError(f"unknown code list {name}")
        self.used.add(name)
        return name

    def simple(self, typ: str) -> tuple[str | None, str | None]:
        """(named type, inline restriction) for a type written in the notation of payloads.md."""
        if m := re.fullmatch(r"`([A-Za-z0-9_]+)`", typ):
            return self.use(m.group(1)), None
        if typ == "date (≥1900-01-01)":
            return self.use("DateType"), None
        if typ == ODATE:
            return self.use("OptionalDateType"), None
        if typ in ("amount (decimal 15,2)", "amount"):
            return self.use("AmountType"), None
        if typ == "percent (0–100, 2 dp)":
            return self.use("PercentType"), None
        if typ == "application id":
            return self.use("ApplicationIdType"), None
        if m := INTEGER.match(typ):
            lo, hi, digits = m.groups()
            if digits:
                facet = f'<xs:totalDigits value="{digits}"/>'
                return None, f'<xs:restriction base="xs:integer">{facet}</xs:restriction>'
            facets = f'<xs:minInclusive value="{lo}"/>'
            if hi:
                facets += f'<xs:maxInclusive value="{hi}"/>'
            return None, f'<xs:restriction base="xs:integer">{facets}</xs:restriction>'
        if m := STRING_LEN.match(typ):
            lo, hi, le, tag = m.groups()
            base = "xs:string"
            if tag:
                base = self.use(TAG_TO_PATTERN[tag])
            facets = ""
            if lo is not None:
                facets += f'<xs:minLength value="{lo}"/><xs:maxLength value="{hi}"/>'
            elif le is not None:
                facets += f'<xs:maxLength value="{le}"/>'
            if not facets:
                return base, None
            return None, f'<xs:restriction base="{base}">{facets}</xs:restriction>'
        raise SpecError(f"unknown type notation {typ!r}")

    def attribute(self, a: Attr, ind: str) -> list[str]:
        out = []
        if a.note:
            out.append(f"{ind}<!-- {a.note} -->")
        use = ' use="required"' if a.required else ""
        named, inline = (None, a.inline) if a.inline else self.simple(a.type)
        if named:
            out.append(f'{ind}<xs:attribute name="{a.name}" type="{named}"{use}/>')
        else:
            out.append(f'{ind}<xs:attribute name="{a.name}"{use}>')
            out.append(f"{ind}  <xs:simpleType>{inline}</xs:simpleType>")
            out.append(f"{ind}</xs:attribute>")
        return out

    def element(self, n: Node, ind: str) -> list[str]:
        occ = ""
        if n.min != 1:
            occ += f' minOccurs="{n.min}"'
        if n.max != 1:
            occ += f' maxOccurs="{"unbounded" if n.max is None else n.max}"'
        out = []
        if n.note:
            out.append(f"{ind}<!-- {n.note} -->")
        if n.address:
            type_name = self.use("OutputAddress" if n.output else "Address")
            out.append(f'{ind}<xs:element name="{n.name}" type="{type_name}"{occ}/>')
            return out
        out.append(f'{ind}<xs:element name="{n.name}"{occ}>')
        if not n.children and not n.attrs:
            out.append(f"{ind}  <xs:complexType/>")
        else:
            out.append(f"{ind}  <xs:complexType>")
            if n.children:
                group = "all" if n.all_group else "sequence"
                out.append(f"{ind}    <xs:{group}>")
                for c in n.children:
                    out += self.element(c, ind + "      ")
                out.append(f"{ind}    </xs:{group}>")
            for a in n.attrs:
                out += self.attribute(a, ind + "    ")
            out.append(f"{ind}  </xs:complexType>")
        out.append(f"{ind}</xs:element>")
        return out


def header(service: str, release: str, what: str, source: str, notes: list[str]) -> str:
    lines = [
        "<!--",
        "  GENERATED FILE - do not edit by hand; run tools/gen_schemas.py.",
        f"  Source: payloads.md {source}.",
        f"  Service: {SERVICE_LABEL[service]}  Release: {release}",
        f"  {what}",
    ]
    for note in notes:
        lines.append(f"  {note}")
    lines.append("-->")
    return "\n".join(lines)


def schema_doc(head: str, version: str, include: str, body: list[str]) -> str:
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            head,
            f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" version="{version}">',
            f'  <xs:include schemaLocation="{include}"/>',
            *body,
            "</xs:schema>",
            "",
        ]
    )


def common_types(em: Emitter, service: str, release: str) -> str:
    body: list[str] = []
    used = set(em.used)
    if "Address" in used or "OutputAddress" in used:
        used.add("C01_AddressType")
        em.used.add("C01_AddressType")
    if "OptionalDateType" in used:
        used.add("DateType")

    def simple(name: str, restriction: str, doc: str) -> None:
        body.append(f'  <xs:simpleType name="{name}">')
        body.append(
            f"    <xs:annotation><xs:documentation>{escape(doc)}</xs:documentation></xs:annotation>"
        )
        body.append(f"    {restriction}")
        body.append("  </xs:simpleType>")

    if "AmountType" in used:
        simple(
            "AmountType",
            '<xs:restriction base="xs:decimal"><xs:totalDigits value="15"/>'
            '<xs:fractionDigits value="2"/></xs:restriction>',
            "amount in pounds sterling: 15 digits, 2 decimals",
        )
    if "PercentType" in used:
        simple(
            "PercentType",
            '<xs:restriction base="xs:decimal"><xs:totalDigits value="5"/>'
            '<xs:fractionDigits value="2"/><xs:minInclusive value="0"/>'
            '<xs:maxInclusive value="100"/></xs:restriction>',
            "percentage 0-100, 2 decimals",
        )
    if "DateType" in used:
        simple(
            "DateType",
            '<xs:restriction base="xs:date"><xs:minInclusive value="1900-01-01"/></xs:restriction>',
            "date, not before 1900-01-01",
        )
    if "OptionalDateType" in used:
        body.append('  <xs:simpleType name="OptionalDateType">')
        body.append(
            "    <xs:annotation><xs:documentation>output date: a date not before "
            "1900-01-01, or empty</xs:documentation></xs:annotation>"
        )
        body.append('    <xs:union memberTypes="DateType">')
        body.append(
            '      <xs:simpleType><xs:restriction base="xs:string"><xs:length value="0"/>'
            "</xs:restriction></xs:simpleType>"
        )
        body.append("    </xs:union>")
        body.append("  </xs:simpleType>")
    if "ApplicationIdType" in used:
        simple(
            "ApplicationIdType",
            '<xs:restriction base="xs:string"><xs:pattern value="[0-9]{16}"/></xs:restriction>',
            "claim id (applicationId): 16 digits, zero-padded",
        )
    for name, (tag, regex, doc) in PATTERNS.items():
        if name not in used:
            continue
        facets = f"<xs:pattern value={quoteattr(regex)}/>"
        if name in PATTERN_MIN:
            facets = f'<xs:minLength value="{PATTERN_MIN[name]}"/>' + facets
        if name in PATTERN_MAX:
            facets = f'<xs:maxLength value="{PATTERN_MAX[name]}"/>' + facets
        simple(name, f'<xs:restriction base="xs:string">{facets}</xs:restriction>', f"{tag} {doc}")
    if "Address" in used:
        body.append('  <xs:complexType name="Address">')
        body.append(
            "    <xs:annotation><xs:documentation>Address (payloads.md section 2.1)"
            "</xs:documentation></xs:annotation>"
        )
        sub = Emitter(em.codes)
        for a in ADDRESS_ATTRS:
            body += sub.attribute(a, "    ")
        body.append("  </xs:complexType>")
    if "OutputAddress" in used:
        body.append('  <xs:complexType name="OutputAddress">')
        body.append(
            "    <xs:annotation><xs:documentation>Address in getClaim output (payloads.md "
            "section 7): every attribute optional</xs:documentation></xs:annotation>"
        )
        sub = Emitter(em.codes)
        for a in ADDRESS_ATTRS:
            body += sub.attribute(Attr(a.name, a.type, False), "    ")
        body.append("  </xs:complexType>")
    for name in sorted(n for n in used if n in em.codes):
        cl = em.codes[name]
        body.append(f'  <xs:simpleType name="{name}">')
        if cl.note:
            body.append(
                f"    <xs:annotation><xs:documentation>{escape(cl.note)}"
                "</xs:documentation></xs:annotation>"
            )
        body.append('    <xs:restriction base="xs:string">')
        for value, label in cl.values:
            body.append(
                f"      <xs:enumeration value={quoteattr(value)}><xs:annotation>"
                f"<xs:documentation>{escape(label)}</xs:documentation></xs:annotation>"
                "</xs:enumeration>"
            )
        body.append("    </xs:restriction>")
        body.append("  </xs:simpleType>")
    head = header(
        service,
        release,
        "Shared simple types, the Address type and the code lists "
        "used by the pack schemas of this folder (included, no namespace).",
        "sections 2.1 and 8",
        [],
    )
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            head,
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">',
            *body,
            "</xs:schema>",
            "",
        ]
    )


ADDRESS_ATTRS = [
    Attr("Country", "string(1–20)", True),
    Attr("PostCode", "string(≤8)", False),
    Attr("District", "string(≤25)", False),
    Attr("County", "string(≤30)", False),
    Attr("City", "string(1–25)", True),
    Attr("Street1", "string(1–32)", True),
    Attr("Street2", "string(≤32)", False),
    Attr("HouseName", "string(≤32)", False),
    Attr("HouseNumber", "string(≤20)", False),
    Attr("AddressType", "`C01_AddressType`", False),
]


def check_address_definition(text: str) -> None:
    row = next(x for x in text.splitlines() if x.startswith("| `Address` |"))
    found = re.findall(r"`@([A-Za-z0-9]+)` ([RO]) ", row)
    expected = [(a.name, "R" if a.required else "O") for a in ADDRESS_ATTRS]
    if found != expected:
        raise SpecError(f"Address definition changed in the spec: {found}")


# --------------------------------------------------------------------------------------------
# Driver


def pack_trees(
    text: str, tables: dict[tuple[str, str], Table], service: str, release: str
) -> dict[str, Node]:
    latest = RELEASES[service][-1]
    trees: dict[str, Node] = {}
    for (svc, pack), table in tables.items():
        if svc != service:
            continue
        if pack == "cnf":
            trees["cnf"] = derive_cnf(text, table.root, service, release, resend=False)
            trees["cnf-resend"] = derive_cnf(text, table.root, service, release, resend=True)
        elif service == "rta" and release != latest:
            trees[pack] = derive_rta_pack_before_r7(table.root, pack)
        else:
            trees[pack] = copy.deepcopy(table.root)
    return trees


def notes_for(service: str, release: str, pack: str) -> list[str]:
    notes = []
    if (
        service == "rta"
        and release != "R7"
        and pack not in ("cnf", "cnf-resend", "insurer-response", "data")
    ):
        notes.append(
            "Derived from the R7 table: no tariff attributes, pre-R7 loss-type list, "
            "pre-R7 line limits (payloads.md section 2.5)."
        )
    if pack in ("cnf", "cnf-resend") and release != RELEASES[service][-1]:
        notes.append(
            "Derived from the latest CNF table with the release differences of "
            "payloads.md section 2.5."
        )
    return notes


def generate(spec_path: Path) -> dict[Path, str]:
    text = spec_path.read_text(encoding="utf-8")
    tables = parse_pack_tables(text)
    if len(tables) != 22:
        raise SpecError(f"expected 22 pack tables, found {len(tables)}")
    files = parse_file_lists(text)
    raw_codes = parse_code_lists(text)
    check_address_definition(text)
    out: dict[Path, str] = {}
    for service, releases in RELEASES.items():
        for release in releases:
            folder = Path(service) / release
            include = f"CommonTypes-{SERVICE_LABEL[service]}-{release}.xsd"
            em = Emitter(code_lists(raw_codes, service, release))
            trees = pack_trees(text, tables, service, release)
            trees["data"] = data_document(trees, service, release)
            for (svc, rel, pack), file_name in sorted(files.items()):
                if (svc, rel) != (service, release):
                    continue
                root = trees[pack]
                version = file_name.rsplit("-v", 1)[1].removesuffix(".xsd")
                source = (
                    "section 7"
                    if pack == "data"
                    else (
                        "sections 1, 2.5 and "
                        + tables[(service, "cnf" if pack == "cnf-resend" else pack)].section
                    )
                )
                notes = notes_for(service, release, pack)
                if pack == "data":
                    notes.append(DATA_NOTE)
                what = f"Pack: {PACK_TITLE[pack]}; root element {root.name}; schema v{version}."
                head = header(service, release, what, source, wrap(notes))
                body = em.element(root, "  ")
                out[folder / file_name] = schema_doc(head, version, include, body)
            out[folder / include] = common_types(em, service, release)
    return out


def wrap(notes: list[str], width: int = 96) -> list[str]:
    lines: list[str] = []
    for note in notes:
        cur = ""
        for word in note.split():
            if cur and len(cur) + 1 + len(word) > width:
                lines.append(cur)
                cur = word
            else:
                cur = f"{cur} {word}".strip()
        lines.append(cur)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="path of payloads.md")
    parser.add_argument("--out", type=Path, default=ROOT / "schemas", help="output folder")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    if not args.spec.is_file():
        parser.error(f"the product spec is absent: no {args.spec} (use --spec)")
    files = generate(args.spec)
    stale = []
    for rel, content in sorted(files.items()):
        path = args.out / rel
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != content:
                stale.append(str(rel))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
    if args.check:
        extra = {str(p.relative_to(args.out)) for p in args.out.rglob("*.xsd")} - {
            str(r) for r in files
        }
        for name in sorted(stale):
            print(f"stale: {name}", file=sys.stderr)
        for name in sorted(extra):
            print(f"not generated: {name}", file=sys.stderr)
        return 1 if stale or extra else 0
    print(f"wrote {len(files)} files under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
