"""The counterpart at work: one pass over every organisation switched on (``run_once``).

For each organisation played, ``Counterpart`` takes a real access token of its A2A user, acting as
its claims handler of each service (``issue_token``: the token a ``getToken`` would give, without
the password the counterpart cannot know), reads its worklist with ``getClaimsList`` and, for each
claim whose phase the scenario names, takes that decision once its delay has run (counted from
the journal entry that issued the claim's current GUID, i.e. from the claim's entry into its
phase). Every request runs on ``GatewayService.handle``, the path of every wire request: the same
checks, the same transaction, a journal entry by the A2A user (client id ``sandbox-counterpart``).
A refused step (a stale GUID after the other side moved) is reported and tried again next pass.

Never call ``run_once`` while holding a unit of work: the sandbox clock opens its own.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from gateway.app import Components
from gateway.domain.deadlines import london_date
from gateway.domain.profiles import parse_profiles
from gateway.domain.services import Service, Side
from gateway.samples.export import dated
from gateway.samples.tailor import cpp_response_for, isp_response_for, with_reference
from gateway.service import messages as m
from gateway.service.claims.calendar_store import calendar_from_store
from gateway.service.clock import as_utc
from gateway.service.counterpart import switch
from gateway.service.counterpart.scenario import Decision, Scenario, Submission, load
from gateway.service.gateway import Decoded, Done, Outcome, Refused, ServiceRequest
from gateway.service.unit_of_work import UnitOfWork

log = logging.getLogger("gateway.sandbox")

CLIENT_ID: Final = "sandbox-counterpart"
MAX_ROUNDS: Final = 20
ENDPOINTS: Final = {Service.RTA: "/PIP.WSTK/PIPWSTK", Service.ELPL: "/ELPL.WSTK/ELPLWSTK"}
#: Responses fitted to the request they answer (ISP-04, CPP-01): response sample -> request pack.
ANSWERING: Final = {
    "isp-response-full": "isp-request",
    "isp-response-partial": "isp-request",
    "cpp-response": "cpp-request",
}


@dataclass(frozen=True)
class Step:
    """One request the counterpart made."""

    organisation_id: str
    application_id: str | None
    operation: str
    outcome: str  # Ok, or the refusal's key, or Error
    phase: str | None = None  # the claim's phase after an Ok step
    detail: str | None = None

    def __str__(self) -> str:
        after = f" -> {self.phase}" if self.phase else ""
        detail = f" ({self.detail})" if self.detail else ""
        return (
            f"{self.organisation_id} {self.application_id or '-'} {self.operation}: "
            f"{self.outcome}{after}{detail}"
        )


@dataclass
class Report:
    steps: list[Step] = field(default_factory=list)
    waiting: int = 0  # decisions named by the scenario whose delay has not run yet

    def summary(self) -> str:
        refused = sum(1 for s in self.steps if s.outcome != "Ok")
        return f"{len(self.steps)} steps taken ({refused} refused), {self.waiting} waiting"


@dataclass(frozen=True)
class Identity:
    """Who the counterpart is in one service: its token and the organisation's side."""

    organisation_id: str
    side: Side
    service: Service
    token: str


def issue_token(
    uow: UnitOfWork, components: Components, organisation_id: str, service: Service, now: datetime
) -> Identity | None:
    """A token of the organisation's A2A user acting as its claims handler of ``service``, or
    None if the organisation has no such pair of enabled users."""
    org = uow.organisations.get(organisation_id)
    if org is None or not getattr(org, service.enabled_flag):
        return None
    side = Side(org.kind)
    users = [u for u in uow.users.of_organisation(organisation_id) if u.enabled]
    a2a = next((u for u in users if "A2A" in parse_profiles(u.profiles)), None)
    handler_profile = f"{side.value}_{service.process_name}_CH"
    handlers = [u for u in users if handler_profile in parse_profiles(u.profiles)]
    handlers.sort(key=lambda u: (u.branch_id or "001") != "001")  # head office first
    if a2a is None or not handlers:
        return None
    pair = components.auth.issue_trusted(uow, a2a.user_id, handlers[0].user_id, CLIENT_ID, now)
    return Identity(organisation_id, side, service, pair.access_token)


