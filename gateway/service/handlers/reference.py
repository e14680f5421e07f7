"""Reads that need no claim: process version, organisation, branches, users, compensators,
insurer index and hospitals (operations.md section 4.2)."""

from __future__ import annotations

from gateway.domain.releases import RELEASE_VERSIONS
from gateway.domain.services import Side
from gateway.errors import InputInvalid, InputMissing, NotFound
from gateway.service import messages as m
from gateway.service.gateway import Call, OperationSpec, given, required
from gateway.service.operator import releases
from gateway.store.models import Organisation, User

HOSPITALS_MAX = 100
COMPENSATOR_TYPES = {"I", "M", "S"}


def get_system_process_version(
    call: Call[m.GetSystemProcessVersion],
) -> m.SystemProcessVersionResponse:
    release = releases.current_release(call.uow, call.settings, call.service)
    major, minor = RELEASE_VERSIONS[(call.service, release)]
    return m.SystemProcessVersionResponse(
        message="Current process version",
        system_process_version=m.SystemProcessVersion(
            process_name=call.service.process_name, version_major=major, version_minor=minor
        ),
    )


def _org_info(org: Organisation) -> m.OrganisationInfo:
    return m.OrganisationInfo(
        organisation_id=org.organisation_id,
        organisation_name=org.name,
        organisation_path=f"/{org.organisation_id}",
    )


def get_branches_list(call: Call[m.GetBranchesList]) -> m.OrganisationInfosListResponse:
    org_id = call.who.organisation_id
    rows = [
        m.OrganisationInfo(
            organisation_id=b.branch_id,
            organisation_name=b.name,
            organisation_path=f"/{org_id}/{b.branch_id}",
        )
        for b in call.uow.organisations.branches(org_id)
    ]
    return m.OrganisationInfosListResponse(
        message=f"{len(rows)} branches", organisation_infos_list=rows
    )


def _user_info(user: User) -> m.UserInfo:
    return m.UserInfo(
        user_branch_id=user.branch_id or "",
        user_enabled=bool(user.enabled),
        user_id=user.user_id,
        user_name=user.first_name,
        user_organisation_id=user.organisation_id,
        user_profile=user.profiles,
        user_second_name=user.middle_name or "",
        user_surname=user.surname,
    )


def get_my_users_list(call: Call[m.GetMyUsersList]) -> m.UserInfosListResponse:
    rows = [_user_info(u) for u in call.uow.users.of_organisation(call.who.organisation_id)]
    return m.UserInfosListResponse(message=f"{len(rows)} users", user_infos_list=rows)


def get_organisation(call: Call[m.GetOrganisation]) -> m.OrganisationResponse:
    path = required(call.request.organisation_path, "organisation_path").strip()
    parts = [p for p in path.split("/") if p]
    if not path.startswith("/") or not 1 <= len(parts) <= 2:
        raise InputInvalid(
            f"organisation_path '{path[:40]}' is not /ORG or /ORG/BRANCH",
            field="organisation_path",
        )
    org = call.uow.organisations.get(parts[0])
    if org is None or not org.active:
        raise NotFound(f"organisation {path[:40]}")
    info = _org_info(org)
    if len(parts) == 2:
        branch = call.uow.organisations.branch(org.organisation_id, parts[1])
        if branch is None:
            raise NotFound(f"branch {path[:40]}")
        info = m.OrganisationInfo(
            organisation_id=branch.branch_id,
            organisation_name=branch.name,
            organisation_path=f"/{org.organisation_id}/{branch.branch_id}",
        )
    address = m.Address(
        address_type=org.address_type,
        city=org.city,
        country=org.country,
        county=org.county,
        district=org.district,
        house_name=org.house_name,
        house_number=org.house_number,
        post_code=org.post_code,
        street1=org.street1,
        street2=org.street2,
    )
    return m.OrganisationResponse(
        message="Organisation found",
        organisation=m.Organisation(
            organisation_id=info.organisation_id,
            organisation_name=info.organisation_name,
            organisation_path=info.organisation_path,
            address=address,
        ),
    )


def _compensator_filters(
    request: m.SearchCompensators | m.SearchCompensatorsByInsurerIndex,
) -> tuple[str | None, str | None]:
    ctype = given(request.compensator_type)
    if ctype is not None and ctype not in COMPENSATOR_TYPES:
        raise InputInvalid(
            f"compensator_type must be I, M or S, not '{ctype[:5]}'", field="compensator_type"
        )
    name = given(request.organisation_name)
    if name is not None and len(name.strip()) < 3:
        raise InputInvalid(
            "organisation_name needs at least 3 characters", field="organisation_name"
        )
    return ctype, name.strip() if name else None


def search_compensators(call: Call[m.SearchCompensators]) -> m.OrganisationInfosListResponse:
    ctype, name = _compensator_filters(call.request)
    orgs = call.uow.organisations.compensators(call.service.enabled_flag, ctype, name)
    return m.OrganisationInfosListResponse(
        message=f"{len(orgs)} compensators", organisation_infos_list=[_org_info(o) for o in orgs]
    )


def search_compensators_by_insurer_index(
    call: Call[m.SearchCompensatorsByInsurerIndex],
) -> m.InsurerIndexList:
    ctype, name = _compensator_filters(call.request)
    rows = call.uow.organisations.insurer_index(call.service.enabled_flag, ctype, name)
    return m.InsurerIndexList(
        message=f"{len(rows)} insurers",
        insurer_info_list=[
            m.InsurerInfo(
                contact_name=entry.contact_name or "",
                insurer_name=entry.insurer_name,
                rapid_insurer_id=org.organisation_id,
                rapid_insurer_name=org.name,
                rapid_insurer_path=f"/{org.organisation_id}",
            )
            for entry, org in rows
        ],
    )


def get_hospitals_list(call: Call[m.GetHospitalsList]) -> m.HospitalsListResponse:
    name, postcode = given(call.request.hospital_name), given(call.request.post_code)
    if name is None and postcode is None:
        raise InputMissing("hospital_name or post_code", field="hospital_name")
    rows = call.uow.hospitals.search(name, postcode, HOSPITALS_MAX + 1)
    message = f"{min(len(rows), HOSPITALS_MAX)} hospitals"
    if len(rows) > HOSPITALS_MAX:
        message += f" (first {HOSPITALS_MAX} shown; refine the search)"
    return m.HospitalsListResponse(
        message=message,
        hospitals_list=[
            m.Hospital(
                address_line1=h.address_line1,
                address_line2=h.address_line2,
                address_line3=h.address_line3,
                address_line4=h.address_line4,
                name=h.name,
                post_code=h.post_code,
            )
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
