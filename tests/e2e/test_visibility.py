"""Who may see a claim (security.md 3.3 and 4): a claim of another organisation, another
compensator's, another branch's or the other service's answers exactly like a claim that does not
exist, on reads and on workflow operations alike, and the attempt is journaled; users without a
claims profile are refused before any claim is looked at."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from gateway.service.admin import OrganisationSpec, UserSpec, ensure_organisation, ensure_user
from gateway.store.models import JournalEntry
from tests.conftest import LiveServer, MovableClock
from tests.e2e.claims import cnf
from tests.e2e.test_stage1_paths import Claimed, World, make_world
from tests.wire import ELPL_NS, ELPL_PATH, envelope, get_token, post

OTHER_CR = ("cr2-a2a", "Quartz-Badger-2026!")
MISSING = "0000000000999999"


@pytest.fixture
def world(live: LiveServer, clock: MovableClock) -> World:
    with live.components.database.unit_of_work() as uow:
        _other_cr(uow, live, clock.now())
        uow.commit()
    return make_world(live)


def _other_cr(uow: Any, live: LiveServer, now: datetime) -> None:
    auth = live.components.auth
    ensure_organisation(uow, OrganisationSpec("CR00002", "CR", "Other Claimant Solicitors"), now)
    ensure_user(uow, auth, UserSpec("cr2-rta-ch", "CR00002", "Olga", "Other", "CR_RTA_CH"), now)
    ensure_user(
        uow,
        auth,
        UserSpec(OTHER_CR[0], "CR00002", "A2A", "System", "A2A"),
        now,
        OTHER_CR[1],
        password_expired=False,
    )


def _not_found(reply: Any, application_id: str) -> tuple[str, str]:
    """The refusal, with the claim's id replaced so that answers can be compared."""
    assert reply.code == "Failure", reply
    assert getattr(reply, "claimInfo", None) is None
    return reply.message, reply.details.replace(application_id, "<id>")


def _workflow(world: World, user: str, claim: Claimed, a2a: tuple[str, str] | None) -> Any:
    actor = world.actor(user, a2a)
    if user.startswith("cr"):
        return actor.step("exitProcess", claim, exitReasonCode="5")
    return actor.step("acceptClaim", claim, insurerClaimReferenceNumber="PEEK-1")


def _status(
    world: World, user: str, application_id: str, a2a: tuple[str, str] | None = None
) -> Any:
    return world.actor(user, a2a).call("getClaimsStatus", applicationId=application_id)


@pytest.mark.parametrize(
    ("user", "a2a"),
    [
        ("cr2-rta-ch", OTHER_CR),  # a CR of another organisation
        ("mib-rta-ch", None),  # a compensator the claim is not addressed to
        ("comp-rta-bch", None),  # a branch claim handler of another branch (002; the claim is 001)
    ],
)
def test_invisible_claims_answer_like_missing_ones(
    world: World, user: str, a2a: tuple[str, str] | None
) -> None:
    claim = world.submit("VIS-" + user.upper())
    app_id = claim.application_id
    missing = Claimed(MISSING, claim.guid, claim.phase)
    expected = ("Claim not found", "CLAIM_NOT_FOUND: <id>")
    assert _not_found(_status(world, user, MISSING, a2a), MISSING) == expected
    assert _not_found(_status(world, user, app_id, a2a), app_id) == expected
    assert _not_found(_workflow(world, user, missing, a2a), MISSING) == expected
    assert _not_found(_workflow(world, user, claim, a2a), app_id) == expected
    row = world.claim_row(app_id)
    assert (row.phase, row.guid) == (claim.phase, claim.guid)
    with world.live.components.database.unit_of_work() as uow:
        attempts = uow.session.scalars(
            select(JournalEntry).where(
                JournalEntry.as_user_id == user, JournalEntry.error_key == "CLAIM_NOT_FOUND"
            )
        )
        refused = {(e.operation, e.outcome) for e in attempts if app_id in (e.detail or "")}
    operation = "exitProcess" if user.startswith("cr") else "acceptClaim"
    assert refused == {("getClaimsStatus", "Failure"), (operation, "Failure")}


