"""The one hardened parser refuses DTDs, entities, processing instructions and oversize input."""

from __future__ import annotations

import pytest

from gateway.errors import XmlForbiddenConstruct, XmlLimitExceeded, XmlNotWellFormed
from gateway.validation.hardened import PACK_LIMITS, XmlLimits, parse_bytes, parse_text


@pytest.mark.parametrize(
    "doc",
    [
        b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>',
        b'<!DOCTYPE a SYSTEM "http://example.invalid/a.dtd"><a/>',
        b'<!DOCTYPE a [<!ENTITY l "lol"><!ENTITY l2 "&l;&l;&l;&l;&l;&l;&l;&l;&l;&l;">]><a>&l2;</a>',
        b'<?xml-stylesheet href="x"?><a/>',
        b"<a><?pi data?></a>",
    ],
)
def test_forbidden_constructs(doc: bytes) -> None:
    with pytest.raises(XmlForbiddenConstruct):
        parse_bytes(doc, PACK_LIMITS)


def test_not_well_formed_reports_line_and_column() -> None:
    with pytest.raises(XmlNotWellFormed) as info:
        parse_bytes(b"<a>\n<b></a>")
    assert info.value.line == 2 and info.value.specifics.startswith("line 2")


def test_limits() -> None:
    limits = XmlLimits(max_bytes=1000, max_depth=3, max_elements=5)
    with pytest.raises(XmlLimitExceeded):
        parse_bytes(b"<a>" + b" " * 2000 + b"</a>", limits)
    with pytest.raises(XmlLimitExceeded):
        parse_bytes(b"<a><b><c><d/></c></b></a>", limits)
    with pytest.raises(XmlLimitExceeded):
        parse_bytes(b"<a>" + b"<b/>" * 5 + b"</a>", limits)
    with pytest.raises(XmlLimitExceeded):
        parse_bytes(b"<a>" * 5000 + b"</a>" * 5000)


def test_pack_text_with_a_dotnet_declaration_is_accepted() -> None:
    tree = parse_text('<?xml version="1.0" encoding="utf-16"?><DocumentInput a="é"/>')
    assert tree.getroot().get("a") == "é"
