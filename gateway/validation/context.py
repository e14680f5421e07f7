"""What the business rules may know beyond the pack itself: the sent date and the claim's state.

The SOAP path fills in the server callables and the facts of earlier packs of the claim; the
offline validator passes none of them. A rule that needs something absent is skipped, never
guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

#: ``InsurerOrganizationPath`` -> (organisation id, insurer type) of an active compensator enabled
#: for the service, or None when there is none (CNF-01).
CompensatorLookup = Callable[[str], tuple[str, str] | None]

#: CR ``ReferenceNumber`` -> True when one of the CR organisation's non-ended claims of the service
#: (other than the claim being resent) already uses it (CNF-14).
ReferenceInUse = Callable[[str], bool]


def today_in_london() -> date:
    """Today's date in Europe/London, the date every A2A deadline and rule counts in."""
    # Imported here: zoneinfo (and the sysconfig it reads) costs the offline validator's start-up
    # 2 ms, and with ``--sent-date`` it never asks; ZoneInfo caches the zone itself.
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/London")).date()


@dataclass(frozen=True)
class RuleContext:
    """Everything outside the pack that the business rules judge against."""

    sent_date: date = field(default_factory=today_in_london)
    compensator_lookup: CompensatorLookup | None = None
    reference_in_use: ReferenceInUse | None = None
    #: The claim's accident date, for packs after the CNF (TAR-03).
    accident_date: date | None = None
    #: Loss types of the ISP request a response answers (ISP-04).
    request_loss_types: frozenset[str] | None = None
    #: Requested value of the ISP request a response answers (ISP-06 classification).
    requested_value: Decimal | None = None
    #: ``DisbursementId`` values of the CPP request a response answers (CPP-01).
    request_disbursement_ids: frozenset[int] | None = None