def test_a_user_without_a_claims_profile_is_refused_first(world: World) -> None:
    claim = world.submit("VIS-ADMIN-1")
    for application_id in (claim.application_id, MISSING):
        reply = _status(world, "cr-admin", application_id)
        assert reply.code == "Failure" and reply.details.startswith("PROFILE_NOT_ALLOWED")
        assert reply.message == "Your profile can't grant you access to this function"
    step = world.actor("cr-admin").step("exitProcess", claim, exitReasonCode="5")
    assert step.details.startswith("PROFILE_NOT_ALLOWED")
    entry = world.last_journal()
    assert (entry.operation, entry.as_user_id, entry.outcome, entry.error_key) == (
        "exitProcess",
        "cr-admin",
        "Failure",
        "PROFILE_NOT_ALLOWED",
    )


def test_the_other_service_does_not_see_rta_claims(world: World) -> None:
    claim = world.submit("VIS-ELPL-1")
    token = get_token(
        world.live.url, "cr-a2a", "cr-elpl-ch", "Amber-Falcon-2026!", ELPL_PATH, ELPL_NS
    ).result()["accessToken"]
    replies = [
        post(
            world.live.url,
            envelope(
                "getClaimsStatus",
                f"<applicationId>{app_id}</applicationId><accessToken>{token}</accessToken>",
                ELPL_NS,
            ),
            ELPL_PATH,
        ).result()
        for app_id in (claim.application_id, MISSING)
    ]
    assert [(r["message"], r["details"]) for r in replies] == [
        ("Claim not found", f"CLAIM_NOT_FOUND: {claim.application_id}"),
        ("Claim not found", f"CLAIM_NOT_FOUND: {MISSING}"),
    ]


def test_dispatcher_and_branch_claim_handler_scopes(world: World) -> None:
    claim = world.submit("VIS-BRANCH-1")
    app_id = claim.application_id
    assert _status(world, "comp-rta-disp", app_id).code == "Ok"
    assert _status(world, "comp-rta-bch", app_id).code == "Failure"
    moved = world.actor("comp-rta-disp").step("allocateClaimToBranch", claim, branchId="002")
    assert moved.code == "Ok" and moved.claimInfo.activityEngineGuid == claim.guid
    seen = _status(world, "comp-rta-bch", app_id)
    assert seen.code == "Ok" and seen.claimInfo.phaseCacheId == "ClaimSubmitted"
    assert _status(world, "comp-rta-disp", app_id).code == "Ok"  # still pre-acceptance
    world.advance(
        "comp-rta-bch",
        "acceptClaim",
        claim,
        "Article75Decision",
        insurerClaimReferenceNumber="BR-1",
        notified=("cr-rta-ch",),
    )
    assert world.claim_row(app_id).accepting_branch_id == "002"
    # accepted at a Handling Point: the dispatcher's scope ends, the claim handler's does not
    assert _not_found(_status(world, "comp-rta-disp", app_id), app_id) == (
        "Claim not found",
        "CLAIM_NOT_FOUND: <id>",
    )
    assert _status(world, "comp-rta-ch", app_id).code == "Ok"
    assert _status(world, "cr-rta-tl", app_id).code == "Ok"


def test_a_rejecting_compensator_loses_sight_when_the_claim_is_resent_elsewhere(
    world: World,
) -> None:
    claim = world.submit("VIS-RESEND-1")
    world.advance(
        "comp-rta-ch", "rejectClaimToCR", claim, "AcknowledgeRejectedClaim", rejectionReasonCode="0"
    )
    assert _status(world, "comp-rta-ch", claim.application_id).code == "Ok"
    world.advance("cr-rta-ch", "acknowledgeRejectedClaim", claim, "ClaimRejectedToCR")
    assert _status(world, "comp-rta-ch", claim.application_id).code == "Ok"
    world.advance(
        "cr-rta-ch",
        "resendRejectedClaim",
        claim,
        "ClaimSubmitted",
        notified=("mib-rta-ch",),
        claimXML=cnf("VIS-RESEND-1", insurer="COMP002", insurer_type="M"),
    )
    assert _status(world, "comp-rta-ch", claim.application_id).code == "Failure"
    assert _status(world, "mib-rta-tl", claim.application_id).code == "Ok"
