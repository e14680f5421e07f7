"""The kinds of printable document (operations.md 4.4): which event makes each, which packs it is
rendered from, its title and file name. Pure data, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from gateway.validation.packs import Pack


class DocumentKind(StrEnum):
    """A kind of printable document; the value is its title (``dataAttachmentTitle``)."""

    CNF = "CNF"
    CNF_INSURER_RESPONSE = "CNF + Insurer Response"
    INTERIM_SETTLEMENT_PACK = "Interim Settlement Pack"
    STAGE2_SETTLEMENT_PACK = "Stage 2 Settlement Pack"
    ADDITIONAL_DAMAGES = "Additional Damages"
    COURT_PROCEEDINGS_PACK = "Court Proceedings Pack"

    @property
    def numbered(self) -> bool:
        """One document per interim settlement pack; one of every other kind per claim."""
        return self is DocumentKind.INTERIM_SETTLEMENT_PACK

    def titled(self, number: int) -> str:
        return f"{self.value} {number}" if self.numbered else self.value

    def file_name(self, application_id: str, number: int) -> str:
        suffix = f"-{number}" if self.numbered else ""
        return f"{application_id}-{SLUGS[self]}{suffix}.pdf"


SLUGS: Final[Mapping[DocumentKind, str]] = {
    DocumentKind.CNF: "cnf",
    DocumentKind.CNF_INSURER_RESPONSE: "cnf-insurer-response",
    DocumentKind.INTERIM_SETTLEMENT_PACK: "isp",
    DocumentKind.STAGE2_SETTLEMENT_PACK: "s2sp",
    DocumentKind.ADDITIONAL_DAMAGES: "additional-damages",
    DocumentKind.COURT_PROCEEDINGS_PACK: "cpp",
}

_CNF = (Pack.CNF, Pack.CNF_RESEND)
_ISP = (Pack.ISP_REQUEST, Pack.ISP_RESPONSE)
_S2SP = (
    Pack.S2SP_REQUEST,
    Pack.S2SP_RESPONSE,
    Pack.S2SP_COUNTER_OFFER_CR,
    Pack.S2SP_COUNTER_OFFER_CM,
)
_AD = (Pack.AD_REQUEST, Pack.AD_RESPONSE)
_CPP = (Pack.CPP_REQUEST, Pack.CPP_RESPONSE)

#: The document each stored pack is an event of. The CNF + Insurer Response document is the
#: insurer response's: a CNF is only resent before any liability decision.
EVENT_OF: Final[Mapping[Pack, DocumentKind]] = {
    **dict.fromkeys(_CNF, DocumentKind.CNF),
    Pack.INSURER_RESPONSE: DocumentKind.CNF_INSURER_RESPONSE,
    **dict.fromkeys(_ISP, DocumentKind.INTERIM_SETTLEMENT_PACK),
    **dict.fromkeys(_S2SP, DocumentKind.STAGE2_SETTLEMENT_PACK),
    **dict.fromkeys(_AD, DocumentKind.ADDITIONAL_DAMAGES),
    **dict.fromkeys(_CPP, DocumentKind.COURT_PROCEEDINGS_PACK),
}

#: The packs a document of each kind is rendered from (the latest CNF only: a resend replaces it).
SOURCES: Final[Mapping[DocumentKind, tuple[Pack, ...]]] = {
    DocumentKind.CNF: _CNF,
    DocumentKind.CNF_INSURER_RESPONSE: (*_CNF, Pack.INSURER_RESPONSE),
    DocumentKind.INTERIM_SETTLEMENT_PACK: _ISP,
    DocumentKind.STAGE2_SETTLEMENT_PACK: _S2SP,
    DocumentKind.ADDITIONAL_DAMAGES: _AD,
    DocumentKind.COURT_PROCEEDINGS_PACK: _CPP,
}

#: How each pack is headed in a document.
PACK_TITLES: Final[Mapping[Pack, str]] = {
    Pack.CNF: "Claim Notification Form",
    Pack.CNF_RESEND: "Claim Notification Form (resent)",
    Pack.INSURER_RESPONSE: "Insurer response",
    Pack.ISP_REQUEST: "Interim settlement pack: request",
    Pack.ISP_RESPONSE: "Interim settlement pack: response",
    Pack.S2SP_REQUEST: "Stage 2 settlement pack: request",
    Pack.S2SP_RESPONSE: "Stage 2 settlement pack: response",
    Pack.S2SP_COUNTER_OFFER_CR: "Counter offer by the claimant representative",
    Pack.S2SP_COUNTER_OFFER_CM: "Counter offer by the compensator",
    Pack.AD_REQUEST: "Additional damages: request",
    Pack.AD_RESPONSE: "Additional damages: response",
    Pack.CPP_REQUEST: "Court proceedings pack: request",
    Pack.CPP_RESPONSE: "Court proceedings pack: response",
    Pack.DATA: "Claim data",
}
