"""An invalid pack of each kind, at each pack step of Stage 2.1, Stage 2 and Stage 3, in process:
``Failure`` listing every violation (path and line), nothing changed on the claim or its timers,
and the refusal in the journal. Kinds: a required element missing together with an unknown code
(both listed), totals that do not add up (CPP-02), and an R7-only pack on an R6 claim, judged by
the claim's own release."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import func, select

from gateway.domain.services import Service
from gateway.service import messages as m
from gateway.store.models import ClaimTimer, JournalEntry
from gateway.validation.packs import Pack
from tests.e2e import claims as packs
from tests.harness import Claimed, Harness

CR, COMP = "cr-rta-ch", "comp-rta-ch"

#: Pack operation -> (its pack field, who sends it, the steps from StartOfStage21 to its phase,
#: a valid pack of the claim's release).
Step = tuple[str, str, dict[str, Any]]
_S2 = [("setInterimPaymentNeeded", CR, {"is_interim_payment_needed": False})]
_S2D = [*_S2, ("addStage2SPFRequest", CR, {"s2spf_request_xml": packs.s2sp_request()})]
_AGD = [*_S2D, ("addStage2SPFResponse", COMP, {"s2spf_response_xml": packs.s2sp_response("CO")})]
_COCR = [
    *_AGD,
    ("setStage2SPFAgreementDecision", CR, {"is_agreed": False}),
    ("setStage2SPFCounterOfferNeeded", CR, {"is_stage2spf_counter_offer_needed": True}),
]
_CODEC = [
    *_COCR,
    (
        "addStage2SPFCounterOfferByCR",
        CR,
        {"s2spf_counter_offer_by_crxml": packs.counter_offer_cr()},
    ),
]
_ADF = [
    *_COCR[:-1],
    ("setStage2SPFCounterOfferNeeded", CR, {"is_stage2spf_counter_offer_needed": False}),
    ("setAdditionalDamagesExistence", CR, {"additional_damages_exist": True}),
]
_ADD = [
    *_ADF,
    (
        "addS2SPFAdditionalDamagesRequest",
        CR,
        {"additional_damages_request_xml": packs.ad_request()},
    ),
]
_CPPF = [*_ADF[:-1], ("setAdditionalDamagesExistence", CR, {"additional_damages_exist": False})]
_CPPD = [*_CPPF, ("addCPPFRequest", CR, {"cppf_request_xml": packs.cpp_request()})]
_ISPF = [("setInterimPaymentNeeded", CR, {"is_interim_payment_needed": True})]
_IPD = [*_ISPF, ("addInterimSPFRequest", CR, {"ispf_request_xml": packs.isp_request()})]

ROUTES: dict[str, tuple[str, str, list[Step], Callable[[str], str]]] = {
    "addInterimSPFRequest": ("ispf_request_xml", CR, _ISPF, lambda r: packs.isp_request(release=r)),
    "addInterimSPFResponse": (
        "ispf_response_xml",
        COMP,
        _IPD,
        lambda r: packs.isp_response(False, release=r),
    ),
    "addStage2SPFRequest": ("s2spf_request_xml", CR, _S2, lambda r: packs.s2sp_request(release=r)),
    "addStage2SPFResponse": (
        "s2spf_response_xml",
        COMP,
        _S2D,
        lambda r: packs.s2sp_response("CO", release=r),
    ),
    "addStage2SPFCounterOfferByCR": (
        "s2spf_counter_offer_by_crxml",
        CR,
        _COCR,
        lambda r: packs.counter_offer_cr(release=r),
    ),
    "addStage2SPFCounterOfferByCM": (
        "s2spf_counter_offer_by_cmxml",
        COMP,
        _CODEC,
        lambda r: packs.counter_offer_cm("NEWCO", release=r),
    ),
    "addS2SPFAdditionalDamagesRequest": (
        "additional_damages_request_xml",
        CR,
        _ADF,
        lambda r: packs.ad_request(release=r),
    ),
    "addS2SPFAdditionalDamagesResponse": (
        "additional_damages_response_xml",
        COMP,
        _ADD,
        lambda r: packs.ad_response("CO", release=r),
    ),
    "addCPPFRequest": ("cppf_request_xml", CR, _CPPF, lambda r: packs.cpp_request(release=r)),
    "addCPPFResponse": ("cppf_response_xml", COMP, _CPPD, lambda r: packs.cpp_response(release=r)),
}


PACKS = {
    "addInterimSPFRequest": Pack.ISP_REQUEST,
    "addInterimSPFResponse": Pack.ISP_RESPONSE,
    "addStage2SPFRequest": Pack.S2SP_REQUEST,
    "addStage2SPFResponse": Pack.S2SP_RESPONSE,
    "addStage2SPFCounterOfferByCR": Pack.S2SP_COUNTER_OFFER_CR,
    "addStage2SPFCounterOfferByCM": Pack.S2SP_COUNTER_OFFER_CM,
    "addS2SPFAdditionalDamagesRequest": Pack.AD_REQUEST,
    "addS2SPFAdditionalDamagesResponse": Pack.AD_RESPONSE,
    "addCPPFRequest": Pack.CPP_REQUEST,
    "addCPPFResponse": Pack.CPP_RESPONSE,
}


def _walk(h: Harness, reference: str, steps: list[Step], release: str = "R7") -> Claimed:
    claim = h.decided(reference, release=release)
    claim = h.step("acknowledgeLiabilityAdmitted", claim, CR)
    claim = h.step("setStage1Payment", claim, CR, is_stage1_paid=True)
    for operation, actor, fields in steps:
        claim = h.step(operation, claim, actor, **fields)
    return claim


def _state(h: Harness, claim: Claimed) -> tuple[Any, ...]:
    with h.components.database.unit_of_work() as uow:
        row = uow.claims.get(claim.application_id)
        assert row is not None
        timers = uow.session.scalar(
            select(func.count()).select_from(ClaimTimer).where(ClaimTimer.claim_id == row.id)
        )
        stored = sum(len(uow.claims.packs(row.id, kind)) for kind in _KINDS)
        return (
            row.phase,
            row.guid,
            row.deadline_rule,
            row.deadline_date,
            row.timeout_at,
            timers,
            stored,
        )


_KINDS = tuple(pack.value for pack in PACKS.values())


def _last_journal(h: Harness) -> JournalEntry:
    with h.components.database.unit_of_work() as uow:
        entry = uow.session.scalars(select(JournalEntry).order_by(JournalEntry.id.desc())).first()
        assert entry is not None
        uow.session.expunge(entry)
        return entry


def _refused_unchanged(
    h: Harness, claim: Claimed, operation: str, field: str, actor: str, text: str
) -> Any:
    before = _state(h, claim)
    request = m.OPERATIONS[operation][0](claim_data=claim.data, **{field: text})
    refusal = h.refused(operation, request, as_=actor)
    assert _state(h, claim) == before
    entry = _last_journal(h)
    assert (entry.operation, entry.outcome, entry.error_key) == (operation, "Failure", refusal.key)
    assert entry.application_id == claim.application_id and entry.transition is None
    return refusal


def _broken(text: str, schema: etree.XMLSchema) -> tuple[str, str, str]:
    """The pack without a required child element (the last one whose absence alone makes it
    invalid) and with an unknown loss type code: (pack, the removed element, the code's line)."""
    parser = etree.XMLParser(remove_blank_text=True)
    root = etree.fromstring(text.encode("utf-8"), parser)
    children = [child for child in root if isinstance(child.tag, str)]
    for index in reversed(range(len(children))):
        trial = etree.fromstring(text.encode("utf-8"), parser)
        trial.remove([c for c in trial if isinstance(c.tag, str)][index])
        if not schema.validate(trial):
            root.remove(children[index])
            removed = str(children[index].tag)
            break
    else:
        raise AssertionError("no required child element")
    coded = next(node for node in root.iter() if node.get("LossType") is not None)
    coded.set("LossType", "99")
    pretty = etree.tostring(root, encoding="unicode", pretty_print=True)
    line = next(n for n, row in enumerate(pretty.splitlines(), 1) if 'LossType="99"' in row)
    return pretty, removed, f"line {line}"


@pytest.mark.parametrize("operation", list(ROUTES))
def test_every_violation_is_listed_and_nothing_changes(harness: Harness, operation: str) -> None:
    field, actor, steps, valid = ROUTES[operation]
    claim = _walk(harness, f"INV-{len(steps)}", steps)
    pack = PACKS[operation]
    schema = harness.components.service.env.registry.schema_for(Service.RTA, "R7", pack).schema
    text, removed, line = _broken(valid("R7"), schema)
    refusal = _refused_unchanged(harness, claim, operation, field, actor, text)
    assert refusal.key == "XSD_INVALID", refusal.details
    assert removed in refusal.details and "99" in refusal.details and line in refusal.details
    assert len(refusal.violations) >= 2  # type: ignore[attr-defined]


def test_totals_that_do_not_add_up_are_a_business_rule(harness: Harness) -> None:
    claim = _walk(harness, "INV-TOTALS", _CPPF)
    root = etree.fromstring(packs.cpp_request().encode("utf-8"))
    line = next(n for n in root.iter() if n.get("ValueClaimedAfterContrib") is not None)
    line.set("ValueClaimedAfterContrib", "1.00")
    text = etree.tostring(root, encoding="unicode")
    refusal = _refused_unchanged(harness, claim, "addCPPFRequest", "cppf_request_xml", CR, text)
    assert refusal.key == "BUSINESS_RULE" and "CPP-02" in refusal.details


def test_an_r6_claim_is_judged_by_its_own_release(harness_template: Path, tmp_path: Path) -> None:
    """A claim made under R6 keeps R6 packs after the gateway moves on to R7: the R7 S2SP (tariff
    lines, loss type 16) is refused on it, and its release's own pack is accepted."""
    r6 = Harness.on_copy(harness_template, tmp_path, rta_current_release="R6")
    try:
        claim = _walk(r6, "INV-R6", _S2, release="R6")
    finally:
        r6.close()
    r7 = Harness.on_file(tmp_path / "gateway.db")
    try:
        assert r7.components.settings.rta_current_release == "R7"
        with r7.components.database.unit_of_work() as uow:
            row = uow.claims.get(claim.application_id)
            assert row is not None and row.release == "R6"
        refusal = _refused_unchanged(
            r7, claim, "addStage2SPFRequest", "s2spf_request_xml", CR, packs.s2sp_request()
        )
        assert refusal.key == "XSD_INVALID", refusal.details
        assert "'16'" in refusal.details, refusal.details
        moved = r7.step(
            "addStage2SPFRequest", claim, CR, s2spf_request_xml=packs.s2sp_request(release="R6")
        )
        assert moved.phase == "Stage2SettlementPackDecision"
    finally:
        r7.close()
