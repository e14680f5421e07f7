"""An EL/PL claim over the wire, for test_elpl_paths.py and test_elpl_timeouts.py.

``ElplWorld`` is ``Stage2World`` (test_stage2_paths.py) on the EL/PL endpoint and its lifecycle
(lifecycle.md 3.2, rows E1-E78): each checked step (``go``) asserts the phase, the new GUID, the
journal row with the lifecycle row id it took (``transition``), the notices of lifecycle.md 6 and
that the previous GUID is now refused with ``GUID_STALE``; a sweep of the timeout worker is
checked the same way. The helpers below bring a claim to the phase a test is about, each step on
the way checked too (a step checked twice costs a request, not a doubt).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Final

import zeep
from lxml import etree

from gateway.domain.lifecycle import LIFECYCLES
from gateway.domain.services import Service, Side
from gateway.service.admin import UserSpec, enable_user, ensure_organisation, ensure_user
from gateway.service.timeouts import TimeoutWorker
from tests.conftest import LiveServer, MovableClock
from tests.e2e import claims as packs
from tests.e2e.test_stage1_paths import Actor, Claimed
from tests.e2e.test_stage2_paths import Due, Stage2World
from tests.harness import GROUP_A2A, GROUP_INSURER
from tests.wire import ELPL_PATH

ELPL: Final = LIFECYCLES[Service.ELPL]
RULES: Final = {row.rule: row for row in ELPL.transitions}  # wildcard rows share id and target
SERVICE, RELEASE = "elpl", "R6"
CR, CR_TL = "cr-elpl-ch", "cr-elpl-tl"
COMP, COMP_TL = "comp-elpl-ch", "comp-elpl-tl"
GROUP_COMP = "comp3-elpl-ch"  # the claims handler of COMP003, COMP001's group insurer
#: Who is told of each side (lifecycle.md 6): every user of the side who can see the claim, no one
#: being allocated.
USERS: Final = {Side.CR: (CR, CR_TL), Side.COMP: (COMP, COMP_TL)}
#: The liability decision period of each claim type (lifecycle.md 5.3, D2).
D2_DAYS: Final = {"EL": 30, "ELD": 30, "PL": 40}
#: The lines of the EL/PL sample ISP request (loss type -> gross value): 2,356.40, over 1,000.
ISP_LINES: Final = {"5": "1840.00", "8": "420.00", "10": "96.40"}
LOW: Final = {"8": "420.00", "10": "96.40"}  # 516.40: up to 1,000 (D5)

ACK_PHASE = "ClaimAcknowledged"
S2_FORM = "Stage2SettlementPackForm"
S2_DECISION = "Stage2SettlementPackDecision"
CONFIRMATION = "Stage2SettlementPackConfirmation"
AGREEMENT = "Stage2SettlementPackAgreementDecision"
COUNTER_NEEDED = "Stage2SettlementPackCounterOfferNeeded"
COUNTER_BY_CR = "Stage2SettlementPackCounterOfferByCR"
COUNTER_DECISION = "Stage2SettlementPackCounterOfferDecision"
NOT_AGREED = "Stage2SettlementPackNotAgreed"
CPP_FORM = "CourtProceedingsPackForm"
CPP_DECISION = "CourtProceedingsPackDecision"
EXTEND_COUNTER = "extendStage2SPFCounterOfferTimeout"


def _side(user: str) -> Side:
    return Side.CR if user.startswith("cr") else Side.COMP


def ten_year_old() -> date:
    return date.today() - timedelta(days=365 * 10)


# ------------------------------------------------------------------------------------ packs
def insurer_response(decision: str) -> str:
    return packs.insurer_response(decision, service=SERVICE, release=RELEASE)


def isp_request(lines: dict[str, str] = ISP_LINES) -> str:
    return packs.isp_request(dict(lines), service=SERVICE, release=RELEASE)


def isp_response(full: bool, lines: dict[str, str] = ISP_LINES) -> str:
    return packs.isp_response(full, dict(lines), service=SERVICE, release=RELEASE)


def s2sp_request() -> str:
    return packs.s2sp_request(SERVICE, RELEASE)


def s2sp_response(decision: str) -> str:
    """There is no EL/PL repudiation sample: the counter offer's, with decision R (its
    AgreementDetails already carry the comment a repudiation needs)."""
    if decision != "R":
        return packs.s2sp_response(decision, SERVICE, RELEASE)
    root = etree.fromstring(packs.s2sp_response("CO", SERVICE, RELEASE).encode())
    final = root.find("AgreementData/FinalAgreementDetails")
    details = root.find("AgreementData/FinalAgreementDetails/AgreementDetails")
    assert final is not None and details is not None
    final.set("SettlementPackDecision", "R")
    details.set("Comments", details.get("Comments") or "Liability repudiated on the evidence.")
    return etree.tostring(root, encoding="unicode")


def counter_offer_cr() -> str:
    return packs.counter_offer_cr(SERVICE, RELEASE)


def counter_offer_cm(decision: str) -> str:
    return packs.counter_offer_cm(decision, SERVICE, RELEASE)


def cpp_request() -> str:
    return packs.cpp_request(SERVICE, RELEASE)


def cpp_response() -> str:
    return packs.cpp_response(SERVICE, RELEASE)


# ------------------------------------------------------------------------------------ world
@dataclass
class ElplWorld(Stage2World):
    """``Stage2World`` on the EL/PL endpoint: its rows, its users, its claim types."""

    users: dict[Side, tuple[str, ...]] = field(default_factory=lambda: dict(USERS))

    def actor(self, user: str, a2a: tuple[str, str] | None = None) -> Actor:
        if a2a is None and user.startswith("comp3-"):
            a2a = GROUP_A2A
        return super().actor(user, a2a)

    def submit_elpl(
        self,
        reference: str,
        claim_type: str = "EL",
        *,
        child: bool = False,
        birth: date | None = None,
    ) -> Claimed:
        """``addClaim`` (E1): the claim, its journal row and the compensator's notice."""
        text = packs.cnf_elpl(reference, claim_type, child=child, birth=birth)
        reply = self.actor(CR).call("addClaim", claimXML=text)
        assert reply.code == "Ok", reply
        info = reply.claimInfo
        assert info.phaseCacheId == "ClaimSubmitted"
        entry = self.last_journal()
        assert (entry.operation, entry.outcome, entry.transition) == ("addClaim", "Ok", "E1")
        assert (entry.application_id, entry.guid_after) == (
            info.applicationId,
            info.activityEngineGuid,
        )
        received = f"New claim {info.applicationId} received from Demo Claimant Solicitors LLP"
        told = {u for u, m in self.notifications(info.applicationId) if m == received}
        assert set(self.users[Side.COMP]) <= told, told
        row = self.claim_row(info.applicationId)
        assert (row.service, row.claim_type) == (Service.ELPL.value, claim_type)
        return Claimed(info.applicationId, info.activityEngineGuid, info.phaseCacheId)

    # ------------------------------------------------------------------------------ steps
    def go(
        self,
        user: str,
        operation: str,
        claim: Claimed,
        expected: str,
        rule: str,
        *,
        message: str | None = None,
        told: tuple[Side, str] | None = None,
        stale_by: str | None = None,
        **fields: Any,
    ) -> Any:
        """One checked step (see the module docstring); ``message`` is the specific notice that
        replaces the generic phase change, ``told`` a notice (side, text) that goes beside it;
        ``stale_by`` sends the stale GUID when ``user`` can no longer see the claim."""
        row = RULES[rule]
        assert (row.trigger, row.target) == (operation, expected), f"{rule} is {row}"
        previous = replace(claim)
        seen = frozenset(g for g, _, _ in self.notices(claim.application_id))
        reply = self.advance(user, operation, claim, expected, **fields)
        entry = self.last_journal()
        assert (entry.guid_after, entry.transition) == (claim.guid, rule), (
            f"{operation} journaled row {entry.transition}, expected {rule}"
        )
        fresh = self.check_notices(claim, _side(user), seen, message)
        if told is not None:
            side, text = told
            for receiver in self.users[side]:
                assert any(u == receiver and text in m for u, m in fresh), (receiver, fresh)
        self.check_stale(stale_by or user, operation, previous, claim, **fields)
        return reply

    def check_notices(
        self, claim: Claimed, side: Side, seen: frozenset[str], message: str | None = None
    ) -> list[tuple[str, str]]:
        """lifecycle.md 6 on the EL/PL table (as ``Stage2World.check_notices``)."""
        fresh = self.notifications(claim.application_id, after=seen)
        phase = ELPL.phase(claim.phase)
        if phase.end:
            text = f"Claim {claim.application_id} ended: {phase.name}"
            receivers = self.users[Side.CR] + self.users[Side.COMP]
        elif phase.worklist is not None and (phase.worklist != side or side is Side.SYSTEM):
            text = message or f"Claim {claim.application_id} moved to {phase.name}"
            receivers = self.users[phase.worklist]
        else:
            return fresh
        for user in receivers:
            assert any(u == user and (text in m if message else m == text) for u, m in fresh), (
                f"{user} was not told {text!r}: {fresh}"
            )
        return fresh

    def sweep(self, *due: Due, expected_timeouts: int | None = None) -> None:
        """One sweep of the timeout worker (as ``Stage2World.sweep``, on the EL/PL table)."""
        before = {
            d.claim.application_id: (
                replace(d.claim),
                frozenset(g for g, _, _ in self.notices(d.claim.application_id)),
            )
            for d in due
        }
        report = TimeoutWorker(self.live.components).sweep()
        assert sorted(report.claims) == sorted(before), report
        assert report.timeouts == (len(due) if expected_timeouts is None else expected_timeouts)
        self.actors.clear()
        for claim, phase, rule, (user, operation, fields) in due:
            previous, seen = before[claim.application_id]
            assert (RULES[rule].source, RULES[rule].trigger, RULES[rule].target) == (
                previous.phase,
                "TIMEOUT",
                phase,
            ), rule
            row = self.claim_row(claim.application_id)
            assert row.phase == phase and row.guid != previous.guid
            entry = [e for e in self.journal(claim.application_id) if e.operation == "TIMEOUT"][-1]
            assert (entry.actor, entry.outcome, entry.transition) == ("SYSTEM", "Ok", rule)
            assert (entry.phase_before, entry.phase_after) == (previous.phase, phase)
            assert (entry.guid_before, entry.guid_after) == (previous.guid, row.guid)
            claim.guid, claim.phase = row.guid, phase
            fresh = self.check_notices(claim, Side.SYSTEM, seen, "time limit reached")
            for user_id in self.users[Side.CR] + self.users[Side.COMP]:
                assert any(u == user_id and "time limit reached" in m for u, m in fresh), (
                    user_id,
                    fresh,
                )
            self.check_stale(user, operation, previous, claim, **fields)

    # --------------------------------------------------------------------------- the group
    def add_group_insurer(self) -> None:
        """COMP003, linked to COMP001, with an EL/PL claims handler and an A2A user: the
        target of a reassignment within the group (the demo MIB handles RTA claims only)."""
        components = self.live.components
        now = components.clock.now()
        with components.database.unit_of_work() as uow:
            ensure_organisation(uow, GROUP_INSURER, now)
            uow.organisations.link("COMP001", "COMP003")
            handler = UserSpec(GROUP_COMP, "COMP003", "Gwen", "Group", "COMP_ELPL_CH")
            ensure_user(uow, components.auth, handler, now)
            a2a = UserSpec(GROUP_A2A[0], "COMP003", "A2A", "System", "A2A")
            ensure_user(uow, components.auth, a2a, now, GROUP_A2A[1], password_expired=False)
            for user_id in (GROUP_COMP, GROUP_A2A[0]):
                enable_user(uow, user_id, now)
            uow.commit()


