"""The sandbox counterpart, end to end: a law firm's developer alone against a sandbox.

The test acts only as the law firm, over the wire with zeep; the demo insurer COMP001 is played by
a scenario switched on with ``gateway sandbox enable`` and run with ``gateway sandbox run --once``
(the CLI's entry points, on the same database file as the live server). The sandbox clock is the
deployment's own (``gateway clock advance``), and deadlines fire with ``gateway timeouts --once``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.simple_server import make_server

import pytest
import zeep

from gateway.app import Components, build
from gateway.cli import main
from gateway.domain.services import Service
from gateway.samples.catalogue import text
from gateway.samples.tailor import with_reference
from gateway.service.counterpart.scenario import ScenarioError, parse
from gateway.service.demo import seed
from gateway.service.sandbox import SandboxClock
from gateway.soap.app import SoapApplication
from gateway.store.db import upgrade
from gateway.store.models import JournalEntry
from tests.conftest import _placeholder, _QuietHandler
from tests.conftest import test_settings as settings_for

RTA_PATH = "/PIP.WSTK/PIPWSTK"
CR_A2A, CR_PASSWORD, CR = "cr-a2a", "Amber-Falcon-2026!", "cr-rta-ch"


@dataclass
class Sandbox:
    url: str
    database_url: str
    components: Components
    client: Any

    def gateway(self, *argv: str) -> int:
        """A ``gateway`` command on this sandbox's database, as an operator would run it."""
        return main(["--database-url", self.database_url, *argv])

    def token(self) -> str:
        pair = self.client.service.getToken(userID=CR_A2A, userAsID=CR, password=CR_PASSWORD)
        assert pair.code == "Ok", pair
        return str(pair.accessToken)

    def journal(self) -> list[JournalEntry]:
        with self.components.database.unit_of_work() as uow:
            rows = list(uow.journal.search(limit=1000))
            for row in rows:
                uow.session.expunge(row)
        return rows[::-1]


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    monkeypatch.setenv("GATEWAY_SANDBOX", "1")
    url = f"sqlite:///{tmp_path / 'sandbox.db'}"
    upgrade(url)
    components = build(settings_for(url, sandbox=True))  # the sandbox clock, as deployed
    assert isinstance(components.clock, SandboxClock)
    with components.database.unit_of_work() as uow:
        seed(uow, components.auth, components.clock.now())
        uow.commit()
    server = make_server("127.0.0.1", 0, _placeholder, handler_class=_QuietHandler)
    settings = components.settings.with_overrides(bind=f"127.0.0.1:{server.server_port}")
    server.set_app(SoapApplication(settings, components.service))
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    live = f"http://127.0.0.1:{server.server_port}"
    yield Sandbox(live, url, components, zeep.Client(f"{live}{RTA_PATH}?wsdl"))
    server.shutdown()
    server.server_close()
    components.database.dispose()


