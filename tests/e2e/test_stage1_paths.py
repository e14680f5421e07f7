"""Every Stage 1 path of an RTA claim over the wire, with zeep against a live server: each step
moves the phase, renews the GUID, notifies the other side and is journaled; refusals (stale GUID,
wrong phase, wrong side, invalid insurer response) change nothing and are journaled too.

The ``World`` helper here is shared by the visibility and locking tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
import zeep
from sqlalchemy import select

from gateway.store.models import Claim, JournalEntry, Notification
from tests.conftest import LiveServer
from tests.e2e.claims import cnf, insurer_response
from tests.wire import RTA_PATH

A2A = {
    "cr": ("cr-a2a", "Amber-Falcon-2026!"),
    "comp": ("comp-a2a", "Cobalt-Heron-2026!"),
    "mib": ("mib-a2a", "Silver-Otter-2026!"),
}
CR_USERS = ("cr-rta-ch", "cr-rta-tl")
COMP_USERS = ("comp-rta-ch", "comp-rta-tl", "comp-rta-disp")
MIB_USERS = ("mib-rta-ch", "mib-rta-tl")


@dataclass
class Claimed:
    """What a test knows of one claim: its id and current GUID and phase."""

    application_id: str
    guid: str
    phase: str

    @property
    def data(self) -> dict[str, str]:
        return {"applicationId": self.application_id, "activityEngineGuid": self.guid}


@dataclass
class Actor:
    """One asUser with a token: ``actor("acceptClaim", claim, insurerClaimReferenceNumber=..)``."""

    world: World
    user: str
    token: str

    def call(self, operation: str, **fields: Any) -> Any:
        method = getattr(self.world.client.service, operation)
        return method(accessToken=self.token, **fields)

    def step(self, operation: str, claim: Claimed, **fields: Any) -> Any:
        return self.call(operation, claimData=claim.data, **fields)


@dataclass
class World:
    live: LiveServer
    client: zeep.Client
    actors: dict[str, Actor] = field(default_factory=dict)

    def actor(self, user: str, a2a: tuple[str, str] | None = None) -> Actor:
        if user not in self.actors:
            a2a_user, password = a2a or A2A[user.split("-")[0]]
            pair = self.client.service.getToken(userID=a2a_user, userAsID=user, password=password)
            assert pair.code == "Ok", pair
            self.actors[user] = Actor(self, user, pair.accessToken)
        return self.actors[user]

    # ---------------------------------------------------------------- database observations
    def claim_row(self, application_id: str) -> Claim:
        with self.live.components.database.unit_of_work() as uow:
            row = uow.session.scalars(
                select(Claim).where(Claim.application_id == application_id)
            ).one()
            uow.session.expunge(row)
            return row

    def notifications(
        self, application_id: str, after: frozenset[str] = frozenset()
    ) -> list[tuple[str, str]]:
        """(user, message) of the claim's notifications, except those whose GUID is in after."""
        return [(u, m) for g, u, m in self.notices(application_id) if g not in after]

    def notices(self, application_id: str) -> list[tuple[str, str, str]]:
        with self.live.components.database.unit_of_work() as uow:
            rows = uow.session.scalars(
                select(Notification).where(Notification.application_id == application_id)
            )
            return [(n.guid, n.user_id, n.message) for n in rows]

    def journal(self, application_id: str | None = None) -> list[JournalEntry]:
        with self.live.components.database.unit_of_work() as uow:
            query = select(JournalEntry).order_by(JournalEntry.id)
            if application_id is not None:
                query = query.where(JournalEntry.application_id == application_id)
            rows = list(uow.session.scalars(query))
            for row in rows:
                uow.session.expunge(row)
            return rows

    def last_journal(self) -> JournalEntry:
        return self.journal()[-1]

    # ------------------------------------------------------------------------- claim steps
    def submit(
        self,
        reference: str,
        insurer: str = "COMP001",
        insurer_type: str = "I",
        child: bool = False,
        birth: date | None = None,
        cr: str = "cr-rta-ch",
    ) -> Claimed:
        reply = self.actor(cr).call(
            "addClaim", claimXML=cnf(reference, insurer, insurer_type, child, birth)
        )
        assert reply.code == "Ok", reply
        info = reply.claimInfo
        assert info.phaseCacheId == "ClaimSubmitted"
        return Claimed(info.applicationId, info.activityEngineGuid, info.phaseCacheId)

    def advance(
        self,
        actor: str,
        operation: str,
        claim: Claimed,
        expected: str,
        *,
        notified: tuple[str, ...] = (),
        text: str | None = None,
        **fields: Any,
    ) -> Any:
        """One workflow step that must succeed: phase, new GUID, notices, journal."""
        seen = frozenset(g for g, _, _ in self.notices(claim.application_id))
        reply = self.actor(actor).step(operation, claim, **fields)
        assert reply.code == "Ok", reply
        info = reply.claimInfo
        assert info.phaseCacheId == expected
        assert info.applicationId == claim.application_id
        assert info.activityEngineGuid != claim.guid
        entry = self.last_journal()
        assert (entry.operation, entry.outcome, entry.application_id) == (
            operation,
            "Ok",
            claim.application_id,
        )
        assert (entry.phase_before, entry.phase_after) == (claim.phase, expected)
        assert (entry.guid_before, entry.guid_after) == (claim.guid, info.activityEngineGuid)
        assert entry.as_user_id == actor
        fresh = self.notifications(claim.application_id, after=seen)
        for user in notified:
            messages = [m for u, m in fresh if u == user]
            assert messages, f"{user} was not notified of {operation}: {fresh}"
            if text is not None:
                assert any(text in m for m in messages), messages
        claim.guid, claim.phase = info.activityEngineGuid, expected
        return reply


