"""Claim reads over the wire (zeep and raw HTTP): getClaim's Data document, the worklist, the
search, notifications, and the same CLAIM_NOT_FOUND for invisible and missing claims."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import zeep
from lxml import etree

from gateway.config import PROJECT_ROOT
from gateway.domain.deadlines import london_date
from gateway.service.admin import OrganisationSpec, UserSpec, ensure_organisation, ensure_user
from gateway.service.claims import claim_lists
from gateway.store.models import Claim
from tests.conftest import LiveServer, MovableClock
from tests.e2e.claims import SAMPLES, cnf, insurer_response
from tests.wire import envelope, post

RTA = "/PIP.WSTK/PIPWSTK"
CR = ("cr-a2a", "Amber-Falcon-2026!")
COMP = ("comp-a2a", "Cobalt-Heron-2026!")
MIB = ("mib-a2a", "Silver-Otter-2026!")
DATA_XSD = PROJECT_ROOT / "schemas" / "rta" / "R7" / "GetClaim_ClaimData-v4.0.xsd"
ELPL_DATA_XSD = PROJECT_ROOT / "schemas" / "elpl" / "R6" / "GetClaim_ClaimData-v1.4.xsd"
_refs = itertools.count(1)


class Session:
    """A zeep client acting as one asUser."""

    def __init__(self, client: zeep.Client, a2a: tuple[str, str], as_user: str) -> None:
        pair = client.service.getToken(userID=a2a[0], userAsID=as_user, password=a2a[1])
        assert pair.code == "Ok", pair
        self.client, self.token = client, pair.accessToken

    def __getattr__(self, operation: str) -> Any:
        method = getattr(self.client.service, operation)
        return lambda **kw: method(accessToken=self.token, **kw)


@pytest.fixture
def client(live: LiveServer) -> zeep.Client:
    return zeep.Client(f"{live.url}{RTA}?wsdl")


@pytest.fixture
def as_user(client: zeep.Client) -> Iterator[Any]:
    def login(name: str) -> Session:
        a2a = CR if name.startswith("cr") else MIB if name.startswith("mib") else COMP
        return Session(client, a2a, name)

    yield login


def _add(cr: Session, insurer: str = "COMP001", insurer_type: str = "I") -> Any:
    reference = f"READS/{next(_refs)}/{datetime.now().microsecond}"
    reply = cr.addClaim(claimXML=cnf(reference, insurer, insurer_type))
    assert reply.code == "Ok", reply
    return reply.claimInfo


def _update(live: LiveServer, app_id: str, **values: Any) -> None:
    with live.components.database.unit_of_work() as uow:
        claim = uow.claims.get(app_id)
        assert claim is not None
        for name, value in values.items():
            setattr(claim, name, value)
        uow.commit()


def _stored(live: LiveServer, app_id: str) -> Claim:
    with live.components.database.unit_of_work() as uow:
        claim = uow.claims.get(app_id)
        assert claim is not None
        uow.session.expunge(claim)  # keep its loaded state after the unit of work
        return claim


def _ids(reply: Any) -> list[str]:
    assert reply.code == "Ok", reply
    return [row.applicationId for row in reply.claimsList]


def _data(reply: Any) -> etree._Element:
    assert reply.code == "Ok", reply
    document = etree.fromstring(reply.value.encode())
    schema = etree.XMLSchema(etree.parse(str(DATA_XSD)))
    assert schema.validate(document), [str(e) for e in schema.error_log]
    return document


# --------------------------------------------------------------------------------- getClaim
def test_get_claim_returns_a_valid_data_document(live: LiveServer, as_user: Any) -> None:
    cr, comp = as_user("cr-rta-ch"), as_user("comp-rta-ch")
    info = _add(cr)
    stored = _stored(live, info.applicationId)
    for reader in (cr, comp):
        data = _data(reader.getClaim(applicationId=info.applicationId))
        assert not list(data.iter("ReferralSourceInfo"))
        ids = data.find("ApplicationData/ApplicationIDs")
        assert ids is not None and ids.get("ClaimID") == info.applicationId
        assert ids.get("RepresentativeName") == "Demo Claimant Solicitors LLP"
        assert ids.get("InsurerName") == "Demo Motor Insurance plc"
        details = data.find("ApplicationData/ClaimDetails")
        assert details is not None and details.get("SentDate") == stored.sent_date.isoformat()
        current = data.find("Timeouts/CurrentTimeout")
        assert current is not None and current.get("TimeOutType") == "11"
        assert current.get("SelectedTimeOut") == stored.deadline_date.isoformat()  # type: ignore
        assert data.find("InsurerResponse") is None
        assert data.find("ClaimAndClaimantDetails/ClaimantDetails").get("Age")  # type: ignore
    # leading zeros are optional
    short = info.applicationId.lstrip("0")
    assert cr.getClaim(applicationId=short).code == "Ok"


def test_get_claim_after_the_liability_decision(live: LiveServer, as_user: Any) -> None:
    cr, comp = as_user("cr-rta-ch"), as_user("comp-rta-ch")
    info = _add(cr)
    accepted = comp.acceptClaim(
        claimData={
            "activityEngineGuid": info.activityEngineGuid,
            "applicationId": info.applicationId,
        },
        insurerClaimReferenceNumber="INS-READ-1",
    )
    assert accepted.code == "Ok", accepted
    a75 = comp.applyArticle75(
        claimData={
            "activityEngineGuid": accepted.claimInfo.activityEngineGuid,
            "applicationId": info.applicationId,
        },
        isArticle75=False,
    )
    assert a75.code == "Ok", a75
    decided = comp.sendLiabilityDecision(
        claimData={
            "activityEngineGuid": a75.claimInfo.activityEngineGuid,
            "applicationId": info.applicationId,
        },
        insurerResponseXml=insurer_response("A"),
    )
    assert decided.code == "Ok", decided
    data = _data(cr.getClaim(applicationId=info.applicationId))
    answer = data.find("InsurerResponse")
    assert answer is not None and answer.find("LiabilityCausation") is not None
    assert (
        answer.get("ResponseDate") == london_date(live.components.service.clock.now()).isoformat()
    )
    assert answer.get("NotificationDate") == _stored(live, info.applicationId).sent_date.isoformat()
    ids = data.find("ApplicationData/ApplicationIDs")
    assert ids is not None and ids.get("InsurerClaimReferenceNumber") == "INS-READ-1"
    child = data.find("ApplicationData/ClaimantDetails")
    assert child is not None and child.get("isClaimantChildAtStage1Response") == "0"
    pre = data.find("Timeouts/PreCalculatedTimeouts/ClaimNotificationForm/Insurer")
    assert pre is not None and pre.get("Stage1PaymentTimeout")


def test_get_claim_of_a_deleted_claim(live: LiveServer, as_user: Any) -> None:
    cr = as_user("cr-rta-ch")
    info = _add(cr)
    _update(live, info.applicationId, phase="ClaimDeleted", gdpr_deleted=True, ended=True)
    reply = cr.getClaim(applicationId=info.applicationId)
    assert reply.code == "Failure" and reply.details.startswith("CLAIM_DELETED")


def test_the_data_document_is_entity_escaped_on_the_wire(live: LiveServer, as_user: Any) -> None:
    cr = as_user("cr-rta-ch")
    info = _add(cr)
    body = envelope(
        "getClaim",
        f"<applicationId>{info.applicationId}</applicationId><accessToken>{cr.token}</accessToken>",
    )
    reply = post(live.url, body)
    assert b"&lt;Data&gt;" in reply.body or b"&lt;Data>" in reply.body
    value = reply.result()["value"]
    assert etree.fromstring(value.encode()).tag == "Data"


# ------------------------------------------------------------------------------- visibility
def _second_cr_organisation(live: LiveServer) -> None:
    components = live.components
    with components.database.unit_of_work() as uow:
        now = components.service.clock.now()
        ensure_organisation(uow, OrganisationSpec("CR00002", "CR", "Other Solicitors"), now)
        ensure_user(
            uow,
            components.auth,
            UserSpec("cr2-rta-ch", "CR00002", "Oli", "Other", "CR_RTA_CH", "001"),
            now,
        )
        ensure_user(
            uow,
            components.auth,
            UserSpec("cr2-a2a", "CR00002", "A2A", "System", "A2A"),
            now,
            "Green-Badger-2026!",
            password_expired=False,
        )
        uow.commit()


def test_another_organisations_claim_is_not_found_by_any_read(
    live: LiveServer, client: Any, as_user: Any
) -> None:
    _second_cr_organisation(live)
    info = _add(as_user("cr-rta-ch"))
    strangers = [
        Session(client, ("cr2-a2a", "Green-Badger-2026!"), "cr2-rta-ch"),
        as_user("mib-rta-ch"),
    ]
    for stranger in strangers:
        hidden = stranger.getClaim(applicationId=info.applicationId)
        missing = stranger.getClaim(applicationId="9999999999999999")
        assert (
            (hidden.code, hidden.message)
            == (missing.code, missing.message)
            == ("Failure", "Claim not found")
        )
        assert hidden.details == f"CLAIM_NOT_FOUND: {info.applicationId}"
        assert missing.details == "CLAIM_NOT_FOUND: 9999999999999999"
        assert info.applicationId not in _ids(stranger.getClaimsList())
        assert (
            _ids(stranger.searchClaims(searchClaimCriteria={"applicationId": info.applicationId}))
            == []
        )
        assert _ids(stranger.searchClaims()) == []
    # a branch claim handler sees only its branch's claims
    bch = as_user("comp-rta-bch")
    assert bch.getClaim(applicationId=info.applicationId).details.startswith("CLAIM_NOT_FOUND")
    _update(live, info.applicationId, comp_branch_id="002")
    assert bch.getClaim(applicationId=info.applicationId).code == "Ok"


# -------------------------------------------------------------------------------- worklist
def test_worklist_per_side_allocation_and_order(
    live: LiveServer, as_user: Any, clock: MovableClock
) -> None:
    cr = as_user("cr-rta-ch")
    first, second, third, fourth = (_add(cr).applicationId for _ in range(4))
    today = london_date(clock.now())
    _update(live, first, deadline_date=today + timedelta(days=20))
    _update(live, second, deadline_date=today + timedelta(days=3))
    _update(live, third, comp_allocated_user="comp-rta-tl", deadline_date=None)
    _update(
        live,
        fourth,
        comp_allocated_user="comp-rta-ch",
        comp_lock_user="comp-rta-ch",
        comp_lock_at=clock.now(),
        deadline_date=today + timedelta(days=10),
    )
    assert _ids(cr.getClaimsList()) == []  # ClaimSubmitted is in the compensator's worklist
    assert _ids(as_user("cr-rta-tl").getClaimsList()) == []
    handler = as_user("comp-rta-ch").getClaimsList()
    assert _ids(handler) == [second, fourth, first]  # deadline ascending; third is not theirs
    row = {r.applicationId: r for r in handler.claimsList}[fourth]
    assert (row.lockStatus, row.lockUserId, row.currentUserID) == (1, "comp-rta-ch", "comp-rta-ch")
    assert row.phaseCacheId == "ClaimSubmitted" and row.versionMajor == 7
    assert row.applicationReferences.endswith(";") and row.attachmentsCount == 0
    leader = _ids(as_user("comp-rta-tl").getClaimsList())
    assert leader == [second, fourth, first, third]  # no deadline last
    assert _ids(as_user("comp-rta-disp").getClaimsList()) == leader
    assert _ids(as_user("comp-rta-bch").getClaimsList()) == []
    _update(live, second, ended=True)
    _update(live, first, gdpr_deleted=True)
    assert _ids(as_user("comp-rta-tl").getClaimsList()) == [fourth, third]


def test_claims_rejected_to_the_cr_are_in_the_cr_worklist(live: LiveServer, as_user: Any) -> None:
    cr, comp = as_user("cr-rta-ch"), as_user("comp-rta-tl")
    mine, theirs, kept = (_add(cr) for _ in range(3))
    for info in (mine, theirs):
        rejected = comp.rejectClaimToCR(
            claimData={
                "activityEngineGuid": info.activityEngineGuid,
                "applicationId": info.applicationId,
            },
            rejectionReasonCode="1",
        )
        assert rejected.code == "Ok", rejected
    _update(live, theirs.applicationId, cr_allocated_user="cr-rta-tl")
    _update(live, mine.applicationId, cr_allocated_user="cr-rta-ch")
    assert set(_ids(cr.getClaimsList())) == {mine.applicationId}
    assert set(_ids(as_user("cr-rta-tl").getClaimsList())) == {
        mine.applicationId,
        theirs.applicationId,
    }
    assert _ids(comp.getClaimsList()) == [kept.applicationId]
    data = _data(cr.getClaim(applicationId=mine.applicationId))
    rejection = data.find("ApplicationData/Rejection")
    assert rejection is not None and rejection.get("RejectionReasonCode") == "1"
    ids = data.find("ApplicationData/ApplicationIDs")
    assert ids is not None and ids.get("AllocatedUserId") == "cr-rta-ch"
    assert ids.get("AllocatedUserName") == "Rhys" and ids.get("AllocatedSurname") == "Handler"


def test_worklist_truncation_is_reported(
    live: LiveServer, as_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cr = as_user("cr-rta-ch")
    for _ in range(3):
        _add(cr)
    monkeypatch.setattr(claim_lists, "WORKLIST_MAX", 2)
    reply = as_user("comp-rta-tl").getClaimsList()
    assert len(_ids(reply)) == 2 and "truncated" in reply.message


# ---------------------------------------------------------------------------------- search
def test_search_by_each_criterion(live: LiveServer, as_user: Any, clock: MovableClock) -> None:
    cr, comp = as_user("cr-rta-ch"), as_user("comp-rta-tl")
    a, b, c = (_add(cr) for _ in range(3))
    ref_a = _stored(live, a.applicationId).cr_reference
    comp.acceptClaim(
        claimData={"activityEngineGuid": b.activityEngineGuid, "applicationId": b.applicationId},
        insurerClaimReferenceNumber="Ins-Search-B",
    )
    today = london_date(clock.now())
    _update(live, c.applicationId, comp_branch_id="002", ended=True, phase="ExitProcessEnd")

    def found(reader: Session, **criteria: Any) -> set[str]:
        return set(_ids(reader.searchClaims(searchClaimCriteria=criteria)))

    assert found(cr, applicationId=a.applicationId.lstrip("0")) == {a.applicationId}
    assert found(cr, CRReferenceNumber=ref_a.lower()) == {a.applicationId}
    assert found(comp, CMReferenceNumber="INS-SEARCH-B") == {b.applicationId}
    assert found(comp, branchPath="/COMP001/002") == {c.applicationId}
    assert found(comp, branchPath="002") == {c.applicationId}
    assert found(comp, branchPath="/COMP002/002") == set()
    assert found(cr, branchPath="/COMP001/002") == {
        a.applicationId,
        b.applicationId,
        c.applicationId,
    }  # ignored for CR callers
    assert found(cr, phaseCacheId="Article75Decision") == {b.applicationId}
    assert found(cr, phaseCacheId="ExitProcessEnd") == {c.applicationId}  # end phases too
    everything = {a.applicationId, b.applicationId, c.applicationId}
    midday = datetime(today.year, today.month, today.day, 12, 0)
    for prefix in ("startDate", "sentDate", "dispatchDate"):
        assert found(cr, **{f"{prefix}From": midday, f"{prefix}To": midday}) == everything
        assert found(cr, **{f"{prefix}From": midday + timedelta(days=1)}) == set()
        assert found(cr, **{f"{prefix}To": midday - timedelta(days=1)}) == set()
    assert found(cr, CRReferenceNumber=ref_a, phaseCacheId="Article75Decision") == set()


def test_search_sorting_default_window_and_limit(
    live: LiveServer, as_user: Any, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    cr = as_user("cr-rta-ch")
    a, b, c = (_add(cr).applicationId for _ in range(3))
    today = london_date(clock.now())
    _update(live, a, updated_at=clock.now() - timedelta(days=40), deadline_date=None)
    _update(
        live,
        b,
        updated_at=clock.now() + timedelta(seconds=5),
        deadline_date=today + timedelta(days=30),
    )
    _update(live, c, deadline_date=today + timedelta(days=2))
    assert _ids(cr.searchClaims()) == [b, c]  # no criterion: updated in the last 30 days
    assert _ids(cr.searchClaims(searchClaimCriteria={})) == [b, c]
    sd = {"sentDateFrom": datetime(today.year, today.month, today.day)}
    assert _ids(cr.searchClaims(searchClaimCriteria=sd)) == [b, c, a]  # UpdateDate Desc
    by = {**sd, "sortField": "ApplicationId", "sortOrder": "Asc"}
    assert _ids(cr.searchClaims(searchClaimCriteria=by)) == [a, b, c]
    by["sortOrder"] = "Desc"
    assert _ids(cr.searchClaims(searchClaimCriteria=by)) == [c, b, a]
    by = {**sd, "sortField": "Priority", "sortOrder": "Asc"}
    assert _ids(cr.searchClaims(searchClaimCriteria=by)) == [c, b, a]  # no deadline last
    by = {**sd, "sortField": "StartDate", "sortOrder": "Asc"}
    assert _ids(cr.searchClaims(searchClaimCriteria=by)) == [a, b, c]
    monkeypatch.setattr(claim_lists, "SEARCH_MAX", 2)
    limited = cr.searchClaims(searchClaimCriteria=sd)
    assert len(_ids(limited)) == 2 and "refine" in limited.message


def test_search_includes_deleted_claims(live: LiveServer, as_user: Any) -> None:
    cr = as_user("cr-rta-ch")
    info = _add(cr)
    _update(live, info.applicationId, phase="ClaimDeleted", gdpr_deleted=True, ended=True)
    reply = cr.searchClaims(searchClaimCriteria={"applicationId": info.applicationId})
    assert _ids(reply) == [info.applicationId]
    assert reply.claimsList[0].gdprClaimDeleted == 1


def test_bad_application_ids_are_refused(live: LiveServer, as_user: Any) -> None:
    cr = as_user("cr-rta-ch")
    reply = cr.searchClaims(searchClaimCriteria={"applicationId": "12ab"})
    assert reply.code == "Failure" and reply.details.startswith("INPUT_INVALID")
    assert cr.getClaim(applicationId="12ab").details.startswith("INPUT_INVALID")
    assert cr.getClaim().details == "INPUT_MISSING: applicationId"


# --------------------------------------------------------------------------- notifications
def test_notifications_after_add_claim_and_their_removal(
    live: LiveServer, as_user: Any, clock: MovableClock
) -> None:
    info = _add(as_user("cr-rta-ch"))
    handler, leader = as_user("comp-rta-ch"), as_user("comp-rta-tl")
    listed = handler.getNotificationsList()
    assert listed.code == "Ok"
    mine = [n for n in listed.notificationsList if n.applicationId == info.applicationId]
    assert [n.notificationMessage for n in mine] == [
        f"New claim {info.applicationId} received from Demo Claimant Solicitors LLP"
    ]
    note = mine[0]
    assert datetime.strptime(note.formattedDate, "%d/%m/%Y %H:%M:%S")
    assert [
        n.notificationGuid
        for n in handler.getNotificationsList(A2ANotification=True).notificationsList
    ] == [note.notificationGuid]
    foreign = leader.getNotificationsList().notificationsList[0].notificationGuid
    refused = handler.removeNotification(notificationGuid=foreign)
    assert refused.code == "Failure" and refused.details.startswith("NOT_FOUND")
    assert handler.removeNotification(notificationGuid=note.notificationGuid).code == "Ok"
    assert handler.getNotificationsList().notificationsList == []
    again = handler.removeNotification(notificationGuid=note.notificationGuid)
    assert again.details.startswith("NOT_FOUND")
    assert len(leader.getNotificationsList().notificationsList) == 1
    clock.advance(timedelta(days=16).total_seconds())
    assert as_user("comp-rta-tl").getNotificationsList().notificationsList == []


def test_notifications_are_newest_first(
    live: LiveServer, as_user: Any, clock: MovableClock
) -> None:
    cr = as_user("cr-rta-ch")
    first = _add(cr).applicationId
    clock.advance(5)
    second = _add(cr).applicationId
    rows = as_user("comp-rta-tl").getNotificationsList().notificationsList
    assert [n.applicationId for n in rows] == [second, first]
    assert isinstance(rows[0].notificationDateTime, datetime)
    assert date.today() - rows[0].notificationDateTime.date() <= timedelta(days=1)


# ------------------------------------------------------------------------------------ EL/PL
def _elpl_cnf(reference: str, sample: str) -> str:
    root = etree.parse(str(SAMPLES / "elpl" / "R6" / "cnf" / sample)).getroot()
    info = root.find(".//DefendantDetails/InsurerInformation")
    company = root.find("ClaimAndClaimantDetails/ClaimantRepresentative/CompanyDetails")
    assert info is not None and company is not None
    info.set("InsurerOrganizationID", "COMP001")
    info.set("InsurerOrganizationPath", "/COMP001")
    company.set("ReferenceNumber", reference)
    return etree.tostring(root, encoding="unicode")


def test_elpl_reads_carry_the_claim_type(live: LiveServer) -> None:
    client = zeep.Client(f"{live.url}/ELPL.WSTK/ELPLWSTK?wsdl")
    cr = Session(client, CR, "cr-elpl-ch")
    comp = Session(client, COMP, "comp-elpl-tl")
    ids = {}
    for kind, sample in (("EL", "valid-el.xml"), ("PL", "valid-pl.xml")):
        reply = cr.addClaim(claimXML=_elpl_cnf(f"ELPL/{kind}/{next(_refs)}", sample))
        assert reply.code == "Ok", reply
        ids[kind] = reply.claimInfo.applicationId
    data = etree.fromstring(cr.getClaim(applicationId=ids["EL"]).value.encode())
    schema = etree.XMLSchema(etree.parse(str(ELPL_DATA_XSD)))
    assert schema.validate(data), [str(e) for e in schema.error_log]
    details = data.find("ApplicationData/ClaimDetails")
    assert details is not None and details.get("ClaimType") == "EL"
    rows = comp.getClaimsList().claimsList
    assert {r.applicationId: r.claimType for r in rows} == {ids["EL"]: "EL", ids["PL"]: "PL"}
    found = comp.searchClaims(searchClaimCriteria={"claimType": "PL"})
    assert _ids(found) == [ids["PL"]]
    # the RTA endpoint does not show EL/PL claims
    rta = Session(zeep.Client(f"{live.url}{RTA}?wsdl"), CR, "cr-rta-ch")
    assert rta.getClaim(applicationId=ids["EL"]).details.startswith("CLAIM_NOT_FOUND")


def test_get_claim_shows_the_latest_resend(live: LiveServer, as_user: Any) -> None:
    cr, comp = as_user("cr-rta-ch"), as_user("comp-rta-tl")
    info = _add(cr)

    def data(guid: str) -> dict[str, str]:
        return {"activityEngineGuid": guid, "applicationId": info.applicationId}

    step = comp.rejectClaimToCR(claimData=data(info.activityEngineGuid), rejectionReasonCode="1")
    step = cr.acknowledgeRejectedClaim(claimData=data(step.claimInfo.activityEngineGuid))
    assert step.code == "Ok", step
    reference = f"RESENT/{next(_refs)}"
    step = cr.resendRejectedClaim(
        claimData=data(step.claimInfo.activityEngineGuid), claimXML=cnf(reference)
    )
    assert step.code == "Ok", step
    document = _data(comp.getClaim(applicationId=info.applicationId))
    company = document.find("ClaimAndClaimantDetails/ClaimantRepresentative/CompanyDetails")
    assert company is not None and company.get("ReferenceNumber") == reference
    assert len(document.findall("ClaimAndClaimantDetails")) == 1
