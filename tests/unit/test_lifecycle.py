"""The lifecycle tables: load-time checks, the engine, agreement with the spec, notifications."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.domain.lifecycle import (
    BOTH,
    COMP,
    CR,
    GDPR_DELETE,
    LIFECYCLES,
    NEW,
    PHASE_INDEPENDENT,
    SYSTEM,
    TIMEOUT,
    Lifecycle,
    LifecycleError,
    Phase,
    PhaseIndependent,
    Transition,
    Wildcard,
    active_phase,
    end_phase,
    load_all,
    row,
)
from gateway.domain.notifications import (
    claim_deleted,
    deadline_warning,
    time_limit_reached,
    transition_notices,
)
from gateway.domain.services import Service, Side
from gateway.errors import ClaimDeleted, PhaseNotAllowed

RTA = LIFECYCLES[Service.RTA]
ELPL = LIFECYCLES[Service.ELPL]


# ---------------------------------------------------------------------------------- spec parsing
# ``spec`` is the conftest fixture: the spec folder, or a skip (a failure in CI) without it.
def spec_text(spec: Path, name: str) -> str:
    path = spec / name
    assert path.is_file(), f"spec file {path} not found"
    return path.read_text(encoding="utf-8")


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def table_after(text: str, heading: str) -> list[list[str]]:
    """The body rows of the first Markdown table after the line starting with ``heading``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    rows: list[list[str]] = []
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            rows.append(cells(line))
        elif rows:
            break
    return rows[2:]  # header and separator


def section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


SIDES = {"CR": CR, "COMP": COMP, "both": BOTH, "–": frozenset()}
CALLERS = {"CR": CR, "COMP": COMP, "CR or COMP": BOTH, "system": SYSTEM, "administrator": SYSTEM}
PHASE_HEADINGS = {Service.RTA: "### 2.1 RTA phases", Service.ELPL: "### 3.1 EL/PL phases"}
TRANSITION_HEADINGS = {Service.RTA: "### 2.2 RTA transitions", Service.ELPL: "### 3.2 EL/PL"}


def spec_phases(spec: Path, service: Service) -> list[list[str]]:
    return table_after(spec_text(spec, "lifecycle.md"), PHASE_HEADINGS[service])


def expand_source(source: str, callers: frozenset[Side], phases: list[list[str]]) -> Iterator[str]:
    """The spec's From column, wildcards expanded from the spec's own phase table."""
    if source == "(new)":
        yield NEW
    elif source.startswith("any phase whose Exit by is"):
        yield from (p[1] for p in phases if callers & SIDES[p[8]])
    elif source == "any phase whose Fraud is yes":
        yield from (p[1] for p in phases if p[9] == "yes")
    elif source == "any phase except ClaimDeleted":
        yield from (p[1] for p in phases if p[1] != "ClaimDeleted")
    else:
        yield source


def spec_transitions(
    spec: Path, service: Service
) -> set[tuple[str, str, str, frozenset[Side], str]]:
    found = set()
    phases = spec_phases(spec, service)
    for rule, source, trigger, caller, _condition, target in table_after(
        spec_text(spec, "lifecycle.md"), TRANSITION_HEADINGS[service]
    ):
        callers = CALLERS[caller]
        for phase_id in expand_source(source, callers, phases):
            found.add((rule, phase_id, trigger.strip("`"), callers, target))
    return found


def spec_operations(spec: Path) -> dict[str, tuple[set[Service], str, str, str]]:
    """operations.md section 3: name -> (services, caller, allowed phases, resulting phase)."""
    text = section(spec_text(spec, "operations.md"), "## 3. Operation tables", "## 4.")
    found = {}
    for line in text.splitlines():
        if line.startswith("| `"):
            name, services, caller, _req, _resp, allowed, result = cells(line)
            names = {s.strip() for s in services.split(",")}
            found[name.strip("`")] = (
                {s for s in Service if s.process_name in names},
                caller,
                allowed,
                result,
            )
    return found


def phase_ids(text: str, service: Service, known: set[str]) -> set[str]:
    """Backticked phase ids of an operations.md cell; ``RTA x`` / ``EL/PL x`` apply to one."""
    wanted = "RTA" if service is Service.RTA else "EL/PL"
    return {
        pid
        for qualifier, pid in re.findall(r"(?:(RTA|EL/PL):? )?`(\w+)`", text)
        if pid in known and qualifier in ("", wanted)
    }


