"""Business rules ELPL-01 to ELPL-05: what each EL/PL claim type requires (payloads.md 2.4).

``ClaimDetails/@ClaimType`` (C30) selects them: ``EL`` employers' liability accident, ``ELD``
disease, ``PL`` public liability. ELPL-05 ("the disease flags are ignored for EL and PL") has
nothing to refuse: it is honoured by ELPL-02 reading the flags for ``ELD`` claims only.
"""

from __future__ import annotations

from collections.abc import Iterator

from gateway.domain.services import Service
from gateway.validation.rules.base import (
    Hit,
    Rule,
    Subject,
    date_of,
    forbidden,
    is_yes,
    required,
    stripped,
)
from gateway.validation.rules.cnf import (
    ACCIDENT,
    CLAIM_DETAILS,
    CLAIMANT,
    CNF_PACKS,
    DEFENDANT,
    INJURY,
    claim_type,
)

ELPL = frozenset({Service.ELPL})
PERIODS = ("EmploymentPeriod", "ExposurePeriod")
DISEASE_FLAGS = ("Respiratory", "Deafness", "VibrationInjury", "Dermatitis", "Other")


def _defendant_is_employer(subject: Subject, kind: str) -> Iterator[Hit]:
    defendant = subject.find(DEFENDANT)
    if defendant is not None and stripped(defendant, "DefendantStatus") != "B":
        yield Hit(
            defendant,
            "@DefendantStatus",
            f"DefendantStatus must be B (the employer) for an {kind} claim",
        )


def _employers_liability(subject: Subject) -> Iterator[Hit]:
    if claim_type(subject) != "EL":
        return
    accident = subject.find(ACCIDENT)
    if accident is not None:
        yield from required(accident, ("AccidentDate", "AccidentTime"), "for an EL claim")
    claimant = subject.find(CLAIMANT)
    if claimant is not None:
        yield from forbidden(claimant, PERIODS, "for an EL claim")
    yield from _defendant_is_employer(subject, "EL")


def _disease(subject: Subject) -> Iterator[Hit]:
    if claim_type(subject) != "ELD":
        return
    claimant = subject.find(CLAIMANT)
    if claimant is not None:
        yield from required(claimant, PERIODS, "for a disease (ELD) claim")
    injury = subject.find(INJURY)
    if injury is not None and not any(is_yes(injury, flag) for flag in DISEASE_FLAGS):
        yield Hit(
            injury,
            None,
            "an ELD claim needs at least one of Respiratory, Deafness, VibrationInjury, "
            "Dermatitis or Other set to 1",
        )
    yield from _defendant_is_employer(subject, "ELD")


def _public_liability(subject: Subject) -> Iterator[Hit]:
    if claim_type(subject) != "PL":
        return
    accident = subject.find(ACCIDENT)
    if accident is None:
        return
    yield from required(
        accident, ("AccidentDate", "AccidentTime", "ClaimantLocation"), "for a PL claim"
    )
    if stripped(accident, "ClaimantLocation") == "2":
        yield from required(accident, ("ClaimantLocationOther",), "when ClaimantLocation is 2")


def _notification_date(subject: Subject) -> Iterator[Hit]:
    details = subject.find(CLAIM_DETAILS)
    notified = date_of(details, "NotificationDate")
    if details is None or notified is None:
        return
    if notified > subject.ctx.sent_date:
        yield Hit(
            details,
            "@NotificationDate",
            f"NotificationDate {notified} is after the sent date {subject.ctx.sent_date}",
        )
    accident = date_of(subject.find(ACCIDENT), "AccidentDate")
    if accident is not None and notified < accident:
        yield Hit(
            details,
            "@NotificationDate",
            f"NotificationDate {notified} is before the accident date {accident}",
        )


def _disease_flags_ignored(subject: Subject) -> Iterator[Hit]:
    """ELPL-05: nothing to refuse; the flags of EL and PL claims are read by no rule."""
    return iter(())


RULES: tuple[Rule, ...] = (
    Rule("ELPL-01", _employers_liability, CNF_PACKS, ELPL),
    Rule("ELPL-02", _disease, CNF_PACKS, ELPL),
    Rule("ELPL-03", _public_liability, CNF_PACKS, ELPL),
    Rule("ELPL-04", _notification_date, CNF_PACKS, ELPL),
    Rule("ELPL-05", _disease_flags_ignored, CNF_PACKS, ELPL),
)