def make_world(live: LiveServer) -> World:
    return World(live, zeep.Client(f"{live.url}{RTA_PATH}?wsdl"))


@pytest.fixture
def world(live: LiveServer) -> World:
    return make_world(live)


def _ended(world: World, claim: Claimed, phase_name: str) -> None:
    """An end phase: both sides told, the claim marked ended."""
    ended = [
        (u, m)
        for u, m in world.notifications(claim.application_id)
        if m == f"Claim {claim.application_id} ended: {phase_name}"
    ]
    users = {u for u, _ in ended}
    assert set(CR_USERS) <= users and "comp-rta-ch" in users
    assert world.claim_row(claim.application_id).ended


def _accept(
    world: World, claim: Claimed, comp: str = "comp-rta-ch", expected: str = "Article75Decision"
) -> None:
    world.advance(
        comp,
        "acceptClaim",
        claim,
        expected,
        notified=CR_USERS,
        text=f"Claim {claim.application_id} accepted by Compensator",
        insurerClaimReferenceNumber="INS-REF-1",
    )


def _to_liability(world: World, claim: Claimed, article75: bool = False) -> None:
    _accept(world, claim)
    world.advance(
        "comp-rta-ch", "applyArticle75", claim, "LiabilityDecision", isArticle75=article75
    )


def _decide(
    world: World, claim: Claimed, decision: str, expected: str, comp: str = "comp-rta-ch"
) -> None:
    world.advance(
        comp,
        "sendLiabilityDecision",
        claim,
        expected,
        notified=CR_USERS,
        text=f"Claim {claim.application_id} moved to",
        insurerResponseXml=insurer_response(decision),
    )


# ------------------------------------------------------------------------------------ paths
def test_admitted_adult_to_start_of_stage21(world: World) -> None:
    claim = world.submit("PATH-ADULT-1")
    received = [m for u, m in world.notifications(claim.application_id) if u == "comp-rta-ch"]
    assert received == [
        f"New claim {claim.application_id} received from Demo Claimant Solicitors LLP"
    ]
    _to_liability(world, claim)
    _decide(world, claim, "A", "LiabilityAdmitted")
    world.advance("cr-rta-ch", "acknowledgeLiabilityAdmitted", claim, "Stage1Payment")
    world.advance("cr-rta-ch", "setStage1Payment", claim, "StartOfStage21", isStage1Paid=True)
    row = world.claim_row(claim.application_id)
    assert row.stage1_paid is True and row.child_at_stage1 is False
    assert row.insurer_reference == "INS-REF-1" and row.article75 is False


def test_admitted_child(world: World) -> None:
    birth = date.today() - timedelta(days=365 * 10)
    claim = world.submit("PATH-CHILD-1", child=True, birth=birth)
    _to_liability(world, claim)
    _decide(world, claim, "A", "LiabilityAdmittedForChild")
    world.advance("cr-rta-ch", "acknowledgeLiabilityAdmittedForChild", claim, "Stage1Payment")
    world.advance("cr-rta-tl", "setStage1Payment", claim, "StartOfStage21", isStage1Paid=False)
    row = world.claim_row(claim.application_id)
    assert row.child_at_stage1 is True and row.stage1_paid is False


