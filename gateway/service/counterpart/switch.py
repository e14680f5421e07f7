"""Which organisations the counterpart plays, with which scenario: ``system_settings`` rows.

One row per organisation, ``sandbox.counterpart.<ORG>`` = ``<scenario>``, so that every process of
the deployment (servers, the ``gateway sandbox run`` loop) sees the same switches. A law firm's
submissions keep their count beside it (``...<ORG>.sent`` = ``<n> <ISO time of the last>``).
Switching is refused unless the deployment is a sandbox: production has no counterpart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from gateway.config import Settings
from gateway.errors import GatewayError
from gateway.service.clock import as_utc
from gateway.service.counterpart.scenario import load
from gateway.service.unit_of_work import UnitOfWork
from gateway.store.models import SystemSetting

PREFIX: Final = "sandbox.counterpart."


class NotASandbox(GatewayError):
    """The counterpart is a sandbox feature; this deployment is not a sandbox."""

    def __init__(self) -> None:
        super().__init__(
            "refused: this deployment is not a sandbox (set GATEWAY_SANDBOX=1 on a test "
            "deployment); production has no counterpart"
        )


@dataclass(frozen=True)
class Switch:
    organisation_id: str
    scenario: str


def require_sandbox(settings: Settings) -> None:
    if not settings.sandbox:
        raise NotASandbox()


def _put(uow: UnitOfWork, key: str, value: str) -> None:
    row = uow.session.get(SystemSetting, key)
    if row is None:
        uow.session.add(SystemSetting(key=key, value=value))
    else:
        row.value = value


def enable(uow: UnitOfWork, settings: Settings, organisation_id: str, scenario: str) -> Switch:
    """Play ``organisation_id`` with ``scenario`` (a shipped name or a .toml path); the caller
    commits. The scenario is loaded (and so checked) now, not at the first run."""
    require_sandbox(settings)
    if uow.organisations.get(organisation_id) is None:
        raise GatewayError(f"no organisation {organisation_id}")
    load(scenario)
    stored = str(Path(scenario).resolve()) if scenario.endswith(".toml") else scenario
    _put(uow, PREFIX + organisation_id, stored)
    return Switch(organisation_id, stored)


def disable(uow: UnitOfWork, settings: Settings, organisation_id: str) -> bool:
    """Stop playing ``organisation_id``; False if it was not played. The caller commits."""
    require_sandbox(settings)
    found = False
    for key in (PREFIX + organisation_id, PREFIX + organisation_id + ".sent"):
        row = uow.session.get(SystemSetting, key)
        if row is not None:
            uow.session.delete(row)
            found = found or key == PREFIX + organisation_id
    return found


def switches(uow: UnitOfWork) -> list[Switch]:
    """The organisations played, in organisation order."""
    found = []
    for org in uow.organisations.all():
        row = uow.session.get(SystemSetting, PREFIX + org.organisation_id)
        if row is not None:
            found.append(Switch(org.organisation_id, row.value))
    return found


def sent(uow: UnitOfWork, organisation_id: str) -> tuple[int, datetime | None]:
    """How many claims the law firm's scenario has sent, and when it sent the last."""
    row = uow.session.get(SystemSetting, PREFIX + organisation_id + ".sent")
    if row is None:
        return 0, None
    count, _, at = row.value.partition(" ")
    return int(count), as_utc(datetime.fromisoformat(at)) if at else None


def record_sent(uow: UnitOfWork, organisation_id: str, count: int, at: datetime) -> None:
    _put(uow, PREFIX + organisation_id + ".sent", f"{count} {at.isoformat()}")