def ours(lc: Lifecycle) -> set[tuple[str, str, str, frozenset[Side], str]]:
    return {(t.rule, t.source, t.trigger, t.callers, t.target) for t in lc.transitions}


# ---------------------------------------------------------------------------------- the spec
@pytest.mark.parametrize(("lc", "total", "active"), [(RTA, 57, 43), (ELPL, 48, 35)])
def test_counts(lc: Lifecycle, total: int, active: int) -> None:
    assert len(lc.phases) == total
    assert sum(not p.end for p in lc.phases) == active


@pytest.mark.parametrize("lc", [RTA, ELPL], ids=["rta", "elpl"])
def test_every_transition_row_of_the_spec_is_in_the_table_and_vice_versa(
    spec: Path, lc: Lifecycle
) -> None:
    rows = spec_transitions(spec, lc.service)
    assert sorted(rows - ours(lc)) == []
    assert sorted(ours(lc) - rows) == []


@pytest.mark.parametrize("lc", [RTA, ELPL], ids=["rta", "elpl"])
def test_phase_rows_match_the_spec(spec: Path, lc: Lifecycle) -> None:
    worklists = {"CR": Side.CR, "COMP": Side.COMP, "none": None}
    rows = spec_phases(spec, lc.service)
    assert [r[1] for r in rows] == [p.id for p in lc.phases]
    for r in rows:
        phase = lc.phase(r[1])
        deadlines = tuple(dict.fromkeys(re.findall(r"D\d+", r[5]))) or None
        assert (phase.name, phase.worklist, phase.end) == (r[2], worklists[r[3]], r[4] == "yes")
        assert phase.deadline_on_entry == deadlines, phase.id
        assert phase.timeout_target == (None if r[6] == "–" else r[6]), phase.id
        assert (phase.exit_by, phase.fraud) == (SIDES[r[8]], r[9] == "yes"), phase.id


@pytest.mark.parametrize("lc", [RTA, ELPL], ids=["rta", "elpl"])
def test_allowed_operations_column_matches_the_transitions(spec: Path, lc: Lifecycle) -> None:
    for r in spec_phases(spec, lc.service):
        column: set[tuple[str, str]] = set()
        for part in r[7].split("; "):
            if "→" in part:
                op, targets = part.split("→")
                for target in targets.split(" / "):
                    column.add((op.strip(" `"), re.sub(r"\s*\(.*", "", target).strip()))
        table = {
            (t.trigger, t.target)
            for t in lc.rows(r[1])
            if t.trigger not in (TIMEOUT, GDPR_DELETE, "exitProcess", "stateFraud")
        }
        assert column == table, r[1]


@pytest.mark.parametrize("service", list(Service))
def test_every_operation_of_the_service_is_a_trigger_or_phase_independent(
    spec: Path, service: Service
) -> None:
    operations = {name for name, row_ in spec_operations(spec).items() if service in row_[0]}
    assert len(operations) == {Service.RTA: 81, Service.ELPL: 72}[service]
    LIFECYCLES[service].check_operations(operations)


@pytest.mark.parametrize("service", list(Service))
def test_operation_callers_allowed_and_resulting_phases_match_operations_md(
    spec: Path, service: Service
) -> None:
    lc = LIFECYCLES[service]
    known = {p.id for p in lc.phases}
    for name, (services, caller, allowed, result) in spec_operations(spec).items():
        if service not in services:
            continue
        if name in lc.independent:
            side = caller.split(" ")[0]
            assert lc.independent[name].sides == {"CR": CR, "COMP": COMP}.get(side, BOTH), name
            continue
        rows = [t for t in lc.transitions if t.trigger == name]
        expected = {"CR": CR, "COMP": COMP, "any": BOTH}[caller.split(" ")[0]]
        assert frozenset().union(*(t.callers for t in rows)) == expected, name
        sources = {t.source for t in rows}
        if name == "addClaim":
            assert sources == {NEW}
        elif "`" in allowed:
            assert sources == phase_ids(allowed, service, known), name
        targets = phase_ids(result, service, known)
        if "same phase" in result:
            targets = sources
        if targets:
            assert {t.target for t in rows} == targets, name


