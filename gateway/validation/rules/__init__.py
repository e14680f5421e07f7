"""Business rules of payloads.md, one module per pack family, and the table of which apply.

``rules_for(service, release, pack)`` is the one answer to "which rules judge this pack of this
claim"; ``run_rules`` applies them and returns every violation, each with its rule id.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from lxml import etree

from gateway.domain.services import Service
from gateway.errors import Violation
from gateway.validation.context import RuleContext
from gateway.validation.packs import Pack
from gateway.validation.rules import (
    additional_damages,
    cnf,
    cnf_elpl,
    cpp,
    insurer,
    isp,
    lines,
    stage2,
    tariff,
)
from gateway.validation.rules.base import Prefetch, Rule, Subject

#: Every business rule, in the order violations are reported.
ALL_RULES: tuple[Rule, ...] = (
    *cnf.RULES,
    *cnf_elpl.RULES,
    *insurer.RULES,
    *lines.RULES,
    *isp.RULES,
    *stage2.RULES,
    *additional_damages.RULES,
    *tariff.RULES,
    *cpp.RULES,
)


@cache
def rules_for(service: Service, release: str, pack: Pack) -> tuple[Rule, ...]:
    """The rules that judge ``pack`` of a claim of ``service`` and ``release``."""
    return tuple(rule for rule in ALL_RULES if rule.applies(service, release, pack))


#: Packs whose rules read many elements: found in one XPath evaluation when first needed.
PREFETCH: Mapping[Pack, Prefetch] = {Pack.CNF: cnf.PREFETCH, Pack.CNF_RESEND: cnf.PREFETCH}


def subject_for(
    root: etree._Element, service: Service, release: str, pack: Pack, ctx: RuleContext
) -> Subject:
    """The ``Subject`` the rules of ``pack`` judge, with its pack's prefetch."""
    return Subject(root, service, release, pack, ctx, PREFETCH.get(pack))


def run_rules(subject: Subject) -> list[Violation]:
    """Every violation of every applicable rule."""
    found: list[Violation] = []
    for rule in rules_for(subject.service, subject.release, subject.pack):
        for hit in rule.check(subject):  # no list per rule: most rules find nothing
            found.append(rule.violation(hit))  # noqa: PERF401
    return found


__all__ = ["ALL_RULES", "Rule", "Subject", "rules_for", "run_rules", "subject_for"]
