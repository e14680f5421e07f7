"""Operator functions: what the people who run the gateway do outside A2A (security.md 6 and 8).

One service layer, called by ``gateway admin ...`` / ``gateway retention ...`` today and by a web
administration console later. Every function takes an ``Operator`` (who acts), checks that
operator's rights, journals what it did (who, what, which claims, why) as an ``operator`` journal
row, and is idempotent: run twice, it does its work once and reports the rest as already done.

* ``Operator.platform()`` is whoever runs the gateway's own CLI on its hosts: every right.
* ``Operator.user(uow, user_id)`` is a named, enabled user acting through the administration
  interface, with that user's profiles and organisation (``ADV_DELETE`` deletes claims of its own
  organisation, an organisation administrator reads its own audit report ...).

``system_entry`` is the one shape of a journal row that no A2A request made (timeouts, operator
functions): actor, operation, claim, phases and GUIDs, outcome Ok, a detail, an empty stored body.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from gateway.config import Settings
from gateway.domain.profiles import parse_profiles
from gateway.errors import GatewayError
from gateway.service.unit_of_work import UnitOfWork

ENDPOINT: Final = "operator"
PLATFORM: Final = "OPERATOR"


class OperatorRefused(GatewayError):
    """The operator may not do this (rights), or asked for something that cannot be done."""


@dataclass(frozen=True)
class Operator:
    """Who runs an operator function."""

    actor: str  # the journal's actor: OPERATOR, or the user id
    organisation_id: str | None  # None: the platform operator, every organisation
    profiles: frozenset[str]

    @classmethod
    def platform(cls) -> Operator:
        return cls(PLATFORM, None, frozenset())

    @classmethod
    def user(cls, uow: UnitOfWork, user_id: str) -> Operator:
        user = uow.users.get(user_id)
        if user is None or not user.enabled:
            raise OperatorRefused(f"no enabled user {user_id!r}")
        return cls(user.user_id, user.organisation_id, frozenset(parse_profiles(user.profiles)))

    @property
    def is_platform(self) -> bool:
        return self.organisation_id is None

    def require(self, profile: str | None = None, organisation_id: str | None = None) -> None:
        """The platform operator may do anything; a user needs ``profile`` (if named) and to
        belong to ``organisation_id`` (if named)."""
        if self.is_platform:
            return
        if profile is not None and profile not in self.profiles:
            raise OperatorRefused(f"{self.actor} does not hold the {profile} profile")
        if organisation_id is not None and organisation_id != self.organisation_id:
            raise OperatorRefused(f"{self.actor} does not belong to {organisation_id}")


def system_entry(
    uow: UnitOfWork,
    settings: Settings,
    now: datetime,
    *,
    endpoint: str,
    actor: str,
    operation: str,
    service: str | None,
    detail: str,
    application_id: str | None = None,
    phase: tuple[str | None, str | None] = (None, None),
    guid: tuple[str | None, str | None] = (None, None),
    transition: str | None = None,
) -> None:
    """A journal row no A2A request made (its stored message is empty)."""
    correlation_id = str(uuid.uuid4())
    uow.journal.append(
        {
            "at": now,
            "correlation_id": correlation_id,
            "endpoint": endpoint,
            "service": service,
            "operation": operation,
            "actor": actor,
            "user_id": None,
            "as_user_id": None,
            "client_id": None,
            "token_family": None,
            "source_ip": None,
            "application_id": application_id,
            "phase_before": phase[0],
            "phase_after": phase[1],
            "guid_before": guid[0],
            "guid_after": guid[1],
            "outcome": "Ok",
            "error_key": None,
            "detail": detail[:500],
            "duration_ms": 0,
            "request_bytes": 0,
            "response_bytes": 0,
            "pack_sha256": None,
            "transition": transition,
        },
        {
            "correlation_id": correlation_id,
            "received_at": now,
            "endpoint": endpoint,
            "expires_at": now + timedelta(days=settings.message_retention_days),
            "body": b"",
            "truncated": False,
        },
    )


def operator_entry(
    uow: UnitOfWork,
    settings: Settings,
    operator: Operator,
    now: datetime,
    operation: str,
    detail: str,
    service: str | None = None,
) -> None:
    """The journal row of an operator function that names no claim (accounts, releases, the
    Insurer Index, the calendar)."""
    system_entry(
        uow, settings, now, endpoint=ENDPOINT, actor=operator.actor, operation=operation,
        service=service, detail=detail,
    )  # fmt: skip
