"""Masking of document values quoted in violation messages.

Violation messages travel back to the caller, into the journal and into CI logs, so personal data
is never echoed in full (security.md): names, NINOs, addresses, contact details, references and
free text keep their first two characters and an ellipsis. Dates, times, amounts and short codes
are not personal and are shown, because the sender needs them to find the mistake.
"""

from __future__ import annotations

import re

ELLIPSIS = "\u2026"

# Parts of attribute names whose values identify or describe a person, or are free text.
_PERSONAL_MARKERS = (
    "Name",
    "Surname",
    "Telephone",
    "Email",
    "Address",
    "Street",
    "House",
    "PostCode",
    "City",
    "County",
    "District",
    "Country",
    "Description",
    "Comment",
    "Details",
    "Reference",
    "NationalInsurance",
    "NIN",
    "Occupation",
    "VRN",
    "Policy",
    "Location",
    "Note",
    "Reason",
    "Website",
    "Source",
    "Period",
    "Treatment",
    "Obtained",
    "Responsab",
    "Responsib",
    "Officer",
    "Station",
    "Driver",
    "Title",
    "Make",
    "Model",
    "Color",
    "OtherType",
    "OPOther",
    "DriverID",
    "Evidence",
    "AltVhcl",
    "Legal",
    "Occupation",
    "MedCo",
    "CRU",
    "AskCUE",
    "OIC",
)

_SHOWABLE = re.compile(
    r"-?\d{4}-\d{2}-\d{2}(?:Z|[+-]\d{2}:\d{2})?"  # dates
    r"|\d{1,2}:\d{2}(?::\d{2})?"  # times
    r"|[+-]?\d{1,15}(?:\.\d{1,4})?"  # amounts, counts, percentages, numeric codes
    r"|[0-9:.+\-]{1,12}"  # other digit-and-punctuation values: malformed dates, times, numbers
    r"|[A-Za-z0-9]{1,4}",  # short codes: C-list values, Y/N flags
    re.ASCII,
)


def is_personal(name: str | None) -> bool:
    """True when values of the attribute or element ``name`` may be personal data or free text."""
    return name is not None and any(marker in name for marker in _PERSONAL_MARKERS)


def truncate(value: str) -> str:
    """The first two characters and an ellipsis (only the ellipsis for very short values)."""
    return value[:2] + ELLIPSIS if len(value) > 2 else ELLIPSIS


def mask(value: str, name: str | None = None) -> str:
    """``value`` as it may appear in a message about the attribute or element ``name``."""
    if not is_personal(name) and len(value) <= 24 and _SHOWABLE.fullmatch(value):
        return value
    return truncate(value)
