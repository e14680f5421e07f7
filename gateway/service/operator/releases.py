"""Release configuration (README 7, security.md 8): the current release per service and the
releases closed to new claims, set by the operator while the gateway runs.

Both live in ``system_settings`` (``release.<service>.current``, ``release.<service>.<R>.closed``)
so that every process on every host sees a change at its next ``addClaim``; without a stored
value the deployment's settings (``GATEWAY_RTA_CURRENT_RELEASE`` ...) say which release is current
and none is closed. A closed release keeps serving the claims created under it: only ``addClaim``
asks, and refuses with ``BUSINESS_RULE`` naming the release.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from gateway.config import Settings
from gateway.domain.releases import RELEASE_VERSIONS
from gateway.domain.services import Service
from gateway.errors import BusinessRuleViolation, Violation
from gateway.service.operator import (
    Operator,
    OperatorRefused,
    operator_entry,
)
from gateway.service.unit_of_work import UnitOfWork
from gateway.store import operator_queries as q

PREFIX: Final = "release."
RULE: Final = "RELEASE-01"


def _current_key(service: Service) -> str:
    return f"{PREFIX}{service.value}.current"


def _closed_key(service: Service, release: str) -> str:
    return f"{PREFIX}{service.value}.{release}.closed"


@dataclass(frozen=True)
class ReleaseState:
    """One service's release configuration as it stands."""

    service: Service
    current: str
    closed: frozenset[str]
    known: tuple[str, ...]


def state(uow: UnitOfWork, settings: Settings, service: Service) -> ReleaseState:
    stored = q.settings_with_prefix(uow.session, f"{PREFIX}{service.value}.")
    known = tuple(name for (s, name) in RELEASE_VERSIONS if s is service)
    closed = frozenset(name for name in known if stored.get(_closed_key(service, name)) == "1")
    current = stored.get(_current_key(service)) or settings.current_release(service)
    return ReleaseState(service, current, closed, known)


def current_release(uow: UnitOfWork, settings: Settings, service: Service) -> str:
    """The release new claims of ``service`` are created under."""
    return state(uow, settings, service).current


def open_current_release(uow: UnitOfWork, settings: Settings, service: Service) -> str:
    """``addClaim``: the current release, read once, refused if it is closed (as
    ``require_open`` refuses)."""
    found = state(uow, settings, service)
    _require_open(found, service, found.current)
    return found.current


def require_open(uow: UnitOfWork, settings: Settings, service: Service, release: str) -> None:
    """``addClaim``: a release closed to new claims refuses them (``BUSINESS_RULE``)."""
    _require_open(state(uow, settings, service), service, release)


def _require_open(found: ReleaseState, service: Service, release: str) -> None:
    if release in found.closed:
        raise BusinessRuleViolation(
            [
                Violation(
                    "claimXML",
                    f"release {service.process_name} {release} is closed to new claims",
                    rule=RULE,
                )
            ]
        )


def _check(service: Service, release: str) -> None:
    if (service, release) not in RELEASE_VERSIONS:
        known = ", ".join(name for (s, name) in RELEASE_VERSIONS if s is service)
        raise OperatorRefused(f"{service.value} has no release {release!r} (known: {known})")


def set_current(
    uow: UnitOfWork,
    settings: Settings,
    operator: Operator,
    service: Service,
    release: str,
    now: datetime,
) -> str:
    """Make ``release`` the one new claims of ``service`` are created under."""
    if not operator.is_platform:
        raise OperatorRefused("only the platform operator configures releases")
    _check(service, release)
    before = current_release(uow, settings, service)
    if before == release:
        return f"{service.value} current release is already {release}"
    q.put_setting(uow.session, _current_key(service), release)
    _journal(uow, settings, operator, now, service, f"current release {before} -> {release}")
    return f"{service.value} current release: {release} (was {before})"


def set_closed(
    uow: UnitOfWork,
    settings: Settings,
    operator: Operator,
    service: Service,
    release: str,
    closed: bool,
    now: datetime,
) -> str:
    """Close ``release`` to new claims (``closed``), or open it again."""
    if not operator.is_platform:
        raise OperatorRefused("only the platform operator configures releases")
    _check(service, release)
    changed = q.put_setting(uow.session, _closed_key(service, release), "1" if closed else None)
    what = "closed to new claims" if closed else "open to new claims"
    if not changed:
        return f"{service.value} {release} is already {what}"
    _journal(uow, settings, operator, now, service, f"release {release} {what}")
    return f"{service.value} {release}: {what}"


def _journal(
    uow: UnitOfWork,
    settings: Settings,
    operator: Operator,
    now: datetime,
    service: Service,
    detail: str,
) -> None:
    operator_entry(
        uow, settings, operator, now, "RELEASE_CONFIGURATION", detail, service.process_name
    )


def describe(states: list[ReleaseState]) -> list[dict[str, Any]]:
    """Plain rows for printing: service, release, current, closed."""
    return [
        {
            "service": s.service.value,
            "release": name,
            "current": name == s.current,
            "closed": name in s.closed,
        }
        for s in states
        for name in s.known
    ]
