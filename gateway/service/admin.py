"""Administration (security.md section 8) as scriptable, idempotent functions: organisations,
branches, users, reference data. The ``gateway admin`` commands and the demo world call these."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from gateway.domain.profiles import parse_profiles, side_of, unknown_profiles
from gateway.errors import GatewayError
from gateway.service.auth import Authenticator
from gateway.service.unit_of_work import UnitOfWork
from gateway.store.models import Branch, Hospital, InsurerIndexEntry, Organisation, User
from gateway.store.operator_queries import is_former_user

ACCOUNT_LIFETIME = timedelta(days=730)


class AdminError(GatewayError):
    """An administrative request that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class OrganisationSpec:
    organisation_id: str
    kind: str  # CR | COMP
    name: str
    compensator_type: str | None = None
    rta: bool = True
    elpl: bool = True
    city: str | None = None
    street1: str | None = None
    post_code: str | None = None
    country: str | None = "UK"


def ensure_organisation(uow: UnitOfWork, spec: OrganisationSpec, now: datetime) -> str:
    """Create the organisation with its Central Point (branch 001); 'created' or 'unchanged'."""
    if spec.kind not in ("CR", "COMP"):
        raise AdminError(f"organisation type must be CR or COMP, not {spec.kind!r}")
    if spec.kind == "COMP" and spec.compensator_type not in ("I", "M", "S"):
        raise AdminError("a compensator needs a type: I (insurer), M (MIB) or S (self-insured)")
    if spec.kind == "CR" and spec.compensator_type:
        raise AdminError("only compensators have a compensator type")
    prefix = "CR" if spec.kind == "CR" else "COMP"
    if (
        not spec.organisation_id.startswith(prefix)
        or not spec.organisation_id[len(prefix) :].isdigit()
    ):
        raise AdminError(
            f"{spec.kind} organisation ids look like {prefix}00009, not {spec.organisation_id!r}"
        )
    existing = uow.organisations.get(spec.organisation_id)
    if existing is not None:
        if existing.kind != spec.kind:
            raise AdminError(f"{spec.organisation_id} exists as a {existing.kind} organisation")
        existing.name, existing.compensator_type = spec.name, spec.compensator_type
        existing.rta_enabled, existing.elpl_enabled = spec.rta, spec.elpl
        return "unchanged"
    uow.organisations.add(
        Organisation(
            organisation_id=spec.organisation_id,
            kind=spec.kind,
            name=spec.name,
            compensator_type=spec.compensator_type,
            rta_enabled=spec.rta,
            elpl_enabled=spec.elpl,
            active=True,
            city=spec.city,
            street1=spec.street1,
            post_code=spec.post_code,
            country=spec.country,
            address_type="P",
            created_at=now,
        )
    )
    uow.flush()
    ensure_branch(uow, spec.organisation_id, "001", "Central Point")
    return "created"


def ensure_branch(uow: UnitOfWork, organisation_id: str, branch_id: str, name: str) -> str:
    if uow.organisations.get(organisation_id) is None:
        raise AdminError(f"no organisation {organisation_id}")
    if len(branch_id) != 3 or not branch_id.isdigit():
        raise AdminError(f"branch ids are three digits (001, 002 ...), not {branch_id!r}")
    branch = uow.organisations.branch(organisation_id, branch_id)
    if branch is not None:
        branch.name = name
        return "unchanged"
    uow.organisations.add_branch(
        Branch(organisation_id=organisation_id, branch_id=branch_id, name=name)
    )
    uow.flush()
    return "created"


@dataclass(frozen=True)
class UserSpec:
    user_id: str
    organisation_id: str
    first_name: str
    surname: str
    profiles: str
    branch_id: str | None = None
    middle_name: str | None = None


