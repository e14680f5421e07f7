"""Personal data never appears in full in a violation message: neither in the rewritten libxml2
messages nor in the business-rule messages. Dates, times, amounts and codes are shown."""

from __future__ import annotations

import pytest

from gateway.domain.services import Service
from gateway.validation.context import RuleContext
from gateway.validation.engine import check_document
from gateway.validation.masking import ELLIPSIS, is_personal, mask, truncate
from gateway.validation.packs import Pack
from gateway.validation.registry import ReleaseRegistry
from gateway.validation.xsd_errors import _mask_quoted
from tests.unit.test_validation_samples import CNF_RTA_R7, SCHEMAS, SENT_DATE, edit

PERSON = "ClaimAndClaimantDetails/ClaimantDetails/PersonalDetails"


@pytest.fixture(scope="module")
def registry() -> ReleaseRegistry:
    return ReleaseRegistry.load(SCHEMAS)


@pytest.mark.parametrize(
    ("value", "name", "shown"),
    [
        ("Whitehead-Montgomery", "Surname", f"Wh{ELLIPSIS}"),
        ("AB123456C", "NationalInsuranceNumber", f"AB{ELLIPSIS}"),
        ("LS2 7EF", "PostCode", f"LS{ELLIPSIS}"),
        ("Al", "Name", ELLIPSIS),
        ("07700 900123", "TelephoneNumber", f"07{ELLIPSIS}"),
        ("The claimant was hit from behind", "AccidentDescription", f"Th{ELLIPSIS}"),
        ("The claimant was hit from behind", None, f"Th{ELLIPSIS}"),
        ("1980-05-17", "DateOfBirth", "1980-05-17"),
        ("2026-13-01", "AccidentDate", "2026-13-01"),
        ("25:00", "AccidentTime", "25:00"),
        ("1500.00", "GrossValueClaimed", "1500.00"),
        ("AN", "LiabilityDecision", "AN"),
        ("X", "ClaimValue", "X"),
        ("Smith", "SomethingUnknown", f"Sm{ELLIPSIS}"),
    ],
)
def test_mask(value: str, name: str | None, shown: str) -> None:
    assert mask(value, name) == shown


def test_markers_and_truncation() -> None:
    assert is_personal("ContactSurname") and is_personal("ReferenceNumber")
    assert not is_personal("AccidentDate") and not is_personal(None)
    assert truncate("abc") == f"ab{ELLIPSIS}" and truncate("ab") == ELLIPSIS


def test_schema_messages_are_masked(registry: ReleaseRegistry) -> None:
    secrets = {"Surname": "Featherstonehaugh-Cholmondeley", "Name": "Perpetua-Anastasia-Marie"}
    xml = edit(CNF_RTA_R7, PERSON, **secrets)
    xml = edit(xml, "ClaimAndClaimantDetails/ClaimantDetails", NationalInsuranceNumber="QQ12345X")
    xml = edit(xml, f"{PERSON}/Address", PostCode="LS2 7EF XYZ", Street1="O'Neill's Yard " * 3)
    report = check_document(
        registry, xml, Service.RTA, "R7", Pack.CNF, RuleContext(sent_date=SENT_DATE)
    )
    text = "\n".join(f.violation.message for f in report.findings)
    assert len(report.findings) >= 5
    for secret in (*secrets.values(), "QQ12345X", "LS2 7EF", "O'Neill"):
        assert secret not in text
    assert f"'Fe{ELLIPSIS}'" in text and f"'QQ{ELLIPSIS}'" in text


def test_rule_messages_are_masked(registry: ReleaseRegistry) -> None:
    xml = edit(
        CNF_RTA_R7, "ClaimAndClaimantDetails/ClaimantDetails", NationalInsuranceNumber="QQ123456C"
    )
    xml = edit(xml, f"{PERSON}/Address", PostCode="ZZ")
    report = check_document(
        registry, xml, Service.RTA, "R7", Pack.CNF, RuleContext(sent_date=SENT_DATE)
    )
    rules = {f.violation.rule: f.violation.message for f in report.findings if f.violation.rule}
    assert "QQ123456C" not in rules["CNF-08"] and f"QQ{ELLIPSIS}" in rules["CNF-08"]
    assert "ZZ " not in rules["CNF-07"]


def test_values_not_found_in_the_document_are_masked_from_the_message() -> None:
    message = "The value 'Jane Doe' is not accepted by the pattern '[A-Z]+'."
    assert _mask_quoted(message, "Name") == (
        f"The value 'Ja{ELLIPSIS}' is not accepted by the pattern '[A-Z]+'."
    )
    assert _mask_quoted(
        "'Jane Doe' is not a valid value of the atomic type 'xs:date'.", None
    ).startswith(f"'Ja{ELLIPSIS}'")
