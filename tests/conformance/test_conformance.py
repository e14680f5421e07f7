"""The conformance corpus, driven by ``manifest.toml``: one parametrised test per case and check.

* the validator's overall verdict (XSD of the claim's release + business rules) and the expected
  violations (kind, rule id, path without positional predicates);
* the verdict of the XSD that judges the pack in that release, alone (``xsd_valid``);
* a second, independent implementation: for every file, ``xmlschema`` (XMLSchema10 of the file
  that judges the pack) gives the same verdict as the fast lxml path.

Dates are fixed by the manifest (``sent_date``); nothing here reads the clock or the network.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from lxml import etree

from gateway.domain.services import Service
from gateway.validation.context import RuleContext
from gateway.validation.engine import check_document
from gateway.validation.packs import Pack
from gateway.validation.registry import ReleaseRegistry
from gateway.validation.report import Kind, Report

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
MANIFEST = HERE / "manifest.toml"
DEFAULT_SENT_DATE = "2026-11-24"  # for packs whose rules read no date; never today's date

CASES: list[dict[str, Any]] = (
    tomllib.loads(MANIFEST.read_text("utf-8"))["case"] if MANIFEST.is_file() else []
)
_POSITION = re.compile(r"\[\d+\]")
_XMLSCHEMA: dict[Path, xmlschema.XMLSchema10] = {}


def _case_id(case: dict[str, Any]) -> str:
    return str(case["file"]).removeprefix("samples/")


@pytest.fixture(scope="module")
def registry() -> ReleaseRegistry:
    return ReleaseRegistry.load(REPO / "schemas")


def _context(case: dict[str, Any]) -> RuleContext:
    accident = case.get("accident_date")
    return RuleContext(
        sent_date=date.fromisoformat(case.get("sent_date", DEFAULT_SENT_DATE)),
        accident_date=date.fromisoformat(accident) if accident else None,
    )


def _check(registry: ReleaseRegistry, case: dict[str, Any]) -> Report:
    return check_document(
        registry,
        (HERE / case["file"]).read_bytes(),
        Service(case["service"]),
        case["release"],
        Pack(case["pack"]),
        _context(case),
        source=case["file"],
    )


def _found(report: Report) -> list[tuple[str, str | None, str]]:
    return [
        (f.kind.value, f.violation.rule, _POSITION.sub("", f.violation.path))
        for f in report.findings
    ]


def _xmlschema_valid(path: Path, document: Path) -> bool:
    schema = _XMLSCHEMA.get(path)
    if schema is None:
        schema = _XMLSCHEMA[path] = xmlschema.XMLSchema10(str(path))
    return bool(schema.is_valid(str(document)))


def test_manifest_is_present_and_covers_every_sample() -> None:
    assert CASES, f"no cases in {MANIFEST}"
    listed = {case["file"] for case in CASES}
    on_disk = {p.relative_to(HERE).as_posix() for p in (HERE / "samples").rglob("*.xml")}
    assert on_disk - listed == set(), "samples without a manifest case"
    assert listed - on_disk == set(), "manifest cases without a sample"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_verdict_and_expected_violations(registry: ReleaseRegistry, case: dict[str, Any]) -> None:
    report = _check(registry, case)
    found = _found(report)
    assert report.valid is case["valid"], found
    for expected in case.get("expect", []):
        kind = Kind(expected["kind"])
        wanted = (kind.value, expected.get("rule") if kind is Kind.RULE else None, expected["path"])
        assert wanted in found, f"expected {wanted}, found {found}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_xsd_verdict(registry: ReleaseRegistry, case: dict[str, Any]) -> None:
    """``xsd_valid`` is the verdict of the schema that judges the pack in that release alone."""
    compiled = registry.schema_for(Service(case["service"]), case["release"], Pack(case["pack"]))
    fast = compiled.schema.validate(etree.parse(str(HERE / case["file"])))
    assert fast is case["xsd_valid"], compiled.file_name
    assert _check(registry, case).xsd_valid is case["xsd_valid"]


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_xmlschema_agrees_with_the_fast_path(
    registry: ReleaseRegistry, case: dict[str, Any]
) -> None:
    """A second, independent XSD implementation gives every file the lxml path's verdict."""
    compiled = registry.schema_for(Service(case["service"]), case["release"], Pack(case["pack"]))
    document = HERE / case["file"]
    fast = compiled.schema.validate(etree.parse(str(document)))
    assert _xmlschema_valid(compiled.path, document) is fast, compiled.file_name