def ensure_user(
    uow: UnitOfWork,
    auth: Authenticator,
    spec: UserSpec,
    now: datetime,
    password: str | None = None,
    *,
    password_expired: bool = True,
) -> str:
    """Create or update a user. A new A2A user's password is created expired (security.md 2.1)."""
    org = uow.organisations.get(spec.organisation_id)
    if org is None:
        raise AdminError(f"no organisation {spec.organisation_id}")
    profiles = parse_profiles(spec.profiles)
    if not profiles:
        raise AdminError("a user needs at least one profile")
    bad = unknown_profiles(profiles, side_of(org.kind))
    if bad:
        raise AdminError(f"profiles not valid for a {org.kind} organisation: {', '.join(bad)}")
    branch = spec.branch_id or "001"
    if uow.organisations.branch(org.organisation_id, branch) is None:
        raise AdminError(f"no branch {branch} in {org.organisation_id}")
    user = uow.users.get(spec.user_id)
    outcome = "unchanged"
    if user is None and is_former_user(uow.session, spec.user_id):
        # The journal names users by id: a deleted account's id given to someone else would
        # attribute its past requests to the new holder in audit reports (security.md 6.1).
        raise AdminError(f"user id {spec.user_id} belonged to a deleted account; choose another")
    if user is None:
        user = User(
            user_id=spec.user_id,
            organisation_id=org.organisation_id,
            enabled=True,
            failed_attempts=0,
            created_at=now,
            account_expires_at=now + ACCOUNT_LIFETIME,
            first_name=spec.first_name,
            surname=spec.surname,
            profiles="",
        )
        uow.users.add(user)
        outcome = "created"
    elif user.organisation_id != org.organisation_id:
        raise AdminError(f"user {spec.user_id} belongs to {user.organisation_id}")
    user.first_name, user.surname, user.middle_name = (
        spec.first_name,
        spec.surname,
        spec.middle_name,
    )
    user.branch_id = branch
    user.profiles = ",".join(sorted(profiles))
    uow.flush()
    if password is not None and (
        user.password_hash is None or not auth._verify(user.password_hash, password)
    ):
        auth.set_password(uow, user, password, now, expired=password_expired)
        uow.tokens.revoke_user(user.user_id, now)
        outcome = "created" if outcome == "created" else "updated"
    return outcome


def enable_user(uow: UnitOfWork, user_id: str, now: datetime) -> None:
    """Enable an account again, including one disabled by 90 days of inactivity."""
    user = uow.users.get(user_id)
    if user is None:
        raise AdminError(f"no user {user_id}")
    user.enabled = True
    user.last_auth_at = now
    user.disabled_at = None


def disable_user(uow: UnitOfWork, user_id: str, now: datetime) -> None:
    user = uow.users.get(user_id)
    if user is None:
        raise AdminError(f"no user {user_id}")
    if user.enabled or user.disabled_at is None:
        user.disabled_at = now  # security.md 2.1 deletes it 12 months later (operator upkeep)
    user.enabled = False
    uow.tokens.revoke_user(user_id, now)


def unlock_user(uow: UnitOfWork, user_id: str) -> None:
    user = uow.users.get(user_id)
    if user is None:
        raise AdminError(f"no user {user_id}")
    user.failed_attempts = 0
    user.locked_until = None


def import_hospitals(uow: UnitOfWork, path: Path) -> int:
    """Replace the hospital table with a CSV file (header: name, address lines 1-4, postcode)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise AdminError(f"cannot read {path}: {exc.strerror}") from exc
    required = {
        "name",
        "address_line1",
        "address_line2",
        "address_line3",
        "address_line4",
        "post_code",
    }
    if not rows or not required <= set(rows[0]):
        raise AdminError(f"{path}: expected a header with {', '.join(sorted(required))}")
    hospitals = []
    for number, row in enumerate(rows, start=2):
        if not (row.get("name") or "").strip():
            raise AdminError(f"{path}:{number}: a hospital needs a name")
        hospitals.append(
            Hospital(
                name=row["name"].strip()[:200],
                **{k: (row[k] or "").strip()[:100] or None for k in sorted(required - {"name"})},
            )
        )
    uow.hospitals.replace_all(hospitals)
    return len(hospitals)


def ensure_index_entries(uow: UnitOfWork, entries: Iterable[tuple[str, str, str]]) -> None:
    """Insurer Index rows: (brand or trading name, contact name, compensator organisation id)."""
    for name, contact, org_id in entries:
        if uow.organisations.get(org_id) is None:
            raise AdminError(f"no organisation {org_id}")
        entry = uow.organisations.index_entry(name)
        if entry is None:
            uow.organisations.add_index_entry(
                InsurerIndexEntry(insurer_name=name, contact_name=contact, organisation_id=org_id)
            )
        else:
            entry.contact_name, entry.organisation_id = contact, org_id
