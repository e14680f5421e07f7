"""Tariff rules TAR-01 to TAR-03 of the RTA R7 whiplash reform (payloads.md section 2.5).

Tariff attributes belong on loss type 16 (tariff damages) lines only, which need a tariff type
and an injury duration; an exceptional-circumstances uplift needs its percentage. TAR-03 needs
the claim's accident date and is skipped without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from gateway.domain.services import Service
from gateway.validation.masking import mask
from gateway.validation.rules.base import Hit, Rule, Subject, is_yes, required, value
from gateway.validation.rules.lines import LINE_PACKS, TARIFF_LOSS_TYPE, loss_lines

TARIFF_ATTRIBUTES = (
    "TariffType",
    "SelectDurationOfTheInjury",
    "ExcepCircumstancesUplift",
    "ExcepCircumstancesUpliftPerc",
    "ExcepCircumstancesUpliftNote",
)
DURATIONS = frozenset({"1", "2", "3", "4", "5", "6", "7"})
TARIFF_FROM = date(2021, 5, 31)

_R7 = frozenset({"R7"})
_RTA = frozenset({Service.RTA})


def _tariff_lines_only(subject: Subject) -> Iterator[Hit]:
    for line in loss_lines(subject):
        if value(line, "LossType") != TARIFF_LOSS_TYPE:
            for name in TARIFF_ATTRIBUTES:
                if line.get(name) is not None:
                    yield Hit(line, f"@{name}", f"{name} is allowed on loss type 16 lines only")
            continue
        yield from required(
            line, ("TariffType", "SelectDurationOfTheInjury"), "on a loss type 16 (tariff) line"
        )
        duration = value(line, "SelectDurationOfTheInjury")
        if duration is not None and duration not in DURATIONS:
            yield Hit(
                line,
                "@SelectDurationOfTheInjury",
                f"SelectDurationOfTheInjury must be 1-7 on a tariff line, not {mask(duration)}",
            )


def _uplift_percentage(subject: Subject) -> Iterator[Hit]:
    for line in loss_lines(subject):
        if is_yes(line, "ExcepCircumstancesUplift"):
            yield from required(
                line, ("ExcepCircumstancesUpliftPerc",), "when ExcepCircumstancesUplift is 1"
            )
        elif line.get("ExcepCircumstancesUpliftPerc") is not None:
            yield Hit(
                line,
                "@ExcepCircumstancesUpliftPerc",
                "ExcepCircumstancesUpliftPerc is allowed only when ExcepCircumstancesUplift is 1",
            )


def _tariff_accident_date(subject: Subject) -> Iterator[Hit]:
    accident = subject.ctx.accident_date
    if accident is None or accident >= TARIFF_FROM:
        return
    for line in loss_lines(subject):
        if value(line, "LossType") == TARIFF_LOSS_TYPE:
            yield Hit(
                line,
                "@LossType",
                f"loss type 16 (tariff damages) is only for accidents on or after "
                f"{TARIFF_FROM.isoformat()}; the accident date is {accident}",
            )


RULES: tuple[Rule, ...] = (
    Rule("TAR-01", _tariff_lines_only, LINE_PACKS, _RTA, _R7),
    Rule("TAR-02", _uplift_percentage, LINE_PACKS, _RTA, _R7),
    Rule("TAR-03", _tariff_accident_date, LINE_PACKS, _RTA, _R7),
)