def test_admitted_with_negligence(world: World) -> None:
    claim = world.submit("PATH-NEG-1")
    _to_liability(world, claim)
    _decide(world, claim, "AN", "LiabilityAdmittedWithNegligence")
    world.advance(
        "cr-rta-ch",
        "acknowledgeLiabilityAdmittedWithNeg",
        claim,
        "LiabilityAdmittedWithNegligenceEnd",
        notified=("comp-rta-ch",),
        text="ended: ",
    )
    _ended(world, claim, "Liability Admitted with Negligence End")


def test_not_admitted(world: World) -> None:
    claim = world.submit("PATH-DENIED-1")
    _to_liability(world, claim)
    _decide(world, claim, "N", "LiabilityNotAdmitted")
    world.advance(
        "cr-rta-ch",
        "acknowledgeDeniedLiability",
        claim,
        "LiabilityNotAdmittedEnd",
        notified=("comp-rta-ch", "comp-rta-tl"),
    )
    _ended(world, claim, "Liability Not Admitted End")


def test_mib_claim_skips_article75(world: World) -> None:
    claim = world.submit("PATH-MIB-1", insurer="COMP002", insurer_type="M")
    assert world.notifications(claim.application_id)
    assert {u for u, _ in world.notifications(claim.application_id)} == set(MIB_USERS)
    row = world.claim_row(claim.application_id)
    assert row.liability_rule == "D3"
    _accept(world, claim, comp="mib-rta-ch", expected="LiabilityDecision")
    _decide(world, claim, "A", "LiabilityAdmitted", comp="mib-rta-tl")
    world.advance("cr-rta-ch", "acknowledgeLiabilityAdmitted", claim, "Stage1Payment")


def test_article75_applied(world: World) -> None:
    claim = world.submit("PATH-ART75-1")
    before = world.claim_row(claim.application_id)
    assert before.liability_rule == "D2"
    _to_liability(world, claim, article75=True)
    after = world.claim_row(claim.application_id)
    assert after.article75 is True and after.liability_rule == "D3"
    assert after.liability_deadline is not None and before.liability_deadline is not None
    assert after.liability_deadline > before.liability_deadline
    assert after.deadline_rule == "D3"
    _decide(world, claim, "A", "LiabilityAdmitted")


def test_rejected_acknowledged_resent_accepted(world: World) -> None:
    claim = world.submit("PATH-REJ-1")
    world.advance(
        "comp-rta-ch",
        "rejectClaimToCR",
        claim,
        "AcknowledgeRejectedClaim",
        notified=CR_USERS,
        text="rejected by Compensator: Mandatory fields",
        rejectionReasonCode="1",
    )
    world.advance("cr-rta-ch", "acknowledgeRejectedClaim", claim, "ClaimRejectedToCR")
    world.advance(
        "cr-rta-ch",
        "resendRejectedClaim",
        claim,
        "ClaimSubmitted",
        notified=("comp-rta-ch", "comp-rta-disp"),
        text="New claim",
        claimXML=cnf("PATH-REJ-1"),
    )
    _accept(world, claim)


def test_rejected_then_exit_rejected_claim(world: World) -> None:
    claim = world.submit("PATH-REJ-2")
    world.advance(
        "comp-rta-ch",
        "rejectClaimToCR",
        claim,
        "AcknowledgeRejectedClaim",
        notified=CR_USERS,
        rejectionReasonCode="0",
    )
    world.advance(
        "cr-rta-ch", "exitRejectedClaim", claim, "ExitRejectedClaim", notified=("comp-rta-ch",)
    )
    _ended(world, claim, "Exit Rejected Claim")


def test_fraud_stated_then_acknowledged(world: World) -> None:
    claim = world.submit("PATH-FRAUD-1")
    _to_liability(world, claim)
    world.advance(
        "comp-rta-tl",
        "stateFraud",
        claim,
        "FraudStated",
        notified=CR_USERS,
        reasonCode="0",
        reasonDescription="Staged accident",
    )
    world.advance(
        "cr-rta-ch", "acknowledgeFraudStated", claim, "FraudStatedEnd", notified=("comp-rta-ch",)
    )
    row = world.claim_row(claim.application_id)
    assert (row.fraud_code, row.fraud_comment) == ("0", "Staged accident")


