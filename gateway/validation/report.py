"""The outcome of checking one document offline, and its text, JSON Lines and JUnit renderings.

A ``Report`` never raises and holds every finding: ``xml`` (not well formed, forbidden construct,
limits, unknown root), ``xsd`` (schema violations) and ``rule`` (business rules). The renderings
are stable: the same input gives byte-identical output, whatever the number of jobs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from lxml import etree

from gateway.domain.services import Service
from gateway.errors import Violation
from gateway.validation.packs import Pack


class Kind(StrEnum):
    """What found a problem."""

    XML = "xml"
    XSD = "xsd"
    RULE = "rule"


@dataclass(frozen=True)
class Finding:
    """One problem of a document: its kind and the violation."""

    kind: Kind
    violation: Violation

    def as_dict(self) -> dict[str, Any]:
        v = self.violation
        return {
            "kind": self.kind.value,
            "rule": v.rule,
            "path": v.path,
            "line": v.line,
            "message": v.message,
        }


@dataclass(frozen=True)
class Report:
    """Everything found in one document."""

    file: str
    service: Service
    release: str
    pack: Pack | None
    findings: tuple[Finding, ...] = ()
    schema_file: str | None = None

    @property
    def valid(self) -> bool:
        return not self.findings

    @property
    def xsd_valid(self) -> bool:
        """True when the document parsed and its schema accepted it (rules aside)."""
        return self.pack is not None and all(f.kind is Kind.RULE for f in self.findings)

    def of_kind(self, kind: Kind) -> list[Violation]:
        return [f.violation for f in self.findings if f.kind is kind]

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "service": self.service.value,
            "release": self.release,
            "pack": None if self.pack is None else self.pack.value,
            "valid": self.valid,
            "violations": [f.as_dict() for f in self.findings],
        }


def text_lines(report: Report) -> list[str]:
    """``file:line: location: message``, one per finding (the rule id starts the message)."""
    lines = []
    for finding in report.findings:
        v = finding.violation
        where = f"{report.file}:{v.line}" if v.line is not None else report.file
        message = f"{v.rule} {v.message}" if v.rule else v.message
        lines.append(f"{where}: {v.path}: {message}")
    return lines


def json_line(report: Report) -> str:
    """The report as one JSON object on one line (JSON Lines), keys in a fixed order."""
    if report.findings or report.pack is None:
        return _JSON.encode(report.as_dict())
    # A valid document (most of a batch): only its file name needs encoding, the rest is fixed.
    tail = _valid_tail(report.service, report.release, report.pack)
    return f'{{"file": {_JSON.encode(report.file)}, {tail}'


@lru_cache(maxsize=64)
def _valid_tail(service: Service, release: str, pack: Pack) -> str:
    """What follows the file name in the JSON line of a valid report (as ``as_dict`` gives)."""
    line = _JSON.encode(Report("", service, release, pack).as_dict())
    return line[line.index(", ") + 2 :]


#: ``json.dumps(..., ensure_ascii=False)`` builds an encoder at every call; one is enough.
_JSON = json.JSONEncoder(ensure_ascii=False)


def summary(checked: int, valid: int) -> str:
    """The closing line of ``gateway validate``: ``N files, V valid, I invalid``."""
    return f"{checked} files, {valid} valid, {checked - valid} invalid"


def junit_xml(reports: Iterable[Report], suite: str = "gateway validate") -> bytes:
    """A JUnit testsuite: one testcase per document, a failure element per invalid one."""
    reports = list(reports)
    failures = sum(1 for r in reports if not r.valid)
    root = etree.Element(
        "testsuite",
        name=suite,
        tests=str(len(reports)),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    for report in reports:
        pack = report.pack.value if report.pack is not None else "unknown"
        case = etree.SubElement(
            root,
            "testcase",
            name=report.file,
            classname=f"{report.service.value}.{report.release}.{pack}",
        )
        if not report.valid:
            count = len(report.findings)
            failure = etree.SubElement(
                case,
                "failure",
                type="invalid",
                message=f"{count} violation{'s' if count > 1 else ''}",
            )
            failure.text = "\n".join(text_lines(report))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
