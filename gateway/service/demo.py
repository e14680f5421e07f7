"""The fixed demo world that ``make run`` seeds: organisations, a user of each profile, one A2A
user per organisation acting as those users, insurer index rows and sample hospitals.

Demo A2A passwords are the one place where an A2A password is created unexpired, so the printed
credentials work at once. Running the demo again restores them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway.service.admin import (
    OrganisationSpec,
    UserSpec,
    enable_user,
    ensure_branch,
    ensure_index_entries,
    ensure_organisation,
    ensure_user,
    import_hospitals,
    unlock_user,
)
from gateway.service.auth import Authenticator
from gateway.service.unit_of_work import UnitOfWork

SAMPLE_HOSPITALS = Path(__file__).resolve().parent.parent / "data" / "hospitals-sample.csv"

ORGANISATIONS = (
    OrganisationSpec(
        "CR00001",
        "CR",
        "Demo Claimant Solicitors LLP",
        city="Leeds",
        street1="1 Park Row",
        post_code="LS1 5AB",
    ),
    OrganisationSpec(
        "COMP001",
        "COMP",
        "Demo Motor Insurance plc",
        "I",
        city="Bristol",
        street1="10 Temple Way",
        post_code="BS1 6HG",
    ),
    OrganisationSpec(
        "COMP002",
        "COMP",
        "Demo Motor Insurers' Bureau",
        "M",
        elpl=False,
        city="Milton Keynes",
        street1="Linford Wood House",
        post_code="MK14 6XT",
    ),
)
BRANCHES = (("COMP001", "002", "Leeds Handling Point"),)


@dataclass(frozen=True)
class DemoA2A:
    user_id: str
    organisation_id: str
    password: str


A2A_USERS = (
    DemoA2A("cr-a2a", "CR00001", "Amber-Falcon-2026!"),
    DemoA2A("comp-a2a", "COMP001", "Cobalt-Heron-2026!"),
    DemoA2A("mib-a2a", "COMP002", "Silver-Otter-2026!"),
)

# (user id, organisation, branch, first name, surname, profile): a user of each profile.
NAMED_USERS = (
    ("cr-admin", "CR00001", "001", "Alice", "Admin", "CR_ADMIN"),
    ("cr-rta-ch", "CR00001", "001", "Rhys", "Handler", "CR_RTA_CH"),
    ("cr-rta-tl", "CR00001", "001", "Tara", "Leader", "CR_RTA_TL"),
    ("cr-elpl-ch", "CR00001", "001", "Elin", "Handler", "CR_ELPL_CH"),
    ("cr-elpl-tl", "CR00001", "001", "Ewan", "Leader", "CR_ELPL_TL"),
    ("cr-delete", "CR00001", "001", "Dora", "Deleter", "ADV_DELETE"),
    ("cr-archive", "CR00001", "001", "Arlo", "Archivist", "ARCHIVE_SEARCH"),
    ("comp-admin", "COMP001", "001", "Colin", "Admin", "COMP_ADMIN"),
    ("comp-rta-ch", "COMP001", "001", "Rosa", "Handler", "COMP_RTA_CH"),
    ("comp-rta-tl", "COMP001", "001", "Toby", "Leader", "COMP_RTA_TL"),
    ("comp-rta-bch", "COMP001", "002", "Bina", "Branch", "COMP_RTA_BCH"),
    ("comp-rta-disp", "COMP001", "001", "Dev", "Dispatcher", "COMP_RTA_DISP"),
    ("comp-elpl-ch", "COMP001", "001", "Ella", "Handler", "COMP_ELPL_CH"),
    ("comp-elpl-tl", "COMP001", "001", "Theo", "Leader", "COMP_ELPL_TL"),
    ("comp-elpl-bch", "COMP001", "002", "Bram", "Branch", "COMP_ELPL_BCH"),
    ("comp-elpl-disp", "COMP001", "001", "Dina", "Dispatcher", "COMP_ELPL_DISP"),
    ("mib-rta-ch", "COMP002", "001", "Mia", "Handler", "COMP_RTA_CH"),
    ("mib-rta-tl", "COMP002", "001", "Milo", "Leader", "COMP_RTA_TL"),
)

INSURER_INDEX = (
    ("Demo Direct", "Claims Team", "COMP001"),
    ("Demo Motor Insurance", "Claims Team", "COMP001"),
    ("Untraced or uninsured driver (MIB)", "MIB Claims", "COMP002"),
)


def seed(uow: UnitOfWork, auth: Authenticator, now: datetime) -> dict[str, Any]:
    """Create (or restore) the demo world and return its credentials."""
    for org in ORGANISATIONS:
        ensure_organisation(uow, org, now)
    for org_id, branch_id, name in BRANCHES:
        ensure_branch(uow, org_id, branch_id, name)
    for user_id, org_id, branch, first, surname, profile in NAMED_USERS:
        ensure_user(uow, auth, UserSpec(user_id, org_id, first, surname, profile, branch), now)
        enable_user(uow, user_id, now)
    for a2a in A2A_USERS:
        ensure_user(
            uow,
            auth,
            UserSpec(a2a.user_id, a2a.organisation_id, "A2A", "System", "A2A"),
            now,
            a2a.password,
            password_expired=False,
        )
        enable_user(uow, a2a.user_id, now)
        unlock_user(uow, a2a.user_id)
    ensure_index_entries(uow, INSURER_INDEX)
    if uow.hospitals.count() == 0:
        import_hospitals(uow, SAMPLE_HOSPITALS)
    return credentials()


def credentials() -> dict[str, Any]:
    kinds = {o.organisation_id: o.kind for o in ORGANISATIONS}
    rows = [
        {
            "organisationId": a2a.organisation_id,
            "organisationType": kinds[a2a.organisation_id],
            "profile": profile,
            "userID": a2a.user_id,
            "userAsID": user_id,
            "password": a2a.password,
        }
        for a2a in A2A_USERS
        for user_id, org_id, _b, _f, _s, profile in NAMED_USERS
        if org_id == a2a.organisation_id
    ]
    return {"a2a": rows}
