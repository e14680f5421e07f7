"""A gateway on the sandbox clock with claims in each situation of security.md 6.2, and the
checks every retention test makes: rows per table against the claims that remain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select, text, update

from gateway.app import Components, build
from gateway.domain.deadlines import london, london_date
from gateway.service import sandbox
from gateway.service.demo import seed
from gateway.service.sandbox import SandboxClock
from gateway.store.models import Claim, Notification
from gateway.store.retention import claim_tables
from tests.conftest import MovableClock, test_settings
from tests.e2e.claims import cnf
from tests.harness import Claimed, Harness, _registry

COMP = "comp-rta-ch"
CR = "cr-rta-ch"


def sandboxed(url: str) -> tuple[Components, SandboxClock]:
    """The demo world on ``url``, its components on the sandbox clock (settings.sandbox)."""
    settings = test_settings(url, sandbox=True)
    components = build(settings, None, _registry(settings.schemas_dir))
    with components.database.unit_of_work() as uow:
        seed(uow, components.auth, datetime.now(UTC))
        uow.commit()
    assert isinstance(components.clock, SandboxClock)
    return components, components.clock


def set_today(components: Components, day: date) -> None:
    """Move the sandbox clock to ``day`` at noon, Europe/London (every process reads it)."""
    target = datetime.combine(day, time(12), tzinfo=london())
    with components.database.unit_of_work() as uow:
        sandbox.write_offset(uow, sandbox.offset_for(target, datetime.now(UTC)))
        uow.commit()
    clock = components.clock
    assert isinstance(clock, SandboxClock)
    clock.invalidate()
    assert london_date(clock.now()) == day


@dataclass
class World:
    """The claims each rule is about, by name, on day ``day0``."""

    components: Components
    harness: Harness
    day0: date
    claims: dict[str, Claimed] = field(default_factory=dict)

    def app_id(self, name: str) -> str:
        return self.claims[name].application_id

    def sql(self, name: str, **values: Any) -> None:
        """Put a claim in a state the world cannot reach cheaply by requests (CPP end, GDPR)."""
        with self.components.database.unit_of_work() as uow:
            uow.session.execute(
                update(Claim).where(Claim.application_id == self.app_id(name)).values(**values)
            )
            uow.commit()

    def remaining(self) -> set[str]:
        with self.components.database.unit_of_work() as uow:
            return set(uow.session.scalars(select(Claim.application_id)))

    def archived(self) -> set[str]:
        with self.components.database.unit_of_work() as uow:
            return set(
                uow.session.scalars(
                    select(Claim.application_id).where(Claim.archived_at.is_not(None))
                )
            )


def child_birth(day0: date) -> date:
    """A claimant 17 years old on ``day0``: 21 years and 1 month old on 4 years 1 month later."""
    return date(day0.year - 17, day0.month, min(day0.day, 28))


def build_world(components: Components, day0: date) -> World:
    set_today(components, day0)
    clock = MovableClock()  # the harness's own (token expiry); the service runs on the sandbox
    h = Harness(components, clock)
    w = World(components, h, day0)
    c = w.claims
    c["active"] = h.submit("RET-ACTIVE")  # ClaimSubmitted: never purged, reported after a year
    rejected = h.submit("RET-REJECTED")
    c["rejected"] = h.step("rejectClaimToCR", rejected, COMP, rejection_reason_code="1")
    ended = h.step("rejectClaimToCR", h.submit("RET-ENDED"), COMP, rejection_reason_code="1")
    c["ended"] = h.step("exitRejectedClaim", ended, CR)
    accepted = h.step(
        "acceptClaim", h.submit("RET-FRAUD"), COMP, insurer_claim_reference_number="INS-FRAUD"
    )
    c["fraud"] = h.step("stateFraud", accepted, COMP, reason_code="0", reason_description="staged")
    text_ = cnf("RET-CHILD", child=True, birth=child_birth(day0))
    child = Harness.claimed(h.ok("addClaim", _add(text_), as_=CR))
    child = h.step("rejectClaimToCR", child, COMP, rejection_reason_code="1")
    c["child"] = h.step("exitRejectedClaim", child, CR)
    c["cpp"] = h.submit("RET-CPP")
    w.sql("cpp", phase="CourtProceedingsPackEnd", ended=True, end_date=day0)
    c["deleted"] = h.submit("RET-DELETED")
    w.sql("deleted", phase="ClaimDeleted", ended=True, end_date=day0, gdpr_deleted=True)
    assert c["rejected"].phase == "AcknowledgeRejectedClaim"
    assert c["ended"].phase == "ExitRejectedClaim"
    assert c["fraud"].phase == "FraudStated"
    return w


def _add(text_: str) -> Any:
    from gateway.service import messages as m

    return m.AddClaim(claim_xml=text_)


# ------------------------------------------------------------------------------ wholeness
def table_counts(components: Components) -> dict[str, int]:
    """Rows per table keyed by a claim, and claims, notifications and journal entries."""
    with components.database.unit_of_work() as uow:
        names = [t.name for t in claim_tables()] + ["claims", "notifications", "journal"]
        return {
            name: int(uow.session.scalar(text(f"SELECT COUNT(*) FROM {name}")) or 0)
            for name in names
        }


def orphans(components: Components) -> dict[str, int]:
    """Rows of every claim-keyed table whose claim is gone (all must be zero)."""
    found: dict[str, int] = {}
    with components.database.unit_of_work() as uow:
        ids = select(Claim.id)
        for table in claim_tables():
            column = next(
                fk.parent for fk in table.foreign_keys if fk.column.table.name == "claims"
            )
            query = select(func.count()).select_from(table).where(column.not_in(ids))
            found[table.name] = int(uow.session.scalar(query) or 0)
        app_ids = select(Claim.application_id)
        query = select(func.count()).where(Notification.application_id.not_in(app_ids))
        found["notifications"] = int(uow.session.scalar(query) or 0)
    return found


def assert_no_orphans(components: Components) -> None:
    assert set(orphans(components).values()) == {0}, orphans(components)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def each(values: dict[str, list[str]]) -> Iterator[str]:
    for ids in values.values():
        yield from ids