def test_exit_by_cr_acknowledged_by_compensator(world: World) -> None:
    claim = world.submit("PATH-EXIT-CR")
    world.advance(
        "cr-rta-ch",
        "exitProcess",
        claim,
        "ExitProcessByCR",
        notified=("comp-rta-ch",),
        text="exit process by",
        exitReasonCode="5",
    )
    world.advance(
        "comp-rta-ch", "acknowledgeExitProcess", claim, "ExitProcessEnd", notified=CR_USERS
    )
    _ended(world, claim, "Exit Process End")
    assert world.claim_row(claim.application_id).exit_cr_code == "5"


def test_exit_by_compensator_acknowledged_by_cr(world: World) -> None:
    claim = world.submit("PATH-EXIT-CM")
    _to_liability(world, claim)
    world.advance(
        "comp-rta-ch",
        "exitProcess",
        claim,
        "ExitProcessByCM",
        notified=CR_USERS,
        text="exit process by",
        exitReasonCode="10",
        exitComment="Settled directly",
    )
    world.advance(
        "cr-rta-ch", "acknowledgeExitProcess", claim, "ExitProcessEnd", notified=("comp-rta-ch",)
    )
    _ended(world, claim, "Exit Process End")
    row = world.claim_row(claim.application_id)
    assert (row.exit_cm_code, row.exit_cm_comment) == ("10", "Settled directly")


# --------------------------------------------------------------------------------- refusals
def _unchanged(world: World, claim: Claimed, operation: str, key: str) -> None:
    row = world.claim_row(claim.application_id)
    assert (row.phase, row.guid) == (claim.phase, claim.guid)
    entry = world.last_journal()
    assert (entry.operation, entry.outcome, entry.error_key) == (operation, "Failure", key)


def test_stale_guid_answers_with_the_current_claim_info(world: World) -> None:
    claim = world.submit("REF-STALE-1")
    stale = Claimed(claim.application_id, claim.guid, claim.phase)
    _accept(world, claim)
    reply = world.actor("comp-rta-ch").step("rejectClaimToCR", stale, rejectionReasonCode="1")
    assert reply.code == "Failure" and reply.details.startswith("GUID_STALE")
    assert reply.message == "The claim has moved on; refresh its status"
    assert reply.claimInfo.activityEngineGuid == claim.guid
    assert reply.claimInfo.phaseCacheId == "Article75Decision"
    _unchanged(world, claim, "rejectClaimToCR", "GUID_STALE")


def test_wrong_phase_and_wrong_side_are_refused(world: World) -> None:
    claim = world.submit("REF-PHASE-1")
    wrong = world.actor("comp-rta-ch").step("applyArticle75", claim, isArticle75=True)
    assert wrong.code == "Failure" and wrong.details.startswith("PHASE_NOT_ALLOWED")
    assert wrong.message == "Operation not allowed in phase Claim Submitted"
    _unchanged(world, claim, "applyArticle75", "PHASE_NOT_ALLOWED")
    early = world.actor("cr-rta-ch").step("setStage1Payment", claim, isStage1Paid=True)
    assert early.details.startswith("PHASE_NOT_ALLOWED")
    side = world.actor("cr-rta-ch").step("acceptClaim", claim, insurerClaimReferenceNumber="X1")
    assert side.code == "Failure" and side.details.startswith("PROFILE_NOT_ALLOWED")
    _unchanged(world, claim, "acceptClaim", "PROFILE_NOT_ALLOWED")


def test_invalid_insurer_response_changes_nothing(world: World) -> None:
    claim = world.submit("REF-XSD-1")
    _to_liability(world, claim)
    broken = insurer_response("A").replace('LiabilityDecision="A"', 'LiabilityDecision="Q"')
    assert broken != insurer_response("A")
    reply = world.actor("comp-rta-ch").step(
        "sendLiabilityDecision", claim, insurerResponseXml=broken
    )
    assert reply.code == "Failure" and reply.details.startswith("XSD_INVALID"), reply
    _unchanged(world, claim, "sendLiabilityDecision", "XSD_INVALID")
    assert world.last_journal().pack_sha256 is None
    _decide(world, claim, "A", "LiabilityAdmitted")