def test_phase_independent_operations_match_lifecycle_section_4(spec: Path) -> None:
    text = section(spec_text(spec, "lifecycle.md"), "## 4. Phase-independent", "## 5.")
    constraints = {
        cells(line)[0].strip("`"): cells(line)[2]
        for line in text.splitlines()[1:]
        if line.startswith("| `")
    }
    assert set(constraints) == set(PHASE_INDEPENDENT)
    for name, constraint in constraints.items():
        row_ = PHASE_INDEPENDENT[name]
        assert row_.non_end_only == ("non-end phases" in constraint), name
        assert row_.not_deleted == ("except `ClaimDeleted`" in constraint), name
        assert row_.guid_checked == ("GUID" in constraint or "activityEngineGuid" in constraint)
        assert row_.claim == ("no claim involved" not in constraint), name
        assert row_.worklist_only == ("worklist" in constraint), name


# ---------------------------------------------------------------------------------- the engine
def test_lifecycles_registry() -> None:
    load_all()
    assert set(LIFECYCLES) == set(Service) and len(LIFECYCLES) == 2
    assert LIFECYCLES[Service.RTA] is RTA


def test_resolve_selects_by_facts() -> None:
    def go(facts: dict[str, object]) -> str:
        return RTA.resolve("LiabilityDecision", "sendLiabilityDecision", Side.COMP, facts).target

    assert go({"LiabilityDecision": "A", "child": False}) == "LiabilityAdmitted"
    assert go({"LiabilityDecision": "A", "child": True}) == "LiabilityAdmittedForChild"
    assert go({"LiabilityDecision": "AN", "child": True}) == "LiabilityAdmittedWithNegligence"
    assert go({"LiabilityDecision": "N"}) == "LiabilityNotAdmitted"
    accept = RTA.resolve("ClaimSubmitted", "acceptClaim", Side.COMP, {"insurer_type": "M"})
    assert (accept.rule, accept.target) == ("R3", "LiabilityDecision")
    assert ELPL.resolve("ClaimAcknowledged", "acceptClaim", Side.COMP, {}).rule == "E4"


def test_resolve_late_offers() -> None:
    facts = {"isAgreed": False, "offer_late": True}
    agd = "Stage2SettlementPackAgreementDecision"
    assert RTA.resolve(agd, "setStage2SPFAgreementDecision", Side.CR, facts).rule == "R52"
    assert ELPL.resolve(agd, "setStage2SPFAgreementDecision", Side.CR, facts).target == (
        "CourtProceedingsPackForm"
    )
    accepted = {"isAgreed": True, "offer_late": True}
    assert RTA.resolve(agd, "setStage2SPFAgreementDecision", Side.CR, accepted).rule == "R50"
    codec = "Stage2SettlementPackCounterOfferDecision"
    newco = {"SettlementPackCounterOfferDecision": "NEWCO", "offer_late": True}
    assert RTA.resolve(codec, "addStage2SPFCounterOfferByCM", Side.COMP, newco).target == (
        "Stage2SettlementPackNotAgreed"
    )


def test_resolve_refuses_wrong_phase_or_side() -> None:
    with pytest.raises(PhaseNotAllowed) as refused:
        RTA.resolve("ClaimSubmitted", "sendLiabilityDecision", Side.COMP, {})
    assert refused.value.key == "PHASE_NOT_ALLOWED"
    assert refused.value.message == "Operation not allowed in phase Claim Submitted"
    assert refused.value.context["phase"] == "ClaimSubmitted"
    assert refused.value.context["operation"] == "sendLiabilityDecision"
    with pytest.raises(PhaseNotAllowed):
        RTA.resolve("ClaimSubmitted", "acceptClaim", Side.CR, {"insurer_type": "I"})
    with pytest.raises(PhaseNotAllowed):  # RTA-only operation on EL/PL
        ELPL.resolve("LiabilityDecision", "applyArticle75", Side.COMP, {"isArticle75": True})