def make_elpl_world(live: LiveServer) -> ElplWorld:
    clock = live.components.clock
    assert isinstance(clock, MovableClock)
    return ElplWorld(live, zeep.Client(f"{live.url}{ELPL_PATH}?wsdl"), clock=clock)


# ------------------------------------------------------------------- ways into each stage
def acknowledged(w: ElplWorld, reference: str, claim_type: str = "EL", **cnf: Any) -> Claimed:
    claim = w.submit_elpl(reference, claim_type, **cnf)
    w.go(COMP, "acknowledgeClaim", claim, ACK_PHASE, "E2")
    return claim


def at_liability_decision(
    w: ElplWorld, reference: str, claim_type: str = "EL", **cnf: Any
) -> Claimed:
    claim = acknowledged(w, reference, claim_type, **cnf)
    w.go(
        COMP,
        "acceptClaim",
        claim,
        "LiabilityDecision",
        "E4",
        told=(Side.CR, f"Claim {claim.application_id} accepted by Compensator"),
        insurerClaimReferenceNumber=f"INS-{reference}",
    )
    return claim


def stage21(w: ElplWorld, reference: str, claim_type: str = "EL") -> Claimed:
    """Admitted (adult) and acknowledged: ``StartOfStage21`` (no Stage 1 payment in EL/PL)."""
    claim = at_liability_decision(w, reference, claim_type)
    w.go(
        COMP,
        "sendLiabilityDecision",
        claim,
        "LiabilityAdmitted",
        "E8",
        insurerResponseXml=insurer_response("A"),
    )
    w.go(CR, "acknowledgeLiabilityAdmitted", claim, "StartOfStage21", "E17")
    return claim