class LawFirm:
    """The developer's own side: a token, a claim, and what the worklist says of it."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.token = sandbox.token()
        self.application_id = ""
        self.guid = ""
        self.phase = ""

    def call(self, operation: str, **fields: Any) -> Any:
        reply = getattr(self.sandbox.client.service, operation)(accessToken=self.token, **fields)
        assert reply.code == "Ok", reply
        return reply

    def submit(self, reference: str) -> None:
        cnf = with_reference(text(Service.RTA, "R7", "cnf-rta"), reference)
        self._seen(self.call("addClaim", claimXML=cnf).claimInfo)

    def step(self, operation: str, expected: str, **fields: Any) -> None:
        data = {"applicationId": self.application_id, "activityEngineGuid": self.guid}
        info = self.call(operation, claimData=data, **fields).claimInfo
        self._seen(info)
        assert self.phase == expected, (operation, self.phase)

    def refresh(self) -> str:
        """The claim's phase as the law firm's worklist now shows it (new GUID included)."""
        listing = self.call("getClaimsList").claimsList or []
        rows = [c for c in listing if c.applicationId == self.application_id]
        assert rows, f"{self.application_id} is not on the law firm's worklist"
        self.guid, self.phase = rows[0].activityEngineGuid, rows[0].phaseCacheId
        return self.phase

    def _seen(self, info: Any) -> None:
        self.application_id = info.applicationId
        self.guid, self.phase = info.activityEngineGuid, info.phaseCacheId


def test_admit_all_on_the_demo_insurer_takes_an_rta_claim_through_stage_2_to_an_agreement(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sandbox.gateway("sandbox", "enable", "COMP001", "--scenario", "admit-all") == 0
    firm = LawFirm(sandbox)
    firm.submit("SBX-TEST/0001")
    assert firm.phase == "ClaimSubmitted"

    assert sandbox.gateway("sandbox", "run", "--once") == 0  # accept, Article 75, admit
    out = capsys.readouterr().out
    assert "acceptClaim: Ok" in out and "sendLiabilityDecision: Ok -> LiabilityAdmitted" in out
    assert firm.refresh() == "LiabilityAdmitted"
    firm.step("acknowledgeLiabilityAdmitted", "Stage1Payment")
    firm.step("setStage1Payment", "StartOfStage21", isStage1Paid=True)

    # An interim request of the firm's own lines: the insurer's full offer is fitted to them.
    isp = text(Service.RTA, "R7", "isp-request").replace('LossType="10"', 'LossType="9"')
    firm.step("setInterimPaymentNeeded", "InterimSettlementPackForm", isInterimPaymentNeeded=True)
    firm.step("addInterimSPFRequest", "InterimPaymentDecision", ISPFRequestXML=isp)
    assert sandbox.gateway("sandbox", "run", "--once") == 0
    assert firm.refresh() == "Stage21Payment"  # a full offer
    firm.step("setStage21Payment", "Stage2SettlementPackForm", isStage21Paid=True)
    firm.step(
        "addStage2SPFRequest",
        "Stage2SettlementPackDecision",
        S2SPFRequestXML=text(Service.RTA, "R7", "s2sp-request"),
    )
    assert sandbox.gateway("sandbox", "run", "--once") == 0
    assert firm.refresh() == "Stage2SettlementPackConfirmation"
    firm.step("acknowledgeStage2SPFConfirmation", "Stage2SettlementPackConfirmationEnd")

    insurer = [e for e in sandbox.journal() if e.user_id == "comp-a2a"]
    assert [e.operation for e in insurer if e.application_id] == [
        "acceptClaim",
        "applyArticle75",
        "sendLiabilityDecision",
        "addInterimSPFResponse",
        "addStage2SPFResponse",
    ]
    # Every insurer request was the counterpart's, journaled as the insurer's own A2A user
    # acting as its claims handler (the RTA one on this claim; the EL/PL one read its worklist).
    assert {(e.client_id, e.outcome) for e in insurer} == {("sandbox-counterpart", "Ok")}
    assert {e.as_user_id for e in insurer if e.application_id} == {"comp-rta-ch"}


def test_let_it_time_out_leaves_the_liability_decision_to_the_sandbox_clock(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sandbox.gateway("sandbox", "enable", "COMP001", "--scenario", "let-it-time-out") == 0
    firm = LawFirm(sandbox)
    firm.submit("SBX-TEST/0002")
    assert sandbox.gateway("sandbox", "run", "--once") == 0
    assert sandbox.gateway("sandbox", "run", "--once") == 0  # nothing more: it never decides
    decided = [
        e.operation for e in sandbox.journal() if e.user_id == "comp-a2a" and e.application_id
    ]
    assert decided == ["acceptClaim", "applyArticle75"]

    assert sandbox.gateway("clock", "advance", "--business-days", "16") == 0
    sandbox.components.clock.invalidate()  # type: ignore[attr-defined]
    assert sandbox.gateway("timeouts", "--once") == 0
    firm.token = sandbox.token()  # a fresh token: the old one expired with the clock's move
    assert firm.refresh() == "LiabilityDecisionTimeout"
    moved = [e for e in sandbox.journal() if e.phase_after == "LiabilityDecisionTimeout"]
    assert [(e.phase_before, e.user_id, e.client_id) for e in moved] == [
        ("LiabilityDecision", None, None)  # by the timeout worker, not by any user
    ]


def test_switches_scenarios_and_refusals(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sandbox.gateway("sandbox", "scenarios") == 0
    listed = {line.split()[0] for line in capsys.readouterr().out.splitlines()}
    assert {"admit-all", "deny-liability", "counter-offer-twice", "let-it-time-out"} <= listed
    assert sandbox.gateway("sandbox", "enable", "COMP001", "--scenario", "no-such") == 2
    assert sandbox.gateway("sandbox", "enable", "COMP999", "--scenario", "admit-all") == 2
    assert sandbox.gateway("sandbox", "enable", "COMP001", "--scenario", "deny-liability") == 0
    capsys.readouterr()
    assert sandbox.gateway("sandbox", "status") == 0
    assert capsys.readouterr().out.strip() == "COMP001\tdeny-liability"
    assert sandbox.gateway("sandbox", "disable", "COMP001") == 0
    assert sandbox.gateway("sandbox", "disable", "COMP001") == 1
    monkeypatch.setenv("GATEWAY_SANDBOX", "0")
    assert sandbox.gateway("sandbox", "enable", "COMP001", "--scenario", "admit-all") == 2
    assert sandbox.gateway("sandbox", "run", "--once") == 2
    assert "not a sandbox" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        ({"comp": {"ClaimSubmitted": {"do": "sendLiabilityDecision"}}}, "not open to COMP"),
        ({"cr": {"LiabilityDecision": {"do": "sendLiabilityDecision"}}}, "not open to CR"),
        ({"comp": {"LiabilityDecision": {"do": "sendLiabilityDecision", "pack": "x"}}}, "sample"),
        ({"comp": {"Article75Decision": {"do": "applyArticle75", "set": {"y": 1}}}}, "no field"),
        ({"comp": {"ClaimSubmitted": {"do": "acceptClaim", "after": "2 weeks"}}}, "delay"),
        ({"insurer": {}}, "unknown key"),
    ],
)
def test_a_bad_scenario_is_refused_when_it_loads(data: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ScenarioError, match=complaint):
        parse("bad", data)


def test_counter_offer_twice_counter_offers_then_accepts_the_second_counter_offer(
    sandbox: Sandbox,
) -> None:
    assert sandbox.gateway("sandbox", "enable", "COMP001", "--scenario", "counter-offer-twice") == 0
    firm = LawFirm(sandbox)
    firm.submit("SBX-TEST/0003")
    assert sandbox.gateway("sandbox", "run", "--once") == 0
    assert firm.refresh() == "LiabilityAdmitted"
    firm.step("acknowledgeLiabilityAdmitted", "Stage1Payment")
    firm.step("setStage1Payment", "StartOfStage21", isStage1Paid=True)
    firm.step("setInterimPaymentNeeded", "Stage2SettlementPackForm", isInterimPaymentNeeded=False)
    firm.step(
        "addStage2SPFRequest",
        "Stage2SettlementPackDecision",
        S2SPFRequestXML=text(Service.RTA, "R7", "s2sp-request"),
    )
    counter = text(Service.RTA, "R7", "s2sp-counter-offer-cr")

    def two_days_later() -> None:
        assert sandbox.gateway("sandbox", "run", "--once") == 0  # its 2 business days: not yet
        steps = [e for e in sandbox.journal() if e.user_id == "comp-a2a" and e.application_id]
        assert len(steps) == taken[0]  # nothing before its 2 business days
        assert sandbox.gateway("clock", "advance", "--business-days", "2") == 0
        sandbox.components.clock.invalidate()  # type: ignore[attr-defined]
        firm.token = sandbox.token()
        assert sandbox.gateway("sandbox", "run", "--once") == 0
        taken[0] += 1

    taken = [3]  # accept, Article 75, admit
    two_days_later()
    for _ in range(2):
        assert firm.refresh() == "Stage2SettlementPackAgreementDecision"  # CO, then NEWCO
        firm.step(
            "setStage2SPFAgreementDecision",
            "Stage2SettlementPackCounterOfferNeeded",
            isAgreed=False,
        )
        firm.step(
            "setStage2SPFCounterOfferNeeded",
            "Stage2SettlementPackCounterOfferByCR",
            isStage2SPFCounterOfferNeeded=True,
        )
        firm.step(
            "addStage2SPFCounterOfferByCR",
            "Stage2SettlementPackCounterOfferDecision",
            S2SPFCounterOfferByCRXML=counter,
        )
        two_days_later()
    assert firm.refresh() == "Stage2SettlementPackConfirmation"  # ACO: the second one accepted
