"""Fitting a shipped sample to the day and to one claim; pure functions over pack text (lxml).

* ``shift_dates`` moves every date attribute (a whole ``YYYY-MM-DD`` value) by a number of days,
  so that a sample written for ``catalogue.REFERENCE_DATE`` reads as written today.
* ``with_reference`` gives a CNF a CR reference (and optionally its insurer): the gateway refuses a
  reference already in use by the same firm (CNF-14).
* ``isp_response_for`` answers the lines of one ISP request (ISP-04: a response names only the
  request's loss types), fully (every line agreed at the value claimed) or in part.
* ``cpp_response_for`` keeps only the disputed disbursements the CPP request names (CPP-01).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

from lxml import etree

_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_PARSER: Final = etree.XMLParser(resolve_entities=False, no_network=True)


def _root(text: str) -> etree._Element:
    return etree.fromstring(text.encode("utf-8"), _PARSER)


def _text(root: etree._Element) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="unicode")


def shift_dates(text: str, days: int) -> str:
    """``text`` with every attribute holding exactly a date moved by ``days`` days."""
    if days == 0:
        return text
    root = _root(text)
    for element in root.iter():
        for name, value in element.attrib.items():
            if isinstance(value, str) and _DATE.fullmatch(value):
                moved = date.fromisoformat(value) + timedelta(days=days)
                element.set(name, moved.isoformat())
    return _text(root)


def with_reference(text: str, reference: str, insurer: str | None = None) -> str:
    """A CNF with the CR reference ``reference`` (and, if given, addressed to ``insurer``)."""
    root = _root(text)
    company = root.find("ClaimAndClaimantDetails/ClaimantRepresentative/CompanyDetails")
    if company is None:
        raise ValueError("not a CNF: no ClaimantRepresentative/CompanyDetails")
    company.set("ReferenceNumber", reference)
    if insurer is not None:
        for tag in ("InsurerInformation", "InsurerFound"):
            for element in root.iter(tag):
                element.set("InsurerOrganizationID", insurer)
                element.set("InsurerOrganizationPath", f"/{insurer}")
    return _text(root)


def isp_response_for(request: str, template: str, *, full: bool) -> str:
    """An interim offer shaped like ``template`` answering every line of ``request``.

    Full: every line agreed at the value claimed. Partial: the first line offered at 80 %.
    """
    losses = _root(request).find("ClaimantLosses")
    root = _root(template)
    replies = root.find("DefendantReplies")
    if losses is None or replies is None or len(replies) == 0:
        raise ValueError("not an ISP request and response")
    model = replies[-1]
    for line in list(replies):
        replies.remove(line)
    for index, loss in enumerate(losses):
        line = etree.fromstring(etree.tostring(model))
        claimed = Decimal(loss.get("GrossValueClaimed", "0"))
        agreed = full or index > 0
        offered = claimed if agreed else (claimed * Decimal("0.8")).quantize(Decimal("0.01"))
        line.set("LossType", loss.get("LossType", ""))
        line.set("IsGrossAmountAgreed", "1" if agreed else "0")
        line.set("GrossValueOffered", f"{offered:.2f}")
        if agreed:
            line.attrib.pop("Comments", "")
        else:
            line.set("Comments", "Agreed in part pending further evidence.")
        replies.append(line)
    return _text(root)


def cpp_response_for(request: str, template: str) -> str:
    """``template`` keeping only the disputed disbursements whose ids ``request`` names."""
    wanted = {
        e.get("DisbursementId") for e in _root(request).iter("DisbursementDisputedRequestResponse")
    }
    root = _root(template)
    for element in list(root.iter("DisbursementDisputedRequestResponse")):
        if element.get("DisbursementId") not in wanted:
            parent = element.getparent()
            assert parent is not None
            parent.remove(element)
    return _text(root)