def test_resolve_without_the_facts_is_a_programming_error() -> None:
    with pytest.raises(LifecycleError, match="LiabilityDecision"):
        RTA.resolve("LiabilityDecision", "sendLiabilityDecision", Side.COMP, {})
    with pytest.raises(LifecycleError, match="child"):
        RTA.resolve(
            "LiabilityDecision", "sendLiabilityDecision", Side.COMP, {"LiabilityDecision": "A"}
        )
    with pytest.raises(LifecycleError, match="unknown phase"):
        RTA.resolve("ClaimAcknowledged", "acceptClaim", Side.COMP, {})


def test_creation_timeout_and_gdpr() -> None:
    assert RTA.resolve(NEW, "addClaim", Side.CR, {}).target == "ClaimSubmitted"
    assert RTA.allows(NEW, "addClaim", Side.CR) and not RTA.allows(NEW, "addClaim", Side.COMP)
    timeout = RTA.timeout("InterimPaymentDecision")
    assert timeout is not None and timeout.target == "InterimPaymentDecisionTimeout"
    assert RTA.timeout("StartOfStage21") is None
    assert ELPL.timeout("ClaimAcknowledged") is not None
    deleted = RTA.resolve("ExitProcessEnd", GDPR_DELETE, Side.SYSTEM, {})
    assert (deleted.rule, deleted.target) == ("R95", "ClaimDeleted")
    assert not RTA.rows("ClaimDeleted")


def test_wildcard_rows_are_expanded_from_the_phase_columns() -> None:
    assert RTA.allows("ClaimSubmitted", "exitProcess", Side.CR)
    assert not RTA.allows("ClaimSubmitted", "exitProcess", Side.COMP)
    assert not RTA.allows("LiabilityAdmitted", "exitProcess", Side.CR)
    assert not RTA.allows("ExitProcessEnd", "exitProcess", Side.CR)
    exit_cm = RTA.resolve("Stage1Payment", "exitProcess", Side.COMP, {})
    assert (exit_cm.rule, exit_cm.target, exit_cm.callers) == ("R93", "ExitProcessByCM", COMP)
    fraud = {t.source for t in RTA.transitions if t.trigger == "stateFraud"}
    assert fraud == {p.id for p in RTA.phases if p.fraud}
    assert len(fraud) == 7
    gdpr = [t for t in ELPL.transitions if t.trigger == GDPR_DELETE]
    assert len(gdpr) == 47 and all(t.callers == SYSTEM for t in gdpr)


def test_queries() -> None:
    assert RTA.allowed_operations("InterimPaymentDecision", Side.COMP) == {
        "addInterimSPFResponse",
        "rejectInterimSettlementPack",
        "extendInterimPaymentDecisionTimeout",
        "exitProcess",
        "stateFraud",
    }
    assert RTA.allowed_operations("Stage2SettlementPackCounterOfferNeeded", Side.COMP) == {
        "extendStage2SPFCounterOfferTimeout",
        "exitProcess",
    }
    assert "acknowledgeClaim" in ELPL.operations() and "acknowledgeClaim" not in RTA.operations()
    assert not RTA.operations() & {TIMEOUT, GDPR_DELETE}
    assert all(t.renews_guid for t in RTA.transitions)
    assert len({*RTA.transitions}) == len(RTA.transitions)  # hashable and distinct
    assert "Stage1Payment" in RTA and "Stage1Payment" not in ELPL


def test_check_operations_reports_missing_and_extra() -> None:
    with pytest.raises(LifecycleError, match=r"\['sendCarrierPigeon'\]"):
        RTA.check_operations(RTA.operations() | set(RTA.independent) | {"sendCarrierPigeon"})
    with pytest.raises(LifecycleError, match="acceptClaim"):
        RTA.check_operations(RTA.operations() - {"acceptClaim"} | set(RTA.independent))