class Counterpart:
    def __init__(self, components: Components) -> None:
        self.components = components

    def run_once(self) -> Report:
        report = Report()
        with self.components.database.unit_of_work() as uow:
            played = switch.switches(uow)
        for item in played:
            try:
                scenario = load(item.scenario)
            except Exception as exc:  # a scenario file removed or broken since it was enabled
                report.steps.append(Step(item.organisation_id, None, "scenario", str(exc)))
                continue
            identities = self._identities(item.organisation_id)
            for identity in identities:
                if identity.side is Side.CR and scenario.submission is not None:
                    self._submit(identity, scenario.submission, report)
            # A decision can make the next one due at once (accept, then decide): go round
            # until a round takes no step, so that one pass leaves nothing due behind it.
            for _round in range(MAX_ROUNDS):
                report.waiting = 0  # what the last round found waiting is what waits
                taken = len(report.steps)
                for identity in identities:
                    self._play(identity, scenario, report)
                if not any(s.outcome == "Ok" for s in report.steps[taken:]):
                    break
        return report

    # ------------------------------------------------------------------------------ a pass
    def _identities(self, organisation_id: str) -> list[Identity]:
        now = self.components.clock.now()
        found: list[Identity] = []
        with self.components.database.unit_of_work() as uow:
            for service in Service:
                identity = issue_token(uow, self.components, organisation_id, service, now)
                if identity is not None:
                    found.append(identity)
            uow.commit()
        return found

    def _play(self, identity: Identity, scenario: Scenario, report: Report) -> None:
        outcome = self._call(identity, "getClaimsList", m.GetClaimsList())
        if not isinstance(outcome, Done):
            report.steps.append(self._step(identity, None, "getClaimsList", outcome))
            return
        for claim in outcome.result.claims_list:
            decision = scenario.decision(identity.side, claim.phase_cache_id or "")
            if decision is None or not claim.application_id:
                continue
            operation = decision.operation(identity.service)
            if operation is None:
                continue
            request = self._request(identity, decision, operation, claim)
            if request is None:
                report.waiting += 1
                continue
            step = self._step(
                identity, claim.application_id, operation, self._call(identity, operation, request)
            )
            log.info("sandbox counterpart: %s", step)
            report.steps.append(step)

    def _request(
        self, identity: Identity, decision: Decision, operation: str, claim: m.Claim
    ) -> Any | None:
        """The typed request of the decision on ``claim``, or None while its delay runs."""
        now = self.components.clock.now()
        application_id = claim.application_id or ""
        with self.components.database.unit_of_work() as uow:
            row = uow.claims.get(application_id)
            if row is None:
                return None
            entered = _entered(uow, application_id, claim.activity_engine_guid, row.updated_at)
            if decision.after.due(entered, calendar_from_store(uow)) > now:
                return None
            taken = len(
                uow.journal.search(application_id=application_id, operation=operation, outcome="Ok")
            )
            pack = decision.pack(taken)
            text = None
            if pack is not None:
                text = dated(identity.service, row.release, pack, london_date(now))
                if pack in ANSWERING:
                    asked = uow.claims.packs(row.id, ANSWERING[pack])
                    if asked:
                        text = _fitted(pack, asked[-1].xml, text)
        return _build(operation, decision, claim, text)

    def _submit(self, identity: Identity, submission: Submission, report: Report) -> None:
        if identity.service is not submission.service:
            return
        now = self.components.clock.now()
        org = identity.organisation_id
        with self.components.database.unit_of_work() as uow:
            count, last = switch.sent(uow, org)
            calendar = calendar_from_store(uow)
        if count >= submission.count or (
            last is not None and submission.every.due(last, calendar) > now
        ):
            return
        reference = f"SBX/{org}/{count + 1:04d}-{secrets.token_hex(2).upper()}"
        release = self.components.settings.current_release(submission.service)
        cnf = dated(submission.service, release, submission.pack, london_date(now))
        request = m.AddClaim(claim_xml=with_reference(cnf, reference, submission.insurer))
        step = self._step(identity, None, "addClaim", self._call(identity, "addClaim", request))
        report.steps.append(step)
        if step.outcome == "Ok":
            with self.components.database.unit_of_work() as uow:
                switch.record_sent(uow, org, count + 1, now)
                uow.commit()

    # ---------------------------------------------------------------------------- requests
    def _call(self, identity: Identity, operation: str, request: Any) -> Outcome:
        outcomes: list[Outcome] = []

        def answer(outcome: Outcome) -> bytes:
            outcomes.append(outcome)
            return b""

        self.components.service.handle(
            ServiceRequest(
                ENDPOINTS[identity.service],
                identity.service,
                "token",
                operation,
                lambda: Decoded(request, access_token=identity.token),
                str(uuid.uuid4()),
                None,
                b"",
            ),
            answer,
        )
        return outcomes[-1]

    @staticmethod
    def _step(
        identity: Identity, application_id: str | None, operation: str, outcome: Outcome
    ) -> Step:
        org = identity.organisation_id
        if isinstance(outcome, Done):
            info = getattr(outcome.result, "claim_info", None)
            phase = info.phase_cache_id if info is not None else None
            claim = application_id or (info.application_id if info is not None else None)
            return Step(org, claim, operation, "Ok", phase)
        if isinstance(outcome, Refused):
            refusal = outcome.refusal
            return Step(org, application_id, operation, refusal.key, detail=str(refusal))
        return Step(org, application_id, operation, "Error", detail=f"incident {outcome.incident}")


def _entered(
    uow: UnitOfWork, application_id: str, guid: str | None, fallback: datetime
) -> datetime:
    """When the claim got its current GUID (entered its phase): that journal entry's time."""
    for entry in uow.journal.search(application_id=application_id, limit=50):
        if guid is not None and entry.guid_after == guid:
            return as_utc(entry.at)
    return as_utc(fallback)


def _fitted(pack: str, request: str, template: str) -> str:
    if pack == "cpp-response":
        return cpp_response_for(request, template)
    return isp_response_for(request, template, full=pack.endswith("-full"))


def _build(operation: str, decision: Decision, claim: m.Claim, pack: str | None) -> Any:
    request_type = m.OPERATIONS[operation][0]
    names = {f.name for f in dataclasses.fields(request_type)}
    values: dict[str, Any] = {k: v for k, v in decision.fields.items() if k in names}
    values["claim_data"] = m.ClaimData(
        application_id=claim.application_id, activity_engine_guid=claim.activity_engine_guid
    )
    if pack is not None:
        xml_field = next(n for n in names if n.endswith("xml") and n != "claim_data")
        values[xml_field] = pack
    if "insurer_claim_reference_number" in names:
        values.setdefault("insurer_claim_reference_number", f"SBX-{claim.application_id}")
    return request_type(**values)
