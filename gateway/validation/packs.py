"""The embedded XML packs (payloads.md sections 2-7) and how to recognise one from its root.

A pack is named by the value used in the CLI, the conformance manifest and the registry. The root
element tells every pack apart except the two CNF flavours: a ``DocumentInput`` is a new claim
(``cnf``) unless the caller says it is a resend (``cnf-resend``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Pack(StrEnum):
    """One kind of embedded pack; the value is its name in the CLI and the manifest."""

    CNF = "cnf"
    CNF_RESEND = "cnf-resend"
    INSURER_RESPONSE = "insurer-response"
    ISP_REQUEST = "isp-request"
    ISP_RESPONSE = "isp-response"
    S2SP_REQUEST = "s2sp-request"
    S2SP_RESPONSE = "s2sp-response"
    S2SP_COUNTER_OFFER_CR = "s2sp-counter-offer-cr"
    S2SP_COUNTER_OFFER_CM = "s2sp-counter-offer-cm"
    AD_REQUEST = "ad-request"
    AD_RESPONSE = "ad-response"
    CPP_REQUEST = "cpp-request"
    CPP_RESPONSE = "cpp-response"
    DATA = "data"

    @property
    def root_element(self) -> str:
        """The name of the pack's root element."""
        return ROOT_ELEMENTS[self]


#: Root element of every pack (payloads.md, section headings).
ROOT_ELEMENTS: Mapping[Pack, str] = {
    Pack.CNF: "DocumentInput",
    Pack.CNF_RESEND: "DocumentInput",
    Pack.INSURER_RESPONSE: "InsurerResponseA2A",
    Pack.ISP_REQUEST: "InterimSettlementPackRequest",
    Pack.ISP_RESPONSE: "InterimSettlementPackResponse",
    Pack.S2SP_REQUEST: "Stage2SettlementPackRequest",
    Pack.S2SP_RESPONSE: "Stage2SettlementPackResponse",
    Pack.S2SP_COUNTER_OFFER_CR: "Stage2SettlementPackCounterOfferByCR",
    Pack.S2SP_COUNTER_OFFER_CM: "Stage2SettlementPackCounterOfferByCM",
    Pack.AD_REQUEST: "Stage2SettlementPackAdditionalDamagesRequest",
    Pack.AD_RESPONSE: "Stage2SettlementPackAdditionalDamagesResponse",
    Pack.CPP_REQUEST: "CourtProceedingPackRequest",
    Pack.CPP_RESPONSE: "CourtProceedingPackResponse",
    Pack.DATA: "Data",
}

_BY_ROOT: Mapping[str, Pack] = {
    root: pack for pack, root in ROOT_ELEMENTS.items() if pack is not Pack.CNF_RESEND
}


def detect_pack(root_tag: str, *, resend: bool = False) -> Pack | None:
    """The pack whose root element is ``root_tag``, or None for an unknown root.

    ``resend`` turns a ``DocumentInput`` into ``cnf-resend``; it changes nothing else.
    """
    pack = _BY_ROOT.get(root_tag)
    if pack is Pack.CNF and resend:
        return Pack.CNF_RESEND
    return pack