def test_phase_independent_constraints() -> None:
    RTA.check_independent("lockClaim", "ClaimSubmitted", Side.CR)
    RTA.check_independent("getClaimsList", None, Side.COMP)
    RTA.check_independent("getClaim", "ExitProcessEnd", Side.CR)
    with pytest.raises(PhaseNotAllowed):
        RTA.check_independent("lockClaim", "ExitProcessEnd", Side.CR)
    with pytest.raises(PhaseNotAllowed):
        RTA.check_independent("addAttachment", "ClaimDeleted", Side.CR)
    with pytest.raises(ClaimDeleted):
        RTA.check_independent("getAttachment", "ClaimDeleted", Side.COMP)
    with pytest.raises(PhaseNotAllowed):
        RTA.check_independent("allocateClaimToBranch", "ClaimSubmitted", Side.CR)
    with pytest.raises(LifecycleError):
        RTA.check_independent("acceptClaim", "ClaimSubmitted", Side.COMP)
    assert PHASE_INDEPENDENT["allocateUser"].guid_checked
    assert not PHASE_INDEPENDENT["getClaimsStatus"].not_deleted


# ---------------------------------------------------------------------------------- load checks
def tiny(
    extra_phases: tuple[Phase, ...] = (),
    extra_rows: tuple[Transition, ...] = (),
    replace: dict[str, Phase | Transition] | None = None,
    independent: dict[str, PhaseIndependent] | None = None,
) -> Lifecycle:
    """A small valid table; the arguments break it."""
    phases = [
        active_phase("A", "Phase A", Side.COMP, exit_by=CR),
        active_phase("B", "Phase B", Side.CR, None, "Done"),
        end_phase("Done", "Done"),
        end_phase("Exited", "Exited"),
        end_phase("ClaimDeleted", "Claim Deleted"),
        *extra_phases,
    ]
    rows = [
        row("T1", NEW, "addClaim", CR, "A"),
        row("T2", "A", "decide", COMP, "B", isAgreed=True),
        row("T3", "A", "decide", COMP, "Done", isAgreed=False),
        row("T4", "B", "finish", CR, "Done"),
        row("T5", "B", TIMEOUT, SYSTEM, "Done"),
        row("T6", Wildcard.EXIT_BY, "exitProcess", CR, "Exited"),
        row("T7", Wildcard.ANY, GDPR_DELETE, SYSTEM, "ClaimDeleted"),
        *extra_rows,
    ]
    for key, value in (replace or {}).items():
        if isinstance(value, Phase):
            phases = [value if p.id == key else p for p in phases]
        else:
            rows = [value if r.rule == key else r for r in rows]
    return Lifecycle(Service.RTA, phases, rows, independent or {})


def test_the_tiny_table_is_valid() -> None:
    lc = tiny()
    assert lc.resolve("A", "exitProcess", Side.CR, {}).target == "Exited"
    assert len([t for t in lc.transitions if t.trigger == GDPR_DELETE]) == 4


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (
            {
                "extra_phases": (active_phase("Orphan", "Orphan", Side.CR),),
                "extra_rows": (row("T8", "Orphan", "finish", CR, "Done"),),
            },
            "unreachable",
        ),
        (
            {
                "replace": {
                    "T4": row("T4", "B", "finish", CR, "B"),
                    "T5": row("T5", "B", TIMEOUT, SYSTEM, "B"),
                    "B": active_phase("B", "Phase B", Side.CR, None, "B"),
                }
            },
            "no way out",
        ),
        (
            {
                "extra_phases": (active_phase("C", "C", Side.CR), active_phase("D", "D", Side.CR)),
                "extra_rows": (
                    row("T8", "B", "loop", CR, "C"),
                    row("T9", "C", "go", CR, "D"),
                    row("T10", "D", "go", CR, "C"),
                ),
            },
            "no end phase can be reached",
        ),
        ({"extra_rows": (row("T8", "A", "decide", COMP, "Done"),)}, "ambiguous"),
        ({"extra_rows": (row("T8", "A", "decide", COMP, "Done", child=True),)}, "ambiguous"),
        ({"extra_rows": (row("T8", "A", "stop", COMP, "Nowhere"),)}, "unknown target"),
        ({"extra_rows": (row("T8", "Limbo", "stop", COMP, "Done"),)}, "unknown source"),
        ({"extra_rows": (row("T8", "Done", "reopen", CR, "A"),)}, "end phase Done"),
        (
            {"extra_rows": (row("T8", "A", "paint", COMP, "Done", colour="red"),)},
            "unknown condition facts",
        ),
        ({"extra_rows": (row("T8", "A", TIMEOUT, COMP, "Done"),)}, "callers"),
        ({"extra_rows": (row("T8", "A", TIMEOUT, SYSTEM, "Done"),)}, "On-timeout column"),
        ({"replace": {"B": active_phase("B", "Phase B", Side.CR)}}, "On-timeout column"),
        ({"replace": {"B": active_phase("B", "Phase B", Side.COMP, None, "Done")}}, "cannot act"),
        ({"extra_phases": (end_phase("A", "Again"),)}, "duplicate phase id"),
        ({"independent": {"decide": PhaseIndependent("decide", claim=True)}}, "phase-independent"),
    ],
    ids=[
        "unreachable",
        "dead-end",
        "closed-loop",
        "ambiguous",
        "ambiguous-other-facts",
        "unknown-target",
        "unknown-source",
        "end-with-workflow",
        "unknown-fact",
        "timeout-caller",
        "timeout-not-in-column",
        "timeout-row-missing",
        "worklist-idle",
        "duplicate-phase",
        "independent-trigger",
    ],
)
def test_a_broken_table_is_rejected_at_load(broken: dict[str, object], message: str) -> None:
    with pytest.raises(LifecycleError, match=message):
        tiny(**broken)  # type: ignore[arg-type]


