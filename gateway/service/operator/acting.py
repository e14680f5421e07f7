"""What the operator functions share: a workflow ``Call`` with no A2A caller (the workflow path
needs one to move a claim, notify and re-arm its deadlines), the claim-scoped journal row, and the
report every function returns (done, skipped with the reason, and a one-line summary)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from gateway.domain.services import Service
from gateway.service.gateway import Call, JournalFacts
from gateway.service.operator import ENDPOINT, Operator, system_entry
from gateway.service.unit_of_work import UnitOfWork
from gateway.store.models import Claim

if TYPE_CHECKING:
    from gateway.app import Components


def system_call(components: Components, uow: UnitOfWork, now: datetime) -> Call[None]:
    """A ``Call`` for the workflow functions, acting for nobody (``Side.SYSTEM``)."""
    return Call(
        ENDPOINT,
        Service.RTA,
        None,
        uow,
        now,
        components.settings,
        components.auth,
        env=components.service.env,
    )


def facing(call: Call[None], claim: Claim) -> JournalFacts:
    """Point ``call`` at ``claim``: its service, and the journal facts as the claim stands."""
    call.service = Service(claim.service)
    call.facts = JournalFacts(
        application_id=claim.application_id,
        phase_before=claim.phase,
        phase_after=claim.phase,
        guid_before=claim.guid,
        guid_after=claim.guid,
    )
    return call.facts


def journal_claim(
    call: Call[None], operator: Operator, claim: Claim, operation: str, detail: str
) -> None:
    """The operator's journal row for one claim, with the facts ``facing`` started."""
    claim_entry(call, claim, ENDPOINT, operator.actor, operation, detail)


def claim_entry(
    call: Call[None], claim: Claim, endpoint: str, actor: str, operation: str, detail: str
) -> None:
    """A journal row about ``claim`` that no A2A request made (an operator function, a
    timeout), with the phases, GUIDs and transition of ``call.facts``."""
    facts = call.facts
    system_entry(
        call.uow,
        call.settings,
        call.now,
        endpoint=endpoint,
        actor=actor,
        operation=operation,
        service=Service(claim.service).process_name,
        detail=detail,
        application_id=claim.application_id,
        phase=(facts.phase_before, facts.phase_after),
        guid=(facts.guid_before, facts.guid_after),
        transition=facts.transition,
    )


@dataclass
class Report:
    """What an operator function did: the claims (or other items) done, and those skipped with
    the reason (already done, an end phase, not found ...)."""

    done: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def summary(self, verb: str) -> str:
        return f"{len(self.done)} {verb}, {len(self.skipped)} skipped"

    def lines(self, verb: str) -> list[str]:
        out = [self.summary(verb)]
        out.extend(f"  skipped {item}: {why}" for item, why in self.skipped)
        return out
