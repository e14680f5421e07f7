"""The claim lifecycle engine: phases, transitions, and the checks that reject a bad table.

The lifecycle is data (lifecycle.md sections 2 and 3): ``lifecycle_rta`` and ``lifecycle_elpl`` hold
one ``Phase`` per row of the phase tables and one ``Transition`` per row of the transition tables.
This module owns the types, expands the wildcard rows from the phase columns, validates a table when
a ``Lifecycle`` is constructed (a broken table raises ``LifecycleError``, so it fails at start-up,
never on the first request) and answers the one question a workflow handler asks: *from this phase,
this operation called by this side with these facts leads to which transition?*

Triggers are an A2A operation name, ``TIMEOUT`` (a deadline expired; performed by the system),
``GDPR_DELETE`` (administration event; modelled as performed by ``Side.SYSTEM``). Claim creation is
the row whose source is ``NEW`` (``"(new)"``) and whose trigger is ``addClaim``.

Condition facts (``Transition.when``) name only what *selects* the target phase; a row matches when
every fact it names is supplied with the same value. Validity conditions of the spec's Condition
column (pack valid, reason code valid, "request > 1,000 and not yet extended", "newTimeOut after the
current deadline", target organisation linked ...) are business rules the handler checks *before*
asking the table; they are kept as text in ``Transition.guard``. The facts (``FACTS``):

* ``insurer_type`` "I" / "M": RTA ``acceptClaim`` (CNF ``InsurerType``; MIB skips Article 75).
* ``isArticle75`` bool: ``applyArticle75``.
* ``LiabilityDecision`` "A" / "AN" / "N": ``sendLiabilityDecision``.
* ``child`` bool (section 1 child rule, evaluated at that moment): ``sendLiabilityDecision`` with
  "A", ``acknowledgeStage2SPFConfirmation``, ``acknowledgeStage2SPFAgreed``,
  ``acknowledgeAdditionalDamagesAgreement``, ``acknowledgeAllDamagesAgreed``.
* ``isInterimPaymentNeeded`` bool: ``setInterimPaymentNeeded``.
* ``offer_full`` bool: ``addInterimSPFResponse`` (full versus partial offer, operations.md 4.5).
* ``partial_accepted`` bool: ``acknowledgePartialPaymentDecision`` (the answer recorded earlier by
  ``acceptPartialInterimPayment``).
* ``SettlementPackDecision`` "C" / "CO" / "R": ``addStage2SPFResponse``.
* ``isAgreed`` bool: ``setStage2SPFAgreementDecision``, ``setS2SPFAdditionalDamagesDecision``.
* ``offer_late`` bool: ``setStage2SPFAgreementDecision`` with ``isAgreed`` false (the compensator's
  offer being answered was late) and ``addStage2SPFCounterOfferByCM`` with "NEWCO" (the CR offer
  being answered was late); lifecycle.md 5.4.
* ``isStage2SPFCounterOfferNeeded`` bool: ``setStage2SPFCounterOfferNeeded``.
* ``SettlementPackCounterOfferDecision`` "ACO" / "NEWCO": ``addStage2SPFCounterOfferByCM``.
* ``additionalDamagesExist`` bool: ``setAdditionalDamagesExistence`` (RTA).
* ``AdditionalDamagesDecision`` "A" / "CO": ``addS2SPFAdditionalDamagesResponse`` (RTA).

Supplying more facts than a row names is harmless, so a handler may pass everything it knows.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import import_module
from types import MappingProxyType
from typing import Any, Final

from gateway.domain.services import Service, Side
from gateway.errors import ClaimDeleted, GatewayError, PhaseNotAllowed

NEW: Final = "(new)"
TIMEOUT: Final = "TIMEOUT"
GDPR_DELETE: Final = "GDPR_DELETE"
DELETED_PHASE: Final = "ClaimDeleted"

#: Facts a ``Transition.when`` may name (see the module docstring); a typo fails the load check.
FACTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "insurer_type": "CNF InsurerType: I (insurer) or M (MIB)",
        "isArticle75": "applyArticle75 answer",
        "LiabilityDecision": "InsurerResponse LiabilityDecision: A, AN or N",
        "child": "lifecycle.md section 1 child rule, evaluated at the operation",
        "isInterimPaymentNeeded": "setInterimPaymentNeeded answer",
        "offer_full": "interim response is a full offer (operations.md 4.5)",
        "partial_accepted": "the CR accepted the partial interim offer",
        "SettlementPackDecision": "S2SP response decision: C, CO or R",
        "isAgreed": "CR agreement decision",
        "offer_late": "the offer being answered was late (lifecycle.md 5.4)",
        "isStage2SPFCounterOfferNeeded": "setStage2SPFCounterOfferNeeded answer",
        "SettlementPackCounterOfferDecision": "CM counter-offer decision: ACO or NEWCO",
        "additionalDamagesExist": "setAdditionalDamagesExistence answer",
        "AdditionalDamagesDecision": "additional damages response decision: A or CO",
    }
)

CR: Final = frozenset({Side.CR})
COMP: Final = frozenset({Side.COMP})
BOTH: Final = frozenset({Side.CR, Side.COMP})
SYSTEM: Final = frozenset({Side.SYSTEM})
NOBODY: Final[frozenset[Side]] = frozenset()


class LifecycleError(GatewayError):
    """The lifecycle table is broken, or a handler asked it a question it cannot answer.

    Raised when a ``Lifecycle`` is constructed from a bad table (start-up failure) and by
    ``resolve`` when rows exist for the phase, operation and side but none matches the facts (the
    handler did not supply a fact: a programming error, answered as ``Error``/``INTERNAL_ERROR``).
    """

    def __init__(self, reason: str, **context: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.context: dict[str, Any] = context


class Wildcard(StrEnum):
    """Source markers of the wildcard rows, expanded from the phase columns when a table loads."""

    EXIT_BY = "*exit-by"  # every phase whose Exit-by column admits the caller's side
    FRAUD = "*fraud"  # every phase whose Fraud column is yes
    ANY = "*any"  # every phase except the row's own target (GDPR_DELETE -> ClaimDeleted)


@dataclass(frozen=True)
class Phase:
    """One row of a phase table (lifecycle.md 2.1 / 3.1)."""

    id: str
    name: str
    worklist: Side | None
    end: bool
    #: Deadline rule ids (``deadlines.DEADLINES``) named in the "Deadline on entry" column.
    deadline_on_entry: tuple[str, ...] | None
    timeout_target: str | None
    exit_by: frozenset[Side]
    fraud: bool


@dataclass(frozen=True)
class Transition:
    """One row of a transition table (lifecycle.md 2.2 / 3.2); wildcard rows come expanded."""

    rule: str
    source: str
    trigger: str
    callers: frozenset[Side]
    when: Mapping[str, object]
    target: str
    renews_guid: bool = True
    guard: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "when", MappingProxyType(dict(self.when)))

    def __hash__(self) -> int:
        return hash(
            (
                self.rule,
                self.source,
                self.trigger,
                self.callers,
                self.target,
                frozenset(self.when.items()),
            )
        )

    def matches(self, facts: Mapping[str, object]) -> bool:
        """True when every fact this row names is supplied with the same value."""
        return all(key in facts and facts[key] == value for key, value in self.when.items())

    @property
    def is_self(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True)
class PhaseIndependent:
    """An operation that never changes the phase or the GUID (lifecycle.md section 4)."""

    operation: str
    claim: bool  # a claim is involved
    non_end_only: bool = False
    not_deleted: bool = False
    guid_checked: bool = False
    worklist_only: bool = False  # a listing filter: phases whose Worklist column is the caller
    sides: frozenset[Side] = BOTH
    services: frozenset[Service] = field(default_factory=lambda: frozenset(Service))


def active_phase(
    pid: str,
    name: str,
    worklist: Side,
    deadline: tuple[str, ...] | None = None,
    timeout: str | None = None,
    exit_by: frozenset[Side] = NOBODY,
    fraud: bool = False,
) -> Phase:
    """A row of a phase table for a non-end phase (builder for the data modules)."""
    return Phase(pid, name, worklist, False, deadline, timeout, exit_by, fraud)


def end_phase(pid: str, name: str) -> Phase:
    """A row of a phase table for an end phase: no worklist, deadline, exit or fraud."""
    return Phase(pid, name, None, True, None, None, NOBODY, False)


def row(
    rule: str,
    source: str,
    trigger: str,
    callers: frozenset[Side],
    target: str,
    guard: str = "",
    **when: object,
) -> Transition:
    """A row of a transition table; keyword arguments are the condition facts."""
    return Transition(rule, source, trigger, callers, when, target, guard=guard)


def _independent() -> Mapping[str, PhaseIndependent]:
    rows = [
        PhaseIndependent("getToken", claim=False),
        PhaseIndependent("refreshToken", claim=False),
        PhaseIndependent("changePassword", claim=False),
        PhaseIndependent("getClaimsList", claim=True, worklist_only=True),
        PhaseIndependent("searchClaims", claim=True),
        PhaseIndependent("getClaim", claim=True, not_deleted=True),
        PhaseIndependent("getClaimsStatus", claim=True),
        PhaseIndependent("getSystemProcessVersion", claim=False),
        PhaseIndependent("lockClaim", claim=True, non_end_only=True, guid_checked=True),
        PhaseIndependent("unlockClaim", claim=True),
        PhaseIndependent("forceUnlockClaim", claim=True),
        PhaseIndependent("allocateUser", claim=True, non_end_only=True, guid_checked=True),
        PhaseIndependent("deallocateUser", claim=True, non_end_only=True, guid_checked=True),
        PhaseIndependent(
            "allocateClaimToBranch", claim=True, non_end_only=True, guid_checked=True, sides=COMP
        ),
        PhaseIndependent("getMyUsersList", claim=False),
        PhaseIndependent("getBranchesList", claim=False),
        PhaseIndependent("getOrganisation", claim=False),
        PhaseIndependent("getNotificationsList", claim=False),
        PhaseIndependent("removeNotification", claim=False),
        PhaseIndependent("getHospitalsList", claim=False),
        PhaseIndependent("searchCompensators", claim=False, sides=CR),
        PhaseIndependent("searchCompensatorsByInsurerIndex", claim=False, sides=CR),
        PhaseIndependent("addAttachment", claim=True, non_end_only=True),
        PhaseIndependent("getAttachment", claim=True, not_deleted=True),
        PhaseIndependent("getAttachmentsList", claim=True, not_deleted=True),
        PhaseIndependent("getPrintableDocumentsList", claim=True, not_deleted=True),
        PhaseIndependent("getPrintableDocument", claim=True, not_deleted=True),
    ]
    return MappingProxyType({row.operation: row for row in rows})


#: lifecycle.md section 4, the same for both services.
PHASE_INDEPENDENT: Final[Mapping[str, PhaseIndependent]] = _independent()


class Lifecycle:
    """The validated state machine of one service. Construct it to check a table."""

    def __init__(
        self,
        service: Service,
        phases: Sequence[Phase],
        transitions: Sequence[Transition],
        independent: Mapping[str, PhaseIndependent] = PHASE_INDEPENDENT,
    ) -> None:
        self.service = service
        self.phases: tuple[Phase, ...] = tuple(phases)
        self._by_id: dict[str, Phase] = {}
        for phase in self.phases:
            if phase.id in self._by_id or phase.id == NEW:
                raise LifecycleError(f"{service}: duplicate phase id {phase.id!r}")
            self._by_id[phase.id] = phase
        self.independent: Mapping[str, PhaseIndependent] = MappingProxyType(
            {op: row for op, row in independent.items() if service in row.services}
        )
        self.transitions: tuple[Transition, ...] = tuple(self._expand(transitions))
        self._index: dict[tuple[str, str], list[Transition]] = {}
        for row in self.transitions:
            self._index.setdefault((row.source, row.trigger), []).append(row)
        _check(self)

    # ------------------------------------------------------------------------------ queries
    def phase(self, phase_id: str) -> Phase:
        try:
            return self._by_id[phase_id]
        except KeyError:
            raise LifecycleError(
                f"{self.service}: unknown phase {phase_id!r}", phase=phase_id
            ) from None

    def __contains__(self, phase_id: object) -> bool:
        return phase_id in self._by_id

    def rows(self, phase_id: str, trigger: str | None = None) -> list[Transition]:
        """Rows leaving ``phase_id`` (``NEW`` for creation), optionally for one trigger."""
        if trigger is not None:
            return list(self._index.get((phase_id, trigger), ()))
        return [row for row in self.transitions if row.source == phase_id]

    def allows(self, phase_id: str, operation: str, side: Side) -> bool:
        """Any row for this phase, trigger and side, whatever its conditions."""
        return any(side in row.callers for row in self._index.get((phase_id, operation), ()))

    def allowed_operations(self, phase_id: str, side: Side) -> set[str]:
        """Workflow operations ``side`` may call in ``phase_id``."""
        return {
            row.trigger
            for row in self.rows(phase_id)
            if side in row.callers and row.trigger not in (TIMEOUT, GDPR_DELETE)
        }

    def resolve(
        self, phase_id: str, operation: str, side: Side, facts: Mapping[str, object]
    ) -> Transition:
        """The one transition for this phase, operation, side and facts.

        Raises ``PhaseNotAllowed`` when no row admits the phase, operation and side, and
        ``LifecycleError`` when rows exist but none matches ``facts`` (a missing fact).
        """
        if phase_id != NEW:
            self.phase(phase_id)
        rows = [r for r in self._index.get((phase_id, operation), ()) if side in r.callers]
        if not rows:
            name = self._by_id[phase_id].name if phase_id in self._by_id else phase_id
            raise PhaseNotAllowed(
                f"{operation} by {side} in {name}",
                message=f"Operation not allowed in phase {name}",
                phase=phase_id,
                operation=operation,
                side=str(side),
            )
        matching = [row for row in rows if row.matches(facts)]
        if len(matching) != 1:
            needed = sorted({key for row in rows for key in row.when})
            raise LifecycleError(
                f"{self.service}: {operation} by {side} in {phase_id}: "
                f"{len(matching)} rows match facts {dict(facts)!r}; the rows need {needed}",
                phase=phase_id,
                operation=operation,
                facts=dict(facts),
            )
        return matching[0]

    def timeout(self, phase_id: str) -> Transition | None:
        rows = self._index.get((phase_id, TIMEOUT), ())
        return rows[0] if rows else None

    def operations(self) -> set[str]:
        """Workflow operations: every trigger that is an A2A operation (``addClaim`` included)."""
        return {row.trigger for row in self.transitions} - {TIMEOUT, GDPR_DELETE}

    def check_operations(self, names: Iterable[str]) -> None:
        """Check that ``names`` (the service's WSDL operations) are exactly covered by the table."""
        wanted = set(names)
        known = self.operations() | set(self.independent)
        missing, extra = sorted(wanted - known), sorted(known - wanted)
        if missing or extra:
            raise LifecycleError(
                f"{self.service}: operations neither a trigger nor phase-independent: {missing}; "
                f"in the table but not offered by the service: {extra}",
                missing=missing,
                extra=extra,
            )

    def check_independent(self, operation: str, phase_id: str | None, side: Side) -> None:
        """Refuse a phase-independent operation that its constraints do not admit."""
        row = self.independent.get(operation)
        if row is None:
            raise LifecycleError(f"{self.service}: {operation} is not phase-independent")
        if side not in row.sides:
            raise PhaseNotAllowed(f"{operation} by {side}", operation=operation, side=str(side))
        if phase_id is None or not row.claim:
            return
        phase = self.phase(phase_id)
        if row.not_deleted and phase.id == DELETED_PHASE:
            raise ClaimDeleted(operation, phase=phase.id, operation=operation)
        if row.non_end_only and phase.end:
            raise PhaseNotAllowed(
                f"{operation} in {phase.name}",
                message=f"Operation not allowed in phase {phase.name}",
                phase=phase.id,
                operation=operation,
            )

    # ------------------------------------------------------------------------------ expansion
    def _expand(self, rows: Sequence[Transition]) -> Iterator[Transition]:
        for row in rows:
            if row.source == Wildcard.EXIT_BY:
                for phase in self.phases:
                    callers = row.callers & phase.exit_by
                    if callers:
                        yield _at(row, phase.id, callers)
            elif row.source == Wildcard.FRAUD:
                yield from (_at(row, p.id, row.callers) for p in self.phases if p.fraud)
            elif row.source == Wildcard.ANY:
                yield from (_at(row, p.id, row.callers) for p in self.phases if p.id != row.target)
            else:
                yield row


def _at(row: Transition, source: str, callers: frozenset[Side]) -> Transition:
    return Transition(
        row.rule, source, row.trigger, callers, row.when, row.target, row.renews_guid, row.guard
    )


# ---------------------------------------------------------------------------------- load checks
def _check(lc: Lifecycle) -> None:
    for check in (_check_phases, _check_rows, _check_ambiguity, _check_timeouts, _check_graph):
        check(lc)


def _fail(lc: Lifecycle, reason: str, **context: Any) -> None:
    raise LifecycleError(f"{lc.service} lifecycle: {reason}", service=str(lc.service), **context)


def _check_phases(lc: Lifecycle) -> None:
    for p in lc.phases:
        if p.end and (p.worklist is not None or p.exit_by or p.fraud or p.timeout_target):
            _fail(lc, f"end phase {p.id} has a worklist, exit, fraud or timeout", phase=p.id)
        if not p.end and p.worklist not in (Side.CR, Side.COMP):
            _fail(lc, f"active phase {p.id} has no worklist side", phase=p.id)
        if Side.SYSTEM in p.exit_by:
            _fail(lc, f"phase {p.id}: the system cannot exit", phase=p.id)


def _check_rows(lc: Lifecycle) -> None:
    for row in lc.transitions:
        ctx = {"rule": row.rule}
        if row.source != NEW and row.source not in lc:
            _fail(lc, f"{row.rule}: unknown source phase {row.source!r}", **ctx)
        if row.target not in lc:
            _fail(lc, f"{row.rule}: unknown target phase {row.target!r}", **ctx)
        if row.source in lc and lc.phase(row.source).end and row.trigger != GDPR_DELETE:
            _fail(lc, f"{row.rule}: end phase {row.source} has workflow transition", **ctx)
        if not row.callers:
            _fail(lc, f"{row.rule}: no caller", **ctx)
        system_trigger = row.trigger in (TIMEOUT, GDPR_DELETE)
        if system_trigger != (row.callers == SYSTEM):
            _fail(lc, f"{row.rule}: {row.trigger} callers {sorted(row.callers)}", **ctx)
        unknown = set(row.when) - set(FACTS)
        if unknown:
            _fail(lc, f"{row.rule}: unknown condition facts {sorted(unknown)}", **ctx)
        if row.trigger in lc.independent:
            _fail(lc, f"{row.rule}: {row.trigger} is declared phase-independent", **ctx)
    for p in lc.phases:
        if not p.end and not any(
            p.worklist in r.callers for r in lc.rows(p.id) if r.trigger != GDPR_DELETE
        ):
            _fail(lc, f"phase {p.id}: its worklist side {p.worklist} cannot act", phase=p.id)


def _overlap(a: Mapping[str, object], b: Mapping[str, object]) -> bool:
    return all(a[key] == b[key] for key in a.keys() & b.keys())


def _check_ambiguity(lc: Lifecycle) -> None:
    for (source, trigger), rows in lc._index.items():
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                if a.callers & b.callers and _overlap(a.when, b.when):
                    _fail(
                        lc,
                        f"{a.rule} and {b.rule} are ambiguous: {trigger} in {source} "
                        f"with conditions {dict(a.when)} / {dict(b.when)}",
                        rules=(a.rule, b.rule),
                    )


def _check_timeouts(lc: Lifecycle) -> None:
    for p in lc.phases:
        rows = lc.rows(p.id, TIMEOUT)
        targets = {r.target for r in rows}
        expected = {p.timeout_target} if p.timeout_target else set()
        if len(rows) > 1 or targets != expected:
            _fail(
                lc,
                f"phase {p.id}: On-timeout column says {p.timeout_target}, "
                f"TIMEOUT rows go to {sorted(targets)}",
                phase=p.id,
            )


def _check_graph(lc: Lifecycle) -> None:
    nexts: dict[str, set[str]] = {}
    for row in lc.transitions:
        if row.trigger != GDPR_DELETE:
            nexts.setdefault(row.source, set()).add(row.target)
    reached = _closure({NEW}, _all_edges(lc))
    unreachable = [p.id for p in lc.phases if p.id not in reached]
    if unreachable:
        _fail(lc, f"phases unreachable from (new): {unreachable}", phases=unreachable)
    for p in lc.phases:
        if p.end:
            continue
        if not nexts.get(p.id, set()) - {p.id}:
            _fail(lc, f"active phase {p.id} has no way out to another phase", phase=p.id)
        if not any(lc.phase(q).end for q in _closure({p.id}, nexts)):
            _fail(lc, f"no end phase can be reached from {p.id}", phase=p.id)


def _all_edges(lc: Lifecycle) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for row in lc.transitions:
        edges.setdefault(row.source, set()).add(row.target)
    return edges


def _closure(start: set[str], edges: Mapping[str, set[str]]) -> set[str]:
    seen, queue = set(start), deque(start)
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


# ---------------------------------------------------------------------------------- registry
_DATA_MODULES: Final[Mapping[Service, str]] = {
    Service.RTA: "gateway.domain.lifecycle_rta",
    Service.ELPL: "gateway.domain.lifecycle_elpl",
}


class _Registry(Mapping[Service, Lifecycle]):
    """``LIFECYCLES``: each service's table is loaded (and checked) once, on first access.

    Lazy because the data modules import this module's types; call ``load_all()`` at start-up.
    """

    def __init__(self) -> None:
        self._loaded: dict[Service, Lifecycle] = {}

    def __getitem__(self, service: Service) -> Lifecycle:
        if service not in self._loaded:
            data = import_module(_DATA_MODULES[service])
            self._loaded[service] = Lifecycle(service, data.PHASES, data.TRANSITIONS)
        return self._loaded[service]

    def __iter__(self) -> Iterator[Service]:
        return iter(_DATA_MODULES)

    def __len__(self) -> int:
        return len(_DATA_MODULES)


LIFECYCLES: Final[Mapping[Service, Lifecycle]] = _Registry()


def load_all() -> None:
    """Load and check every service's table (start-up: a broken table stops the gateway)."""
    for service in LIFECYCLES:
        _ = LIFECYCLES[service]
