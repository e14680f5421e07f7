"""Reads that need no claim: process version, organisation, branches, users, compensators,
insurer index and hospitals (operations.md section 4.2)."""

from __future__ import annotations

from typing import Any

from gateway.domain.releases import RELEASE_VERSIONS
from gateway.domain.services import Service, Side
from gateway.errors import InputInvalid, InputMissing, NotFound
from gateway.service.gateway import Call, OperationSpec, ok
from gateway.store.models import Organisation, User

HOSPITALS_MAX = 100
COMPENSATOR_TYPES = {"I", "M", "S"}


def get_system_process_version(call: Call) -> dict[str, Any]:
    release = call.settings.current_release(call.service)
    major, minor = RELEASE_VERSIONS[(call.service, release)]
    return ok(
        "Current process version",
        systemProcessVersion={
            "processName": call.service.process_name,
            "versionMajor": major,
            "versionMinor": minor,
        },
    )


def _org_info(org: Organisation) -> dict[str, Any]:
    return {
        "organisationId": org.organisation_id,
        "organisationName": org.name,
        "organisationPath": f"/{org.organisation_id}",
    }


def get_branches_list(call: Call) -> dict[str, Any]:
    org_id = call.who.organisation_id
    rows = [
        {
            "organisationId": b.branch_id,
            "organisationName": b.name,
            "organisationPath": f"/{org_id}/{b.branch_id}",
        }
        for b in call.uow.organisations.branches(org_id)
    ]
    return ok(f"{len(rows)} branches", organisationInfosList=rows)


def _user_info(user: User) -> dict[str, Any]:
    return {
        "userBranchId": user.branch_id or "",
        "userEnabled": bool(user.enabled),
        "userId": user.user_id,
        "userName": user.first_name,
        "userOrganisationId": user.organisation_id,
        "userProfile": user.profiles,
        "userSecondName": user.middle_name or "",
        "userSurname": user.surname,
    }


def get_my_users_list(call: Call) -> dict[str, Any]:
    rows = [_user_info(u) for u in call.uow.users.of_organisation(call.who.organisation_id)]
    return ok(f"{len(rows)} users", userInfosList=rows)


def get_organisation(call: Call) -> dict[str, Any]:
    path = str(call.require("organisationPath")).strip()
    parts = [p for p in path.split("/") if p]
    if not path.startswith("/") or not 1 <= len(parts) <= 2:
        raise InputInvalid(
            f"organisationPath '{path[:40]}' is not /ORG or /ORG/BRANCH", field="organisationPath"
        )
    org = call.uow.organisations.get(parts[0])
    if org is None or not org.active:
        raise NotFound(f"organisation {path[:40]}")
    info = _org_info(org)
    if len(parts) == 2:
        branch = call.uow.organisations.branch(org.organisation_id, parts[1])
        if branch is None:
            raise NotFound(f"branch {path[:40]}")
        info = {
            "organisationId": branch.branch_id,
            "organisationName": branch.name,
            "organisationPath": f"/{org.organisation_id}/{branch.branch_id}",
        }
    address = {
        "addressType": org.address_type,
        "city": org.city,
        "country": org.country,
        "county": org.county,
        "district": org.district,
        "houseName": org.house_name,
        "houseNumber": org.house_number,
        "postCode": org.post_code,
        "street1": org.street1,
        "street2": org.street2,
    }
    return ok("Organisation found", organisation={**info, "address": address})


def _compensator_filters(call: Call) -> tuple[str | None, str | None]:
    ctype = call.optional("compensatorType")
    if ctype is not None and ctype not in COMPENSATOR_TYPES:
        raise InputInvalid(
            f"compensatorType must be I, M or S, not '{str(ctype)[:5]}'", field="compensatorType"
        )
    name = call.optional("organisationName")
    if name is not None and len(str(name).strip()) < 3:
        raise InputInvalid("organisationName needs at least 3 characters", field="organisationName")
    return ctype, name.strip() if name else None


def _service_column(service: Service) -> str:
    return "rta_enabled" if service is Service.RTA else "elpl_enabled"


def search_compensators(call: Call) -> dict[str, Any]:
    ctype, name = _compensator_filters(call)
    orgs = call.uow.organisations.compensators(_service_column(call.service), ctype, name)
    return ok(f"{len(orgs)} compensators", organisationInfosList=[_org_info(o) for o in orgs])


def search_compensators_by_insurer_index(call: Call) -> dict[str, Any]:
    ctype, name = _compensator_filters(call)
    rows = call.uow.organisations.insurer_index(_service_column(call.service), ctype, name)
    return ok(
        f"{len(rows)} insurers",
        insurerInfoList=[
            {
                "contactName": entry.contact_name or "",
                "insurerName": entry.insurer_name,
                "rapidInsurerId": org.organisation_id,
                "rapidInsurerName": org.name,
                "rapidInsurerPath": f"/{org.organisation_id}",
            }
            for entry, org in rows
        ],
    )


def get_hospitals_list(call: Call) -> dict[str, Any]:
    name, postcode = call.optional("hospitalName"), call.optional("postCode")
    if name is None and postcode is None:
        raise InputMissing("hospitalName or postCode", field="hospitalName")
    rows = call.uow.hospitals.search(name, postcode, HOSPITALS_MAX + 1)
    message = f"{min(len(rows), HOSPITALS_MAX)} hospitals"
    if len(rows) > HOSPITALS_MAX:
        message += f" (first {HOSPITALS_MAX} shown; refine the search)"
    return ok(
        message,
        hospitalsList=[
            {
                "addressLine1": h.address_line1,
                "addressLine2": h.address_line2,
                "addressLine3": h.address_line3,
                "addressLine4": h.address_line4,
                "name": h.name,
                "postCode": h.post_code,
            }
            for h in rows[:HOSPITALS_MAX]
        ],
    )


OPERATIONS = {
    "getSystemProcessVersion": OperationSpec(get_system_process_version, reads_only=True),
    "getBranchesList": OperationSpec(get_branches_list, reads_only=True),
    "getMyUsersList": OperationSpec(get_my_users_list, reads_only=True),
    "getOrganisation": OperationSpec(get_organisation, reads_only=True),
    "searchCompensators": OperationSpec(search_compensators, side=Side.CR, reads_only=True),
    "searchCompensatorsByInsurerIndex": OperationSpec(
        search_compensators_by_insurer_index, side=Side.CR, reads_only=True
    ),
    "getHospitalsList": OperationSpec(get_hospitals_list, reads_only=True),
}
