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


@pytest.mark.parametrize(
    "doc",
    [
        b'<?xml version="1.0"?>\n<a><?pi data?></a>',
        b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?><a/><?pi?>',
        b'<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe9<?pi?></a>',
        '<?xml version="1.0" encoding="UTF-16"?><a><?pi?></a>'.encode("utf-16"),
        b'<?xml-stylesheet href="x"?>\n<a/>',
    ],
)
def test_processing_instructions_are_found_in_any_encoding(doc: bytes) -> None:
    # The byte shortcut (no "?" after the declaration: no instruction) must never hide one.
    with pytest.raises(XmlForbiddenConstruct):
        parse_bytes(doc, PACK_LIMITS)


def test_a_question_mark_in_text_is_no_processing_instruction() -> None:
    tree = parse_bytes(b'<?xml version="1.0"?><a b="why?">really?</a>', PACK_LIMITS)
    assert tree.getroot().text == "really?"


@pytest.mark.parametrize("max_elements", [1, 2, 5, 10])
def test_the_element_limit_holds_for_the_smallest_documents(max_elements: int) -> None:
    # A document shorter than four bytes an element is not counted: the shortest one over the
    # limit must still be refused, and the longest one at it accepted.
    limits = XmlLimits(max_bytes=1000, max_depth=10, max_elements=max_elements)
    parse_bytes(b"<a>" + b"<b/>" * (max_elements - 1) + b"</a>", limits)
    with pytest.raises(XmlLimitExceeded):
        parse_bytes(b"<a>" + b"<b/>" * max_elements + b"</a>", limits)


def test_the_element_limit_counts_big_documents() -> None:
    with pytest.raises(XmlLimitExceeded):
        parse_bytes(b"<a>" + b"<b/>" * PACK_LIMITS.max_elements + b"</a>", PACK_LIMITS)
