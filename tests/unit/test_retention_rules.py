"""The retention rules as dates (security.md 6.2): month arithmetic, the child rule, and the
SQL selection of each rule never missing a claim the rule finds due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from gateway.service.operator.retention import CHILD_MONTHS, Rule, add_months, rules
from gateway.store.retention import Candidate


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2005, 1, 31), CHILD_MONTHS, date(2026, 2, 28)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected


def _claim(phase: str, *, ended: date, child: bool = False, birth: date | None = None) -> Candidate:
    noon = datetime(ended.year, ended.month, ended.day, 12, tzinfo=UTC)
    return Candidate(1, "0000000000000001", "rta", phase, ended, noon, None, child, birth)


def _rule(name: str) -> Rule:
    return next(r for r in rules() if r.name == name)


def test_a_child_claim_waits_for_21_years_and_1_month() -> None:
    ended = _rule("ended")
    adult = _claim("ExitProcessEnd", ended=date(2026, 1, 1))
    assert ended.due(adult) == date(2026, 1, 31)
    child = _claim("ExitProcessEnd", ended=date(2026, 1, 1), child=True, birth=date(2008, 5, 31))
    assert ended.due(child) == date(2029, 6, 30)  # 21 years and 1 month: 30 June 2029
    grown = _claim("ExitProcessEnd", ended=date(2026, 1, 1), child=True, birth=date(1990, 1, 1))
    assert ended.due(grown) == date(2026, 1, 31)  # already older: the row's own 30 days
    unknown = _claim("ExitProcessEnd", ended=date(2026, 1, 1), child=True)
    assert ended.due(unknown) is None  # no date of birth: never purged by a rule
    # archiving is not purging: a child CPP claim is archived after 30 days like any other
    cpp = _claim("CourtProceedingsPackEnd", ended=date(2026, 1, 1), child=True)
    assert _rule("archive").due(cpp) == date(2026, 1, 31)


@pytest.mark.parametrize("rule", rules(), ids=lambda r: r.name)
def test_each_rules_selection_holds_every_claim_due(rule: Rule) -> None:
    """The SQL bounds are a superset: for claims around the boundary, due <= today implies
    selected (checked here on the bounds' own terms, without a database)."""
    today = date(2027, 3, 1)
    phase = sorted(rule.phases)[0]
    selection = rule.selection(today)
    for back in range(800):
        start = today - timedelta(days=back)
        moment = datetime(start.year, start.month, start.day, 12, tzinfo=UTC)
        claim = Candidate(1, "1", "rta", phase, start, moment, moment, False, None)
        day = rule.due(claim)
        if day is None or day > today:
            continue
        if selection.ended_on_or_before is not None:
            assert start <= selection.ended_on_or_before
        if selection.updated_before is not None:
            assert moment < selection.updated_before
        if selection.archived_before is not None:
            assert moment < selection.archived_before


def test_the_child_bound_holds_every_child_old_enough() -> None:
    today = date(2029, 3, 1)
    bound = _rule("ended").selection(today).child_born_on_or_before
    assert bound is not None
    for back in range(7600, 7800):
        birth = today - timedelta(days=back)
        if add_months(birth, CHILD_MONTHS) <= today:
            assert birth <= bound
