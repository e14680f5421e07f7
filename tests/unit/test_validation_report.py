"""The JSON line of a report is ``json.dumps`` of its dict, whichever way it is written."""

from __future__ import annotations

import json

import pytest

from gateway.domain.services import Service
from gateway.errors import Violation
from gateway.validation.packs import Pack
from gateway.validation.report import Finding, Kind, Report, json_line


@pytest.mark.parametrize("file", ["cnf-1.xml", "-", 'dir/é "quoted" \\ back\nslash.xml'])
@pytest.mark.parametrize("pack", [*Pack, None])
def test_json_line_is_the_dict_dumped(file: str, pack: Pack | None) -> None:
    for service in Service:
        for findings in ((), (Finding(Kind.RULE, Violation("/a/@b", "b is wrong", 3, "CNF-02")),)):
            report = Report(file, service, "R7", pack, findings, "x.xsd")
            line = json_line(report)
            assert line == json.dumps(report.as_dict(), ensure_ascii=False)
            assert json.loads(line)["valid"] is (not findings)
