"""The getClaim ``Data`` document: built from every valid CNF sample of every release (plus an
insurer response), it validates against that release's GetClaim Data XSD and never carries the
referral source."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree

from gateway.config import PROJECT_ROOT
from gateway.domain.services import Service, Side
from gateway.service.claims.data_document import DataSources, Person, build_data, render
from gateway.store.models import Claim
from gateway.validation.packs import Pack
from gateway.validation.registry import ReleaseRegistry

SAMPLES = Path(__file__).resolve().parent.parent / "conformance" / "samples"
RELEASES = [("rta", "R5"), ("rta", "R6"), ("rta", "R7"), ("elpl", "R5"), ("elpl", "R6")]
CASES = [
    (service, release, path.name)
    for service, release in RELEASES
    for path in sorted((SAMPLES / service / release / "cnf").glob("valid-*.xml"))
]


@pytest.fixture(scope="module")
def registry() -> ReleaseRegistry:
    return ReleaseRegistry.load(PROJECT_ROOT / "schemas", eager=False)


def _claim(service: str, release: str, **extra: object) -> Claim:
    values: dict[str, object] = {
        "application_id": "0000000000000042",
        "service": service,
        "release": release,
        "version_major": 7,
        "version_minor": 0,
        "claim_type": None if service == "rta" else "EL",
        "phase": "ClaimSubmitted",
        "guid": "G",
        "ended": False,
        "cr_org_id": "CR00001",
        "comp_org_id": "COMP001",
        "comp_branch_id": "001",
        "cr_reference": "REF/1",
        "cr_reference_key": "ref/1",
        "child_claim": False,
        "sent_date": date(2026, 11, 20),
        "deadline_rule": "D2",
        "deadline_date": date(2026, 12, 11),
        "liability_rule": "D2",
        "liability_deadline": date(2026, 12, 11),
        "gdpr_deleted": False,
        "created_at": datetime(2026, 11, 20, tzinfo=UTC),
    }
    values.update(extra)
    return Claim(**values)


def _valid(registry: ReleaseRegistry, service: str, release: str, data: etree._Element) -> None:
    schema = registry.schema_for(Service(service), release, Pack.DATA).schema
    document = etree.fromstring(render(data).encode())
    assert schema.validate(document), [str(e) for e in schema.error_log]


@pytest.mark.parametrize(("service", "release", "sample"), CASES)
def test_data_after_cnf_is_valid(
    registry: ReleaseRegistry, service: str, release: str, sample: str
) -> None:
    cnf = (SAMPLES / service / release / "cnf" / sample).read_text("utf-8")
    data = build_data(
        DataSources(
            claim=_claim(service, release),
            cnf_xml=cnf,
            caller_side=Side.CR,
            today=date(2026, 11, 24),
            representative_name="Demo CR",
            representative_branch=("001", "Central Point"),
            insurer_name="Demo Insurer",
            insurer_branch_name="Central Point",
            allocated={Side.CR: Person("cr-rta-ch", "Rhys", "Handler")},
        )
    )
    _valid(registry, service, release, data)
    assert not list(data.iter("ReferralSourceInfo"))
    assert data.find("Timeouts/CurrentTimeout").get("TimeOutType") == "11"  # type: ignore
    assert data.find("Timeouts/CurrentTimeout").get("SelectedTimeOut") == "2026-12-11"  # type: ignore
    ids = data.find("ApplicationData/ApplicationIDs")
    assert ids is not None and ids.get("ClaimID") == "0000000000000042"
    assert ids.get("AllocatedUserId") == "cr-rta-ch"
    assert data.find("InsurerResponse") is None


@pytest.mark.parametrize(("service", "release"), RELEASES)
def test_data_after_liability_decision_is_valid(
    registry: ReleaseRegistry, service: str, release: str
) -> None:
    name = "valid-adult.xml" if service == "rta" else "valid-el.xml"
    cnf = (SAMPLES / service / release / "cnf" / name).read_text("utf-8")
    response = SAMPLES / service / release / "insurer-response" / "valid-admitted.xml"
    claim = _claim(
        service,
        release,
        phase="LiabilityAdmitted",
        deadline_rule=None,
        deadline_date=None,
        insurer_reference="INS-1",
        accepting_branch_id="001",
        child_at_stage1=False,
        fraud_code="0",
        fraud_comment="suspicious",
        exit_cr_code="3",
        exit_cr_comment="gone",
        rejection_code="1",
        liability_rule="D3" if service == "rta" else "D2",
        stage1_costs_deadline=date(2026, 12, 20),
        article75=True,
        end_date=date(2026, 12, 1),
    )
    data = build_data(
        DataSources(
            claim=claim,
            cnf_xml=cnf,
            caller_side=Side.COMP,
            today=date(2026, 11, 24),
            insurer_response_xml=response.read_text("utf-8"),
            response_date=date(2026, 11, 23),
            allocated={Side.COMP: Person("comp-rta-ch", "Rosa", "Handler")},
        )
    )
    _valid(registry, service, release, data)
    answer = data.find("InsurerResponse")
    assert answer is not None and answer.get("ResponseDate") == "2026-11-23"
    assert answer.get("NotificationDate") == "2026-11-20"
    current = data.find("Timeouts/CurrentTimeout")
    assert current is not None and current.get("TimeOutType") == ""
    tag = "MIBorArt75" if service == "rta" else "Insurer"
    pre = data.find(f"Timeouts/PreCalculatedTimeouts/ClaimNotificationForm/{tag}")
    assert pre is not None and pre.get("Stage1PaymentTimeout") == "2026-12-20"
