"""Whole RTA claims as prebuilt SOAP envelopes: the two paths the lifecycle benchmark drives from
``addClaim`` through Stage 1 and Stage 2 to settlement, and a ``Claim`` that plays one of them
step by step over any ``send(body) -> reply`` (HTTP in ``bench_lifecycle``, an in-process WSGI
call in ``bench_layers``).

The envelopes are written once by zeep from ``wsdl/PIPWSTK.wsdl`` (so element names and order are
the contract's) with placeholders; a step only replaces bytes. The packs are those of the
end-to-end tests (``tests/e2e/claims.py``), each CNF with its own CR reference.

Paths (lifecycle.md 2.2 rows in brackets):

* ``agreed`` (11 requests): addClaim, acceptClaim, applyArticle75 (no), sendLiabilityDecision (A),
  acknowledgeLiabilityAdmitted, setStage1Payment, setInterimPaymentNeeded (no),
  addStage2SPFRequest, addStage2SPFResponse (CO: an offer), setStage2SPFAgreementDecision (yes),
  acknowledgeStage2SPFAgreed: ``Stage2SettlementPackAgreedEnd``.
* ``interim`` (13 requests): the same Stage 1, then setInterimPaymentNeeded (yes),
  addInterimSPFRequest, addInterimSPFResponse (full offer), setStage21Payment, addStage2SPFRequest,
  addStage2SPFResponse (C: confirmed), acknowledgeStage2SPFConfirmation:
  ``Stage2SettlementPackConfirmationEnd``.

Polling (the reads a case system adds, stated here and printed by the benchmark): before each of
its steps the acting side reads its worklist (``getClaimsList``) once, as a case system polls for
the work it then does, and after ``addClaim`` the law firm finds its claim once with
``searchClaims`` by its CR reference. So a claim of 11 steps makes 12 reads (52% of its 23
requests), one of 13 makes 14.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PATH = "/PIP.WSTK/PIPWSTK"
TOKEN, APP, GUID = b"@@TOKEN@@", b"@@APPLICATION@@", b"@@GUID@@"
MARK = "BENCHREFERENCE0000000000"  # the CNF's CR reference, replaced per claim (same length)

S2_DECISION = "Stage2SettlementPackDecision"
AGREEMENT = "Stage2SettlementPackAgreementDecision"
STAGE1 = (
    ("cr", "addClaim", {"claimXML": "cnf"}, "ClaimSubmitted"),
    ("comp", "acceptClaim", {"insurerClaimReferenceNumber": "INS-1"}, "Article75Decision"),
    ("comp", "applyArticle75", {"isArticle75": False}, "LiabilityDecision"),
    ("comp", "sendLiabilityDecision", {"insurerResponseXml": "ir-A"}, "LiabilityAdmitted"),
    ("cr", "acknowledgeLiabilityAdmitted", {}, "Stage1Payment"),
    ("cr", "setStage1Payment", {"isStage1Paid": True}, "StartOfStage21"),
)
PATHS: dict[str, tuple[tuple[str, str, dict[str, Any], str], ...]] = {
    "agreed": (
        *STAGE1,
        (
            "cr",
            "setInterimPaymentNeeded",
            {"isInterimPaymentNeeded": False},
            "Stage2SettlementPackForm",
        ),
        ("cr", "addStage2SPFRequest", {"S2SPFRequestXML": "s2sp"}, S2_DECISION),
        ("comp", "addStage2SPFResponse", {"S2SPFResponseXML": "s2sp-CO"}, AGREEMENT),
        ("cr", "setStage2SPFAgreementDecision", {"isAgreed": True}, "Stage2SettlementPackAgreed"),
        ("comp", "acknowledgeStage2SPFAgreed", {}, "Stage2SettlementPackAgreedEnd"),
    ),
    "interim": (
        *STAGE1,
        (
            "cr",
            "setInterimPaymentNeeded",
            {"isInterimPaymentNeeded": True},
            "InterimSettlementPackForm",
        ),
        ("cr", "addInterimSPFRequest", {"ISPFRequestXML": "isp"}, "InterimPaymentDecision"),
        ("comp", "addInterimSPFResponse", {"ISPFResponseXML": "isp-full"}, "Stage21Payment"),
        ("cr", "setStage21Payment", {"isStage21Paid": True}, "Stage2SettlementPackForm"),
        ("cr", "addStage2SPFRequest", {"S2SPFRequestXML": "s2sp"}, S2_DECISION),
        (
            "comp",
            "addStage2SPFResponse",
            {"S2SPFResponseXML": "s2sp-C"},
            "Stage2SettlementPackConfirmation",
        ),
        ("cr", "acknowledgeStage2SPFConfirmation", {}, "Stage2SettlementPackConfirmationEnd"),
    ),
}

CODE = re.compile(rb"<code>([^<]*)</code>")
PHASE = re.compile(rb"<phaseCacheId>([^<]*)</phaseCacheId>")
GUID_RE = re.compile(rb"<activityEngineGuid>([^<]*)</activityEngineGuid>")
APP_RE = re.compile(rb"<applicationId>([^<]*)</applicationId>")
DETAILS = re.compile(rb"<details>([^<]*)</details>")


def _packs() -> dict[str, str]:
    sys.path.insert(0, str(ROOT))
    from tests.e2e import claims

    return {
        "cnf": claims.cnf(MARK),
        "ir-A": claims.insurer_response("A"),
        "s2sp": claims.s2sp_request(),
        "s2sp-CO": claims.s2sp_response("CO"),
        "s2sp-C": claims.s2sp_response("C"),
        "isp": claims.isp_request(),
        "isp-full": claims.isp_response(full=True),
    }


@dataclass(frozen=True)
class Step:
    side: str
    operation: str
    template: bytes
    expected: str


def build_templates() -> tuple[dict[str, tuple[Step, ...]], dict[str, bytes]]:
    """The steps of each path and the read envelopes, with placeholders."""
    import zeep
    from lxml import etree

    client = zeep.Client(str(ROOT / "wsdl" / "PIPWSTK.wsdl"))
    packs = _packs()

    def message(operation: str, **fields: Any) -> bytes:
        node = client.create_message(client.service, operation, accessToken="@@TOKEN@@", **fields)
        return etree.tostring(node, xml_declaration=True, encoding="utf-8")

    claim_data = {"applicationId": APP.decode(), "activityEngineGuid": GUID.decode()}
    paths: dict[str, tuple[Step, ...]] = {}
    for name, steps in PATHS.items():
        built = []
        for side, operation, fields, expected in steps:
            values = {k: packs.get(v, v) if isinstance(v, str) else v for k, v in fields.items()}
            if operation != "addClaim":
                values["claimData"] = claim_data
            built.append(Step(side, operation, message(operation, **values), expected))
        paths[name] = tuple(built)
    reads = {
        "getClaimsList": message("getClaimsList"),
        "searchClaims": message("searchClaims", searchClaimCriteria={"CRReferenceNumber": MARK}),
    }
    return paths, reads


def reference(tag: str, n: int) -> str:
    """The CR reference of claim ``n`` of client ``tag``: unique, as long as ``MARK``."""
    return f"L{tag}{n:08d}".ljust(len(MARK), "0")[: len(MARK)]


class Unexpected(Exception):
    """An answer other than the one the path expects."""

    def __init__(self, operation: str, reply: bytes) -> None:
        details = DETAILS.search(reply)
        code = CODE.search(reply)
        super().__init__(
            f"{operation}: {code.group(1).decode() if code else reply[:200]!r} "
            f"{details.group(1).decode() if details else ''}"
        )


Send = Callable[[str, bytes], bytes]  # (operation, body) -> reply body


class Claim:
    """One claim on one path, played by a law firm and an insurer (their access tokens)."""

    def __init__(
        self,
        steps: tuple[Step, ...],
        reads: dict[str, bytes],
        tokens: dict[str, bytes],
        ref: str,
        polls: bool = True,
    ) -> None:
        self.steps, self.reads, self.tokens, self.ref = steps, reads, tokens, ref.encode()
        self.polls = polls
        self.application = self.guid = b""
        self.next = 0

    @property
    def done(self) -> bool:
        return self.next == len(self.steps)

    def advance(self, send: Send) -> bool:
        """Send the next step (with its polls); whether the claim has ended."""
        step = self.steps[self.next]
        token = self.tokens[step.side]
        if self.polls:
            self._read(send, "getClaimsList", token)
        body = step.template.replace(TOKEN, token)
        if self.next == 0:
            body = body.replace(MARK.encode(), self.ref)
        else:
            body = body.replace(APP, self.application).replace(GUID, self.guid)
        reply = send(step.operation, body)
        code, phase, guid = CODE.search(reply), PHASE.search(reply), GUID_RE.search(reply)
        if not (code and code.group(1) == b"Ok" and phase and guid):
            raise Unexpected(step.operation, reply)
        if phase.group(1).decode() != step.expected:
            raise Unexpected(step.operation, reply)
        if self.next == 0:
            found = APP_RE.search(reply)
            if found is None:
                raise Unexpected(step.operation, reply)
            self.application = found.group(1)
            if self.polls:
                self._read(send, "searchClaims", self.tokens["cr"], self.ref)
        self.guid = guid.group(1)
        self.next += 1
        return self.done

    def _read(self, send: Send, operation: str, token: bytes, ref: bytes | None = None) -> None:
        body = self.reads[operation].replace(TOKEN, token)
        if ref is not None:
            body = body.replace(MARK.encode(), ref)
        reply = send(operation, body)
        code = CODE.search(reply)
        if not (code and code.group(1) == b"Ok"):
            raise Unexpected(operation, reply)
        if ref is not None and self.application not in reply:
            raise Unexpected(operation + " (the claim not found)", reply)
