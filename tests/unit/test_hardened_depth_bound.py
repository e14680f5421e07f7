"""The proof behind deferring the depth limit (decision 0012): no pack XSD accepts a deep document.

``check_document`` and ``validate_pack`` check a pack's nesting depth only when its schema refused
it. That is safe because every pack XSD of every release is non-recursive and has no wildcard
(``xs:any``, ``anyType``), so a document it accepts is no deeper than the schema's deepest element
path; here that depth is computed with ``xmlschema`` (a second, independent reading of the XSDs)
and held below ``PACK_LIMITS.max_depth``. A new release with a recursive or open schema fails
this test instead of slipping past the limit. The refusals themselves are checked at the end.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import xmlschema
from xmlschema.validators import XsdAnyElement, XsdComplexType, XsdElement, XsdGroup

from gateway.domain.services import Service
from gateway.errors import XmlLimitExceeded
from gateway.validation.context import RuleContext
from gateway.validation.engine import check_document, validate_pack
from gateway.validation.hardened import PACK_LIMITS
from gateway.validation.packs import Pack
from gateway.validation.registry import RELEASES, ReleaseRegistry
from gateway.validation.report import Kind
from tests.unit.test_validation_samples import CNF_RTA_R7, SCHEMAS, SENT_DATE

CTX = RuleContext(sent_date=SENT_DATE)


def _pack_files() -> list[Path]:
    files = {
        SCHEMAS / release.folder / name
        for release in RELEASES
        for name in (*release.files.values(), *release.judged_by.values())
    }
    return sorted(files)


class _Depth:
    """The deepest element path a schema accepts: root = 1, infinite when unbounded."""

    def __init__(self, schema: xmlschema.XMLSchema10) -> None:
        # xsi:type may put any global type derived from the declared one in its place.
        self._types = [t for t in schema.types.values() if isinstance(t, XsdComplexType)]
        self._open: set[int] = set()
        # A type's depth once known; a type found inside a cycle is recursive itself (infinite).
        self._known: dict[int, float] = {}

    def of_element(self, element: XsdElement) -> float:
        xsd_type = element.type
        if not isinstance(xsd_type, XsdComplexType):
            return 1  # a simple type: text only
        candidates = [t for t in self._types if t is not xsd_type and t.is_derived(xsd_type)]
        return 1 + max(self._of_type(t) for t in (xsd_type, *candidates))

    def _of_type(self, xsd_type: XsdComplexType) -> float:
        key = id(xsd_type)
        if key in self._open:
            return math.inf  # recursive: a valid document may nest without end
        if key not in self._known:
            content = xsd_type.content
            self._open.add(key)
            # Simple content has no child elements.
            found = self._of_group(content) if isinstance(content, XsdGroup) else 0
            self._open.discard(key)
            self._known[key] = found
        return self._known[key]

    def _of_group(self, group: XsdGroup) -> float:
        deepest: float = 0
        for particle in group:
            if isinstance(particle, XsdAnyElement):
                return math.inf  # a wildcard admits any element, at any depth
            if isinstance(particle, XsdGroup):
                deepest = max(deepest, self._of_group(particle))
            elif isinstance(particle, XsdElement):
                deepest = max(deepest, self.of_element(particle))
            else:
                raise AssertionError(f"unexpected particle {particle!r}")
        return deepest


def max_depth(path: Path) -> float:
    """The deepest element path of any document valid against the XSD at ``path``."""
    schema = xmlschema.XMLSchema10(str(path))
    depth = _Depth(schema)
    return max(depth.of_element(element) for element in schema.elements.values())


@pytest.mark.parametrize(
    "path", _pack_files(), ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.name}"
)
def test_no_pack_schema_accepts_a_document_deeper_than_the_limit(path: Path) -> None:
    depth = max_depth(path)
    assert 1 < depth < PACK_LIMITS.max_depth, f"{path.name}: depth {depth}"


def test_the_depth_walker_sees_recursion_and_wildcards(tmp_path: Path) -> None:
    head = '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
    recursive = (
        f'{head}<xs:element name="a" type="T"/><xs:complexType name="T"><xs:sequence>'
        '<xs:element name="b" type="T" minOccurs="0"/></xs:sequence></xs:complexType></xs:schema>'
    )
    wildcard = (
        f'{head}<xs:element name="a"><xs:complexType><xs:sequence>'
        '<xs:any processContents="skip"/></xs:sequence></xs:complexType></xs:element></xs:schema>'
    )
    untyped = f'{head}<xs:element name="a"/></xs:schema>'
    nested = (
        f'{head}<xs:element name="a"><xs:complexType><xs:sequence><xs:element name="b">'
        '<xs:complexType><xs:choice><xs:element name="c" type="xs:string"/></xs:choice>'
        "</xs:complexType></xs:element></xs:sequence></xs:complexType></xs:element></xs:schema>"
    )
    found = {}
    for name, text in [
        ("recursive", recursive),
        ("wildcard", wildcard),
        ("untyped", untyped),
        ("nested", nested),
    ]:
        (tmp_path / f"{name}.xsd").write_text(text)
        found[name] = max_depth(tmp_path / f"{name}.xsd")
    assert found == {"recursive": math.inf, "wildcard": math.inf, "untyped": math.inf, "nested": 3}


# ------------------------------------------------------------- deep documents are still refused
@pytest.fixture(scope="module")
def registry() -> ReleaseRegistry:
    return ReleaseRegistry.load(SCHEMAS, eager=False)


def _deep(root: str, depth: int) -> str:
    inner = "<x>" * (depth - 1) + "</x>" * (depth - 1)
    return f"<{root}>{inner}</{root}>"


def _deep_cnf(depth: int) -> str:
    # A whole valid CNF with a deep branch in it: the schema refuses the branch, the depth wins.
    # DocumentInput/AccidentData/Extra/x/x...: ``depth`` elements on the deepest path.
    inner = "<x>" * (depth - 3) + "</x>" * (depth - 3)
    return CNF_RTA_R7.replace("</AccidentData>", f"<Extra>{inner}</Extra></AccidentData>", 1)


@pytest.mark.parametrize(
    ("xml", "pack"),
    [
        (_deep("DocumentInput", PACK_LIMITS.max_depth + 1), None),
        (_deep_cnf(PACK_LIMITS.max_depth + 1), None),
        (_deep("Envelope", PACK_LIMITS.max_depth + 1), None),  # no pack: no schema judges it
        (_deep("Stage2SettlementPackAdditionalDamagesRequest", 200), None),
        (_deep("DocumentInput", PACK_LIMITS.max_depth + 1), Pack.CNF_RESEND),
    ],
)
def test_check_document_refuses_deep_documents(
    registry: ReleaseRegistry, xml: str, pack: Pack | None
) -> None:
    for data in (xml, xml.encode()):
        report = check_document(registry, data, Service.ELPL, "R6", pack, CTX, source="d.xml")
        assert report.pack is pack
        assert [(f.kind, f.violation.path, f.violation.line) for f in report.findings] == [
            (Kind.XML, "/", None)
        ]
        assert report.findings[0].violation.message == "nesting depth exceeds 64"
        assert report.schema_file is None


def test_the_limit_is_on_the_depth_not_below_it(registry: ReleaseRegistry) -> None:
    report = check_document(
        registry, _deep_cnf(PACK_LIMITS.max_depth), Service.RTA, "R7", None, CTX
    )
    assert report.findings and {f.kind for f in report.findings} == {Kind.XSD}


def test_validate_pack_refuses_deep_documents(registry: ReleaseRegistry) -> None:
    for xml in (_deep("DocumentInput", 65), _deep_cnf(65), _deep_cnf(200)):
        with pytest.raises(XmlLimitExceeded, match="nesting depth exceeds 64"):
            validate_pack(registry, Service.RTA, "R7", Pack.CNF, xml, CTX)