def test_rows_for_different_sides_are_not_ambiguous() -> None:
    lc = tiny(extra_rows=(row("T8", "A", "decide", CR, "Done"),))
    assert lc.resolve("A", "decide", Side.CR, {}).rule == "T8"


# ---------------------------------------------------------------------------------- notifications
def test_transition_notices_replace_the_generic_message() -> None:
    accept = RTA.resolve("ClaimSubmitted", "acceptClaim", Side.COMP, {"insurer_type": "I"})
    texts = {(n.kind, n.recipients, n.text) for n in transition_notices(RTA, accept, "A1")}
    assert texts == {
        ("claim_accepted", CR, "Claim A1 accepted by Compensator"),
        ("phase_changed", COMP, "Claim A1 moved to Article 75 Decision"),
    }
    created = RTA.resolve(NEW, "addClaim", Side.CR, {})
    (notice,) = transition_notices(RTA, created, "A1", cr_organisation="Smith & Co")
    assert (notice.recipients, notice.text) == (COMP, "New claim A1 received from Smith & Co")
    reject = ELPL.resolve("ClaimAcknowledged", "rejectClaimToCR", Side.COMP, {})
    (notice,) = transition_notices(ELPL, reject, "A2", rejection_reason="Not a RTA claim")
    assert notice.text == "Claim A2 rejected by Compensator: Not a RTA claim"
    exit_cr = RTA.resolve("Stage1Payment", "exitProcess", Side.CR, {})
    (notice,) = transition_notices(RTA, exit_cr, "A3", exit_reason="Claim settled")
    assert notice.recipients == COMP
    assert notice.text == "Claim A3: exit process by Claimant Representative: Claim settled"


def test_transition_notices_for_end_phases_and_deletion() -> None:
    done = RTA.resolve("CourtProceedingsPackResponse", "acknowledgeCPPFResponse", Side.CR, {})
    (notice,) = transition_notices(RTA, done, "A4")
    assert (notice.recipients, notice.text) == (BOTH, "Claim A4 ended: Court Proceedings Pack End")
    gdpr = RTA.resolve("CourtProceedingsPackEnd", GDPR_DELETE, Side.SYSTEM, {})
    assert transition_notices(RTA, gdpr, "A4") == [claim_deleted("A4")]
    timeout = RTA.timeout("LiabilityDecision")
    assert timeout is not None
    (notice,) = transition_notices(RTA, timeout, "A5")
    assert (notice.recipients, notice.text) == (CR, "Claim A5 moved to Liability Decision Timeout")


def test_deadline_notice_templates() -> None:
    warning = deadline_warning("A6", "Liability decision", 5, Side.COMP)
    assert (warning.recipients, warning.text) == (
        COMP,
        "Claim A6: Liability decision – 5 days left",
    )
    reached = time_limit_reached("A6", "Liability decision")
    assert reached.recipients == BOTH
    assert reached.text == "Claim A6: Liability decision time limit reached"
