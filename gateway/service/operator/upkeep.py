"""Upkeep (security.md 2.1 and 8, lifecycle.md 5.1): accounts extended and deleted, the Insurer
Index and the compensators' "same group / TPA" links that ``reassignToAnotherCM`` checks, and the
administrator's warning about a year without an imported bank-holiday calendar.

* **Account extension**: an account expires 2 years after creation unless extended; an extension
  sets the expiry to 2 years from today (or a date given), never earlier than it was.
* **Account deletion**: an account disabled for 12 months is deleted if no claim refers to it
  (allocated, holding a lock, having added an attachment); otherwise it stays disabled. An account
  counts as disabled from the earliest of: an administrator disabling it, 90 days without a
  successful authentication, its expiry. Its id is kept with its organisation
  (``former_users``) so that audit reports still attribute its journal entries.
* **Calendar warning**: for each year that has started or starts within 90 days and has no
  imported calendar (the statutory rules apply), a warning, journaled once per year.

Every function checks the operator's rights, journals what changed and is idempotent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Final

from gateway.config import Settings
from gateway.domain.deadlines import london_date
from gateway.service.admin import ACCOUNT_LIFETIME, ensure_index_entries
from gateway.service.claims.calendar_store import calendar_from_store
from gateway.service.clock import as_utc
from gateway.service.operator import (
    ENDPOINT,
    Operator,
    OperatorRefused,
    operator_entry,
    system_entry,
)
from gateway.service.operator.acting import Report
from gateway.service.unit_of_work import UnitOfWork
from gateway.store import operator_queries as q
from gateway.store.models import User

DELETE_AFTER: Final = timedelta(days=365)
CALENDAR_LEAD_DAYS: Final = 90
ADMIN_PROFILES: Final = frozenset({"CR_ADMIN", "COMP_ADMIN"})
_WARNED: Final = "calendar.warned."


def _administers(operator: Operator, organisation_id: str) -> None:
    """The platform operator, or an administrator of ``organisation_id``."""
    if operator.is_platform:
        return
    operator.require(organisation_id=organisation_id)
    if not operator.profiles & ADMIN_PROFILES:
        raise OperatorRefused(f"{operator.actor} is not an organisation administrator")


def _platform(operator: Operator, what: str) -> None:
    if not operator.is_platform:
        raise OperatorRefused(f"{what} is kept by the platform operator")


# ----------------------------------------------------------------------------------- accounts
def extend_account(
    uow: UnitOfWork,
    settings: Settings,
    operator: Operator,
    user_id: str,
    now: datetime,
    until: date | None = None,
) -> str:
    """Extend the account to ``until`` (default: 2 years from today); never shortens it."""
    user = uow.users.get(user_id)
    if user is None:
        raise OperatorRefused(f"no user {user_id}")
    _administers(operator, user.organisation_id)
    new = (
        datetime.combine(until, datetime.min.time(), tzinfo=now.tzinfo)
        if until is not None
        else now + ACCOUNT_LIFETIME
    )
    if new <= now:
        raise OperatorRefused("the new expiry must be in the future")
    current = as_utc(user.account_expires_at) if user.account_expires_at else None
    if current is not None and current >= new:
        return f"user {user_id}: expires {current:%Y-%m-%d}, unchanged"
    user.account_expires_at = new
    operator_entry(
        uow,
        settings,
        operator,
        now,
        "ACCOUNT_EXTEND",
        f"account {user_id} extended to {new:%Y-%m-%d}"
        + (f" (was {current:%Y-%m-%d})" if current else ""),
    )
    return f"user {user_id}: expires {new:%Y-%m-%d}"


def disabled_since(user: User, settings: Settings) -> datetime | None:
    """When the account became disabled (security.md 2.1), or None while it is usable."""
    last = as_utc(user.last_auth_at or user.created_at)
    moments = [last + timedelta(days=settings.inactivity_days)]
    if not user.enabled:
        moments.append(as_utc(user.disabled_at) if user.disabled_at else last)
    if user.account_expires_at is not None:
        moments.append(as_utc(user.account_expires_at))
    return min(moments)


def delete_stale_accounts(
    uow: UnitOfWork,
    settings: Settings,
    operator: Operator,
    now: datetime,
    *,
    dry_run: bool = False,
) -> Report:
    """Delete the accounts disabled for 12 months that no claim refers to; ``dry_run`` only
    reports what would go. Accounts a claim refers to are reported as kept."""
    _platform(operator, "account deletion")
    due = [
        user
        for user in uow.users.all()
        if (since := disabled_since(user, settings)) is not None and since <= now - DELETE_AFTER
    ]
    referred = q.users_referred_by_claims(uow.session, [u.user_id for u in due])
    report = Report()
    for user in due:
        if user.user_id in referred:
            report.skipped.append((user.user_id, "a claim refers to it: kept disabled"))
            continue
        report.done.append(user.user_id)
        if dry_run:
            continue
        if user.enabled:  # disabled by inactivity or expiry: record it as disabled first
            user.enabled, user.disabled_at = False, now
        organisation_id = user.organisation_id
        q.delete_account(uow.session, user, now)
        operator_entry(
            uow,
            settings,
            operator,
            now,
            "ACCOUNT_DELETE",
            f"account {user.user_id} of {organisation_id} deleted: disabled for 12 months",
        )
    return report


# ---------------------------------------------------------------- Insurer Index and links
def add_index_entry(
    uow: UnitOfWork,
    settings: Settings,
    operator: Operator,
    insurer_name: str,
    contact_name: str,
    organisation_id: str,
    now: datetime,
) -> str:
    """Map a brand or trading name to the compensator handling it (replacing its mapping)."""
    _platform(operator, "the Insurer Index")
    name = " ".join(insurer_name.split())
    if not name:
        raise OperatorRefused("the insurer name must not be empty")
    org = uow.organisations.get(organisation_id)
    if org is None or org.kind != "COMP":
        raise OperatorRefused(f"{organisation_id} is not a compensator organisation")
    before = uow.organisations.index_entry(name)
    if (
        before is not None
        and before.organisation_id == organisation_id
        and (before.contact_name or "") == contact_name
    ):
        return f"{name!r}: already mapped to {organisation_id}"
    ensure_index_entries(uow, [(name, contact_name, organisation_id)])
    operator_entry(
        uow,
        settings,
        operator,
        now,
        "INSURER_INDEX",
        f"{name!r} -> {organisation_id}"
        + (f" (was {before.organisation_id})" if before is not None else ""),
    )
    return f"{name!r}: mapped to {organisation_id}"


def remove_index_entry(
    uow: UnitOfWork, settings: Settings, operator: Operator, insurer_name: str, now: datetime
) -> str:
    _platform(operator, "the Insurer Index")
    if not q.remove_index_entry(uow.session, insurer_name):
        return f"{insurer_name!r}: not in the Insurer Index"
    operator_entry(uow, settings, operator, now, "INSURER_INDEX", f"{insurer_name!r} removed")
    return f"{insurer_name!r}: removed"


def set_link(
    uow: UnitOfWork,
    settings: Settings,
    operator: Operator,
    organisation_id: str,
    other_id: str,
    linked: bool,
    now: datetime,
) -> str:
    """Link two compensators as "same group / TPA" (``linked``) or remove their link; a link
    works both ways for ``reassignToAnotherCM``."""
    _platform(operator, "the same group / TPA links")
    for org_id in (organisation_id, other_id):
        org = uow.organisations.get(org_id)
        if org is None or org.kind != "COMP":
            raise OperatorRefused(f"{org_id} is not a compensator organisation")
    if organisation_id == other_id:
        raise OperatorRefused("an organisation is not linked to itself")
    pair = f"{organisation_id} and {other_id}"
    if linked:
        if uow.organisations.linked(organisation_id, other_id):
            return f"{pair} are already linked"
        uow.organisations.link(organisation_id, other_id)
    elif not q.unlink(uow.session, organisation_id, other_id):
        return f"{pair} were not linked"
    operator_entry(
        uow,
        settings,
        operator,
        now,
        "COMPENSATOR_LINK",
        f"{pair} {'linked' if linked else 'unlinked'} (same group / TPA)",
    )
    return f"{pair} {'linked' if linked else 'unlinked'}"


# ----------------------------------------------------------------------------------- calendar
def calendar_years_to_warn(uow: UnitOfWork, now: datetime) -> list[int]:
    """Years that have started or start within 90 days without an imported calendar."""
    return calendar_from_store(uow).years_to_warn(london_date(now), CALENDAR_LEAD_DAYS)


def calendar_warnings(
    uow: UnitOfWork, settings: Settings, now: datetime, *, record: bool = True
) -> list[str]:
    """The administrator warnings about the calendar (lifecycle.md 5.1); with ``record``, each
    year's first warning is journaled (actor SYSTEM), once."""
    warnings = []
    warned = q.settings_with_prefix(uow.session, _WARNED)
    for year in calendar_years_to_warn(uow, now):
        warnings.append(
            f"no bank-holiday calendar imported for {year}: deadlines in {year} count the "
            "statutory holidays; import the england-and-wales data (gateway calendar import)"
        )
        if record and f"{_WARNED}{year}" not in warned:
            q.put_setting(uow.session, f"{_WARNED}{year}", now.isoformat())
            system_entry(
                uow,
                settings,
                now,
                endpoint=ENDPOINT,
                actor="SYSTEM",
                operation="CALENDAR_WARNING",
                service=None,
                detail=warnings[-1],
            )
    return warnings


def warned_years(uow: UnitOfWork) -> Sequence[int]:
    return sorted(int(k[len(_WARNED) :]) for k in q.settings_with_prefix(uow.session, _WARNED))
