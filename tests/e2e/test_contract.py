"""The contract: the served operations are exactly operations.md's, and zeep can use every one."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import zeep
from lxml import etree

from tests.conftest import ROOT, LiveServer

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WSDLS = {
    "PIPWSTK.wsdl": ("RTA", "token"),
    "ELPLWSTK.wsdl": ("ELPL", "token"),
    "PIPWS.wsdl": ("RTA", "legacy"),
    "ELPLWS.wsdl": ("ELPL", "legacy"),
}
AUTH = {"getToken", "refreshToken", "changePassword"}


def spec_operations(spec: Path) -> dict[str, set[str]]:
    """Operation names per service, read from the tables of operations.md section 3."""
    text = (spec / "operations.md").read_text(encoding="utf-8")
    section = text[text.index("## 3. Operation tables") : text.index("## 4. Operation behaviour")]
    found: dict[str, set[str]] = {"RTA": set(), "ELPL": set()}
    for line in section.splitlines():
        match = re.match(r"^\| `(\w+)` \| ([A-Z, /]+) \|", line)
        if match:
            for service in match.group(2).split(","):
                found[service.strip()].add(match.group(1))
    return found


def wsdl_operations(text: bytes) -> set[str]:
    root = etree.fromstring(text)
    return {
        op.get("name", "") for op in root.iterfind(f"{{{WSDL_NS}}}portType/{{{WSDL_NS}}}operation")
    }


def test_spec_counts_match_the_readme(spec: Path) -> None:
    ops = spec_operations(spec)
    assert (len(ops["RTA"]), len(ops["ELPL"])) == (81, 72)


@pytest.mark.parametrize("file_name", sorted(WSDLS))
def test_wsdl_files_declare_exactly_the_spec_operations(spec: Path, file_name: str) -> None:
    service, era = WSDLS[file_name]
    expected = spec_operations(spec)[service] - (AUTH if era == "legacy" else set())
    assert wsdl_operations((ROOT / "wsdl" / file_name).read_bytes()) == expected


def test_wsdl_files_are_generated_from_the_spec(spec: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_wsdl.py"), "--check", "--spec", str(spec)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def _address_free(text: bytes) -> bytes:
    return re.sub(rb'<soap:address location="[^"]*"/>', b"<soap:address/>", text)


@pytest.mark.parametrize(
    "path,file_name",
    [
        ("/PIP.WSTK/PIPWSTK", "PIPWSTK.wsdl"),
        ("/ELPL.WSTK/ELPLWSTK", "ELPLWSTK.wsdl"),
        ("/PIP.WS/PIPWS", "PIPWS.wsdl"),
        ("/ELPL.WS/ELPLWS", "ELPLWS.wsdl"),
    ],
)
def test_served_wsdl_equals_the_file_but_for_the_address(
    live: LiveServer, path: str, file_name: str
) -> None:
    for query in ("?wsdl", "?WSDL", "?Wsdl"):
        response = requests.get(live.url + path + query, timeout=10)
        assert response.status_code == 200
        served = response.content
        assert _address_free(served) == _address_free((ROOT / "wsdl" / file_name).read_bytes())
        assert f'location="{live.url}{path}"'.encode() in served
        assert wsdl_operations(served) == wsdl_operations((ROOT / "wsdl" / file_name).read_bytes())


def _sample(client: zeep.Client, xsd_type: object) -> object:
    name = getattr(xsd_type, "name", "") or ""
    if hasattr(xsd_type, "elements") and xsd_type.elements:  # complex type
        return {
            el_name: _sample(client, el.type)
            for el_name, el in xsd_type.elements
            if not el.is_optional
        }
    return {"boolean": True, "int": 1, "dateTime": "2026-11-24T10:00:00", "base64Binary": b"x"}.get(
        name, "Ok" if name == "responseCode" else "x"
    )


@pytest.mark.parametrize("file_name", sorted(WSDLS))
def test_zeep_builds_a_request_for_every_operation(file_name: str) -> None:
    client = zeep.Client(str(ROOT / "wsdl" / file_name))
    binding = next(iter(next(iter(client.wsdl.services.values())).ports.values())).binding
    operations = binding._operations
    assert operations
    for name, operation in operations.items():
        body = operation.input.body
        args = {
            el_name: _sample(client, el.type)
            for el_name, el in body.type.elements
            if not el.is_optional
        }
        message = client.create_message(client.service, name, **args)
        payload = message.find(".//{http://schemas.xmlsoap.org/soap/envelope/}Body")[0]
        assert etree.QName(payload).localname == name
        # children are unqualified, as generated from a schema without elementFormDefault
        assert all(etree.QName(child).namespace is None for child in payload)


def test_health_reports_the_database_and_the_operations_not_built_yet(live: LiveServer) -> None:
    health = requests.get(live.url + "/healthz", timeout=10).json()
    assert health["status"] == "ok" and health["database"] == "ok"
    rta = health["operations"]["/PIP.WSTK/PIPWSTK"]
    assert rta["declared"] == 81
    # Every operation is built, attachments and printable documents included.
    assert rta["not_implemented"] == []
    assert rta["built"] == 81
    elpl = health["operations"]["/ELPL.WSTK/ELPLWSTK"]
    assert elpl["not_implemented"] == []
    assert (elpl["declared"], elpl["built"]) == (72, 72)
