"""Business rules AD-01 and AD-02 of the RTA additional-damages packs (payloads.md section 6)."""

from __future__ import annotations

from collections.abc import Iterator

from gateway.domain.services import Service
from gateway.validation.packs import Pack
from gateway.validation.rules.base import Hit, Rule, Subject, value
from gateway.validation.rules.lines import answers_request, unique_loss_types
from gateway.validation.rules.stage2 import AGREEMENT, every_line_agreed

_RTA = frozenset({Service.RTA})


def _decision(subject: Subject) -> Iterator[Hit]:
    if value(subject.find(AGREEMENT), "AdditionalDamagesDecision") == "A":
        yield from every_line_agreed(subject, "when AdditionalDamagesDecision is A (agree)")


RULES: tuple[Rule, ...] = (
    Rule("AD-01", _decision, frozenset({Pack.AD_RESPONSE}), _RTA),
    Rule("AD-02", unique_loss_types, frozenset({Pack.AD_REQUEST, Pack.AD_RESPONSE}), _RTA),
    Rule("AD-03", answers_request, frozenset({Pack.AD_RESPONSE}), _RTA),
)