def child_stage21(w: ElplWorld, reference: str, claim_type: str = "EL") -> Claimed:
    """A child claim (ten years old) admitted: E9 then E18."""
    claim = at_liability_decision(w, reference, claim_type, child=True, birth=ten_year_old())
    w.go(
        COMP,
        "sendLiabilityDecision",
        claim,
        "LiabilityAdmittedForChild",
        "E9",
        insurerResponseXml=insurer_response("A"),
    )
    w.go(CR, "acknowledgeLiabilityAdmittedForChild", claim, "StartOfStage21", "E18")
    assert w.claim_row(claim.application_id).child_at_stage1 is True
    return claim


def isp_sent(w: ElplWorld, reference: str, lines: dict[str, str] = ISP_LINES) -> Claimed:
    claim = stage21(w, reference)
    w.go(
        CR,
        "setInterimPaymentNeeded",
        claim,
        "InterimSettlementPackForm",
        "E23",
        isInterimPaymentNeeded=True,
    )
    w.go(
        CR,
        "addInterimSPFRequest",
        claim,
        "InterimPaymentDecision",
        "E25",
        ISPFRequestXML=isp_request(lines),
    )
    return claim


def s2sp_sent(w: ElplWorld, reference: str, claim_type: str = "EL", child: bool = False) -> Claimed:
    claim = (child_stage21 if child else stage21)(w, reference, claim_type)
    w.go(CR, "setInterimPaymentNeeded", claim, S2_FORM, "E24", isInterimPaymentNeeded=False)
    w.go(CR, "addStage2SPFRequest", claim, S2_DECISION, "E38", S2SPFRequestXML=s2sp_request())
    assert w.claim_row(claim.application_id).deadline_rule == "D8"
    return claim


