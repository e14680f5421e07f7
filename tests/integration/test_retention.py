"""Retention (security.md 6.2, 6.4) on SQLite and PostgreSQL, on the sandbox clock: each rule
purges or archives exactly its claims on its day and not the day before, a dry run changes
nothing, archived claims are seen only with ARCHIVE_SEARCH, no row outlives its claim, and a
purged applicationId is never given out again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.app import Components
from gateway.domain.deadlines import london_date
from gateway.errors import Refusal
from gateway.service import messages as m
from gateway.service.admin import UserSpec, enable_user, ensure_user
from gateway.service.operator import Operator, OperatorRefused
from gateway.service.operator.retention import Retention, RetentionReport, add_months
from gateway.store.models import JournalEntry, Notification
from tests.conftest import fresh_database
from tests.integration.retention_world import (
    COMP,
    World,
    assert_no_orphans,
    build_world,
    child_birth,
    days,
    each,
    sandboxed,
    set_today,
    table_counts,
)


@pytest.fixture(params=["sqlite", "postgres"])
def components(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Components]:
    for url in fresh_database(request.param, tmp_path):
        built, _clock = sandboxed(url)
        yield built
        built.database.dispose()


def _run(w: World, day: date, batch: int = 2) -> tuple[RetentionReport, RetentionReport]:
    """A dry run, then the run, on ``day``; the dry run changed nothing and said what went."""
    set_today(w.components, day)
    before = table_counts(w.components)
    retention = Retention(w.components, Operator.platform(), batch=batch)
    dry = retention.run(dry_run=True)
    assert table_counts(w.components) == before
    done = retention.run()
    assert sorted(each(done.purged)) == sorted(each(dry.purged))
    assert sorted(done.archived) == sorted(dry.archived)
    assert_no_orphans(w.components)
    return dry, done


def _purged_on(w: World, day: date) -> set[str]:
    before = w.remaining()
    _dry, done = _run(w, day)
    gone = before - w.remaining()
    assert gone == set(each(done.purged))
    return {name for name, claim in w.claims.items() if claim.application_id in gone}


def test_each_rule_on_its_day_and_not_the_day_before(components: Components) -> None:
    day0 = london_date(components.clock.now()) + days(1)
    w = build_world(components, day0)
    everyone = set(w.claims)

    assert _purged_on(w, day0 + days(13)) == set()
    assert _purged_on(w, day0 + days(14)) == {"deleted"}
    assert _purged_on(w, day0 + days(29)) == set()
    assert w.archived() == set()
    # Day 30: the plain end phase and fraud; the CPP end moves to the archive; the child waits.
    assert _purged_on(w, day0 + days(30)) == {"ended", "fraud"}
    assert w.archived() == {w.app_id("cpp")}
    assert _purged_on(w, day0 + days(59)) == set()
    assert _purged_on(w, day0 + days(60)) == {"rejected"}
    archive_end = add_months(day0 + days(30), 12)
    assert _purged_on(w, archive_end - days(1)) == set()
    assert _purged_on(w, archive_end) == {"cpp"}
    adult = add_months(child_birth(day0), 21 * 12 + 1)
    assert adult > archive_end
    assert _purged_on(w, adult - days(1)) == set()
    assert _purged_on(w, adult) == {"child"}
    assert w.remaining() == {w.app_id("active")}
    assert everyone - {"active"} == {"deleted", "ended", "fraud", "rejected", "cpp", "child"}


def test_purge_keeps_the_journal_and_journals_each_batch(components: Components) -> None:
    day0 = london_date(components.clock.now()) + days(1)
    w = build_world(components, day0)
    dry, _done = _run(w, day0 + days(30))
    assert dry.held_back == 1  # the child claim, ended that day too
    with components.database.unit_of_work() as uow:
        kept = uow.session.scalars(
            select(JournalEntry.operation).where(JournalEntry.application_id == w.app_id("ended"))
        ).all()
        purges = uow.session.scalars(
            select(JournalEntry.detail).where(JournalEntry.operation == "PURGE")
        ).all()
    assert "addClaim" in kept and "exitRejectedClaim" in kept
    # one batch per rule with something due: the child claim of "ended" is held back
    assert sorted(purges) == sorted(
        f"{rule}: 1 claims purged: {w.app_id(name).lstrip('0')}"
        for rule, name in (("ended", "ended"), ("fraud", "fraud"), ("deleted", "deleted"))
    )


def test_notifications_are_deleted_after_15_days(components: Components) -> None:
    day0 = london_date(components.clock.now()) + days(1)
    w = build_world(components, day0)

    def notifications() -> int:
        with components.database.unit_of_work() as uow:
            return len(uow.session.scalars(select(Notification.guid)).all())

    created = notifications()
    assert created > 0
    _dry, done = _run(w, day0 + days(14))
    # only the notifications of the claim purged that day (ClaimDeleted, 14 days) went
    assert done.notifications == 0
    assert notifications() == created - done.rows["notifications"] < created
    _dry, done = _run(w, day0 + days(15))
    # every notification was created on day0; those of the claim purged on day 14 went with it
    assert notifications() == 0
    assert done.notifications > 0


def test_archived_claims_are_seen_only_with_archive_search(components: Components) -> None:
    day0 = london_date(components.clock.now()) + days(1)
    w = build_world(components, day0)
    with components.database.unit_of_work() as uow:
        spec = UserSpec("comp-arch-ch", "COMP001", "Ada", "Archive", "COMP_RTA_CH,ARCHIVE_SEARCH")
        ensure_user(uow, components.auth, spec, components.clock.now())
        enable_user(uow, spec.user_id, components.clock.now())
        uow.commit()
    _run(w, day0 + days(30))
    w.harness.tokens.clear()  # a month later: new tokens
    claim = w.claims["cpp"]
    get = m.GetClaim(application_id=claim.application_id)
    refusal: Refusal = w.harness.refused("getClaim", get, as_=COMP)
    assert refusal.key == "CLAIM_NOT_FOUND"
    assert w.harness.ok("getClaim", get, as_="comp-arch-ch").value
    search = m.SearchClaims(
        search_claim_criteria=m.SearchClaimCriteria(application_id=claim.application_id)
    )
    assert not w.harness.ok("searchClaims", search, as_=COMP).claims_list
    found = w.harness.ok("searchClaims", search, as_="comp-arch-ch").claims_list
    assert [c.application_id for c in found] == [claim.application_id]


def test_inactive_claims_are_reported_after_12_months(components: Components) -> None:
    day0 = london_date(components.clock.now()) + days(1)
    w = build_world(components, day0)
    retention = Retention(components)
    set_today(components, add_months(day0, 12) - days(1))
    assert [row[0] for row in retention.inactive()] == []
    set_today(components, add_months(day0, 12))
    # rejected and fraud are in active phases too, but a year on their own rules would have
    # purged them; not run here, they are reported
    reported = {row[0] for row in retention.inactive()}
    assert reported == {w.app_id(n) for n in ("active", "rejected", "fraud")}


def test_a_user_cannot_run_retention(components: Components) -> None:
    with pytest.raises(OperatorRefused):
        Retention(components, Operator("someone", "CR00001", frozenset({"ADV_DELETE"})))


def test_a_purged_newest_claim_leaves_its_application_id_unused(components: Components) -> None:
    day0 = london_date(components.clock.now()) + days(1)
    w = build_world(components, day0)
    c = w.claims
    c["newest"] = w.harness.submit("RET-NEWEST")
    w.sql("newest", phase="ClaimDeleted", ended=True, end_date=day0)
    newest = int(w.app_id("newest"))
    assert newest == max(int(a) for a in w.remaining())
    _purged = _purged_on(w, day0 + days(14))
    assert w.app_id("newest") not in w.remaining()
    w.harness.tokens.clear()
    after = w.harness.submit("RET-AFTER-PURGE")
    assert int(after.application_id) == newest + 1
