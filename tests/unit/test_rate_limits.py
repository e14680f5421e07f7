"""Rate limits (security.md section 7) in process: the sliding window of the counters, and through
the service layer (``tests.harness``) the ``RATE_LIMITED`` refusal per A2A user and per address
of failed logins: in-band, journaled, and refused before the handler or the password check."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from gateway.domain.services import Service
from gateway.service import messages as m
from gateway.service.gateway import (
    Decoded,
    Done,
    GatewayService,
    OperationSpec,
    Outcome,
    Refused,
    ServiceRequest,
)
from gateway.service.rate_limits import MemoryCounters, RateLimits
from gateway.store.models import JournalEntry, User
from tests.harness import PASSWORDS, Harness


class FakeTime:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


# ---------------------------------------------------------------------------- the counters
def test_at_most_the_limit_in_a_window_and_refusals_do_not_count() -> None:
    clock = FakeTime()
    counters = MemoryCounters(clock)
    assert [counters.take("k", 3, 1) for _ in range(5)] == [True] * 3 + [False] * 2
    clock.now += 1.0  # the next window begins: the previous one still fills the sliding window
    assert counters.take("k", 3, 1) is False
    clock.now += 0.5  # half of it has slid out: 3 * 0.5 + 0 + 1 <= 3
    assert [counters.take("k", 3, 1) for _ in range(3)] == [True, False, False]
    clock.now += 2.0  # two windows later nothing counts
    assert counters.level("k", 1) == 0
    assert counters.take("other", 3, 1) is True


def test_a_steady_flood_is_served_at_the_limit_rate() -> None:
    clock = FakeTime()
    counters = MemoryCounters(clock)
    served = 0
    for _ in range(10 * 200):  # ten seconds of 200 requests a second
        clock.now += 1 / 200
        served += counters.take("flood", 50, 1)
    assert 10 * 50 - 50 <= served <= 10 * 50 + 50


def test_failed_logins_are_counted_whatever_the_level() -> None:
    clock = FakeTime()
    counters = MemoryCounters(clock)
    for _ in range(4):
        counters.add("login-from:10.0.0.1", 600)
    assert counters.level("login-from:10.0.0.1", 600) == 4
    clock.now += 1800
    assert counters.level("login-from:10.0.0.1", 600) == 0


def test_stale_keys_are_pruned() -> None:
    clock = FakeTime()
    counters = MemoryCounters(clock)
    counters.PRUNE_ABOVE = 3
    for n in range(3):
        counters.add(f"old{n}", 1)
    clock.now += 5
    counters.add("new", 1)
    assert set(counters._rows) == {"new"}


# ------------------------------------------------------------------- through the service
def limited(harness: Harness, **limits: Any) -> tuple[FakeTime, list[str]]:
    """Give ``harness`` a service with ``limits`` on a fake clock; the operations its handlers
    ran are listed in the list returned."""
    clock = FakeTime()
    ran: list[str] = []
    parts = harness.components
    old = parts.service

    def counted(name: str, spec: OperationSpec) -> OperationSpec:
        def handler(call: Any) -> Any:
            ran.append(name)
            return spec.handler(call)

        return OperationSpec(handler, spec.side, spec.reads_only, spec.prepare)

    operations = {name: counted(name, spec) for name, spec in old.operations.items()}
    settings = parts.settings.with_overrides(**limits)
    parts.service = GatewayService(
        settings,
        parts.database,
        parts.auth,
        parts.clock,
        operations,
        old.env,
        rate_limits=RateLimits(settings, MemoryCounters(clock)),
    )
    return clock, ran


def journal_of(harness: Harness, operation: str) -> list[tuple[str, str | None, str | None]]:
    with harness.components.database.unit_of_work() as uow:
        rows = uow.session.scalars(
            select(JournalEntry)
            .where(JournalEntry.operation == operation)
            .order_by(JournalEntry.id)
        ).all()
        return [(r.outcome, r.error_key, r.user_id) for r in rows]


def test_an_a2a_user_over_its_rate_is_refused_in_band_and_journaled(harness: Harness) -> None:
    clock, ran = limited(harness, rate_limit_per_user=3, rate_limit_seconds=60)
    for _ in range(3):
        harness.ok("getClaimsList", as_="cr-rta-ch")
    refusal = harness.refused("getClaimsList", as_="cr-rta-tl")  # same A2A user, other asUser
    assert refusal.key == "RATE_LIMITED"
    assert "more than 3 requests in 60 s from A2A user cr-a2a" in refusal.details
    assert ran.count("getClaimsList") == 3  # the refused request did no handler work
    assert journal_of(harness, "getClaimsList")[-1] == ("Failure", "RATE_LIMITED", "cr-a2a")
    harness.ok("getClaimsList", as_="comp-rta-ch")  # another A2A user has its own count
    clock.now += 120
    harness.ok("getClaimsList", as_="cr-rta-ch")


def run_from(
    harness: Harness,
    address: str,
    operation: str,
    request: Any,
    user_auth: m.UserAuth | None = None,
) -> Outcome:
    outcomes: list[Outcome] = []

    def answer(outcome: Outcome) -> bytes:
        outcomes.append(outcome)
        return b""

    req = ServiceRequest(
        "/PIP.WSTK/PIPWSTK",
        Service.RTA,
        "legacy" if user_auth else "token",
        operation,
        lambda: Decoded(request, user_auth=user_auth),
        str(uuid.uuid4()),
        address,
        b"",
    )
    harness.components.service.handle(req, answer)
    return outcomes[-1]


def key_of(outcome: Outcome) -> str:
    return outcome.refusal.key if isinstance(outcome, Refused) else type(outcome).__name__


def failed_attempts(harness: Harness, user_id: str) -> int:
    with harness.components.database.unit_of_work() as uow:
        user = uow.session.get(User, user_id)
        assert user is not None
        return user.failed_attempts


@pytest.mark.parametrize("operation", ["getToken", "changePassword", "refreshToken"])
def test_an_address_over_its_failed_logins_is_refused_before_the_password(
    harness: Harness, operation: str
) -> None:
    clock, ran = limited(harness, failed_logins_per_address=3, failed_logins_seconds=600)
    good = PASSWORDS["cr-a2a"]
    right = m.GetToken(user_id="cr-a2a", user_as_id="cr-rta-ch", password=good)
    wrong: dict[str, Any] = {
        "getToken": m.GetToken(user_id="cr-a2a", user_as_id="cr-rta-ch", password="Wrong-1!"),
        "changePassword": m.ChangePassword(
            user_id="cr-a2a", old_password="Wrong-1!", new_password="Quartz-Lynx-2027!"
        ),
        "refreshToken": m.RefreshToken(
            user_id="cr-a2a", user_as_id="cr-rta-ch", refresh_token="not-a-token"
        ),
    }
    address = "192.0.2.7"
    keys = [key_of(run_from(harness, address, operation, wrong[operation])) for _ in range(2)]
    unknown = m.GetToken(user_id="no-such-user", user_as_id="x", password="Wrong-1!")
    keys.append(key_of(run_from(harness, address, "getToken", unknown)))  # counted alike
    assert keys[2] == "AUTH_LOGIN_FAILED"
    assert keys[0] in {"AUTH_LOGIN_FAILED", "AUTH_REFRESH_INVALID"}
    attempts = failed_attempts(harness, "cr-a2a")
    handled = len(ran)

    assert key_of(run_from(harness, address, "getToken", right)) == "RATE_LIMITED"
    assert len(ran) == handled  # no password was checked: nothing counted towards the lockout
    assert failed_attempts(harness, "cr-a2a") == attempts
    assert journal_of(harness, "getToken")[-1] == ("Failure", "RATE_LIMITED", "cr-a2a")
    assert isinstance(run_from(harness, "192.0.2.8", "getToken", right), Done)  # other address
    harness.ok("getClaimsList", as_="cr-rta-ch")  # token requests are not logins
    clock.now += 1800
    assert isinstance(run_from(harness, address, "getToken", right), Done)


def test_legacy_user_auth_failures_count_towards_the_address_limit(harness: Harness) -> None:
    limited(harness, failed_logins_per_address=2, failed_logins_seconds=600)
    request = m.GetClaimsList()

    def legacy(password: str) -> str:
        auth = m.UserAuth(username="cr-a2a", as_user="cr-rta-ch", password=password)
        return key_of(run_from(harness, "192.0.2.10", "getClaimsList", request, auth))

    assert legacy(PASSWORDS["cr-a2a"]) == "Done"
    assert [legacy("Wrong-1!"), legacy("Wrong-1!")] == ["AUTH_LOGIN_FAILED"] * 2
    assert legacy(PASSWORDS["cr-a2a"]) == "RATE_LIMITED"


def test_successful_logins_do_not_count(harness: Harness) -> None:
    limited(harness, failed_logins_per_address=2, failed_logins_seconds=600)
    right = m.GetToken(user_id="cr-a2a", user_as_id="cr-rta-ch", password=PASSWORDS["cr-a2a"])
    for _ in range(4):
        assert isinstance(run_from(harness, "192.0.2.9", "getToken", right), Done)