def offered(w: ElplWorld, reference: str, child: bool = False) -> Claimed:
    """The compensator answered the settlement pack with an offer (CO, E41)."""
    claim = s2sp_sent(w, reference, child=child)
    w.go(
        COMP,
        "addStage2SPFResponse",
        claim,
        AGREEMENT,
        "E41",
        S2SPFResponseXML=s2sp_response("CO"),
    )
    return claim


def counter_offered_by_cr(w: ElplWorld, reference: str) -> Claimed:
    """Offer declined (E48), a counter offer wanted (E52): ``...CounterOfferByCR``."""
    claim = offered(w, reference)
    w.go(CR, "setStage2SPFAgreementDecision", claim, COUNTER_NEEDED, "E48", isAgreed=False)
    w.go(
        CR,
        "setStage2SPFCounterOfferNeeded",
        claim,
        COUNTER_BY_CR,
        "E52",
        isStage2SPFCounterOfferNeeded=True,
    )
    return claim


def court_pack_answered(w: ElplWorld, claim: Claimed) -> None:
    """From ``CourtProceedingsPackForm``: the pack sent (E69), answered (E70), acknowledged
    (E72), the claim ended."""
    assert claim.phase == CPP_FORM
    w.go(CR, "addCPPFRequest", claim, CPP_DECISION, "E69", CPPFRequestXML=cpp_request())
    assert w.claim_row(claim.application_id).deadline_rule == "D13"
    w.go(
        COMP,
        "addCPPFResponse",
        claim,
        "CourtProceedingsPackResponse",
        "E70",
        CPPFResponseXML=cpp_response(),
    )
    w.go(CR, "acknowledgeCPPFResponse", claim, "CourtProceedingsPackEnd", "E72")
    w.ended(claim)
