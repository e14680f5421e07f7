"""Readable names for the packs' element and attribute names: ``DefendantReplies`` -> "Defendant
replies", ``VhclHitInRear`` -> "Vehicle hit in rear". The historic misspellings of the contract
(payloads.md 1) and its abbreviations are written out; the names stay recognisable."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Final

#: Words of the contract's names, as a reader should see them.
WORDS: Final[Mapping[str, str]] = {
    "Defedant": "defendant",
    "Defendand": "defendant",
    "Claiiming": "claiming",
    "Alternatie": "alternative",
    "Informatiion": "information",
    "Vihicle": "vehicle",
    "Responsability": "responsibility",
    "Buss": "bus",
    "Reabilitation": "rehabilitation",
    "Disbursment": "disbursement",
    "Ohter": "other",
    "Vhcl": "vehicle",
    "Vchl": "vehicle",
    "Accid": "accident",
    "Alt": "alternative",
    "Perc": "percentage",
    "Contrib": "contribution",
    "Neg": "negligence",
    "Excep": "exceptional",
    "Def": "defendant",
    "Ins": "insurer",
    "AV": "alternative vehicle",
    "CL": "claimant",
    "OP": "other party",
    "DOB": "date of birth",
    "VRN": "VRN",
    "CRU": "CRU",
    "NHS": "NHS",
    "OIC": "OIC",
    "CMC": "CMC",
    "MOJCMC": "MoJ CMC",
    "CR": "CR",
    "CM": "CM",
    "SP": "SP",
    "PI": "PI",
    "UK": "UK",
}
#: Whole names the word rule would get wrong.
NAMES: Final[Mapping[str, str]] = {
    "AskCUEPIReference": "AskCUE PI reference",
    "MedicalReportStage2_1": "Medical report (Stage 2.1)",
    "MedicalReportStage2": "Medical report (Stage 2)",
    "DefendantsDOB": "Defendant's date of birth",
    "MedCoCase": "MedCo case",
    "MedCoCaseId": "MedCo case id",
    "PercContribNegDeductions": "Contributory negligence deduction (percentage)",
}
_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|_|$)|[A-Z]?[a-z]+|\d+")


@cache
def readable(name: str) -> str:
    """``name`` split into words, first word capitalised: "Gross value claimed"."""
    if name in NAMES:
        return NAMES[name]
    words = [WORDS.get(part, part.lower()) for part in _PARTS.findall(name)]
    text = " ".join(words) or name
    return text[0].upper() + text[1:]
