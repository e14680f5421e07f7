"""The one hardened XML parser for untrusted input: SOAP envelopes and embedded packs.

No DTD is loaded, no entity is expanded, nothing is fetched from the network, and size, depth
and element-count limits hold before any work is done on the content. A document that declares a
DTD, an entity or carries a processing instruction is refused as a forbidden construct, never
parsed further.

One exception, for packs judged by an XSD (``defer_depth=True``, decision 0012): the depth limit
may be checked after the schema has judged the document, and only when the schema refused it.
Every pack XSD is non-recursive and wildcard-free, so a document it accepts is no deeper than
the schema's deepest element path, which is below ``PACK_LIMITS.max_depth``
(``tests/unit/test_hardened_depth_bound.py`` computes it for every pack XSD of every release).
The size limit still holds before parsing, libxml2's own depth limit (256) during it, and the
element count before the schema sees the document; ``check_depth`` must run before a refused
document's schema errors are reported or any rule reads it.

The callers decide what a refusal means on the wire (SOAP Fault for an envelope,
``Failure`` for a pack): this module raises the pack flavour, ``gateway.soap`` re-raises for
envelopes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

from gateway.errors import XmlForbiddenConstruct, XmlLimitExceeded, XmlNotWellFormed


@dataclass(frozen=True)
class XmlLimits:
    """Limits of one kind of document (security.md section 7)."""

    max_bytes: int
    max_depth: int
    max_elements: int


#: Embedded packs: 2 MiB as text, nesting depth 64, 100,000 elements.
PACK_LIMITS = XmlLimits(max_bytes=2 * 1024 * 1024, max_depth=64, max_elements=100_000)

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.ASCII)


def _new_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,  # libxml2's own depth (256) and text-node limits stay in force
        remove_blank_text=False,
        collect_ids=False,
    )


# lxml parsers are not thread-safe; gunicorn's sync workers are single-threaded per process,
# and the CLI's parallel validation uses processes, so one parser per process is enough.
_PARSER = _new_parser()


def parse_bytes(
    data: bytes, limits: XmlLimits | None = None, *, defer_depth: bool = False
) -> etree._ElementTree:
    """Parse ``data`` as an untrusted XML document and return its tree.

    Raises ``XmlLimitExceeded`` (size, depth, element count), ``XmlForbiddenConstruct`` (DTD,
    entity declaration or reference, processing instruction) or ``XmlNotWellFormed``.
    ``defer_depth`` leaves the depth limit to the caller's ``check_depth`` (module docstring).
    """
    if limits is not None and len(data) > limits.max_bytes:
        raise XmlLimitExceeded(
            f"document of {len(data)} bytes exceeds the limit of {limits.max_bytes} bytes"
        )
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            # libxml2 stops on entity amplification before we could look at the DTD ourselves.
            raise XmlForbiddenConstruct("DTDs and entity declarations are not allowed") from None
        if "Excessive depth" in str(exc):
            raise XmlLimitExceeded(f"nesting deeper than the parser allows ({exc.msg})") from None
        raise XmlNotWellFormed(_clean(exc.msg), line, column) from None
    tree = root.getroottree()
    _refuse_forbidden(tree, data)
    if limits is not None:
        _check_count(root, limits, len(data))
        if not defer_depth:
            check_depth(root, limits)
    return tree


def parse_text(
    text: str, limits: XmlLimits | None = PACK_LIMITS, *, defer_depth: bool = False
) -> etree._ElementTree:
    """Parse an embedded pack carried as text inside an ``xs:string`` element.

    The XML declaration is dropped first: the text has already been decoded, so whatever encoding
    the declaration claims (.NET clients say ``utf-16``) is no longer true and is ignored.
    ``defer_depth`` as for ``parse_bytes``.
    """
    if limits is not None and len(text) > limits.max_bytes:
        raise XmlLimitExceeded(
            f"document of {len(text)} characters exceeds the limit of {limits.max_bytes}"
        )
    body = _XML_DECLARATION.sub("", text, count=1)
    return parse_bytes(
        body.encode("utf-8"),
        None if limits is None else _unbounded(limits),
        defer_depth=defer_depth,
    )


def _unbounded(limits: XmlLimits) -> XmlLimits:
    # The size limit of a pack counts characters and was checked on the text already.
    return XmlLimits(
        max_bytes=4 * limits.max_bytes + 64,
        max_depth=limits.max_depth,
        max_elements=limits.max_elements,
    )


_COUNT_ELEMENTS = etree.XPath("count(//*)", regexp=False)
_HAS_PI = etree.XPath("boolean(//processing-instruction())", regexp=False)


@lru_cache(maxsize=8)
def _deeper_than(depth: int) -> etree.XPath:
    # True when an element sits below ``depth`` levels; evaluated in C, unlike a Python walk.
    return etree.XPath("boolean(/*" + "/*" * depth + ")", regexp=False)


def _refuse_forbidden(tree: etree._ElementTree, data: bytes) -> None:
    docinfo = tree.docinfo
    doctype = getattr(docinfo, "doctype", "")
    if doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlForbiddenConstruct("a document type declaration (DTD) is not allowed")
    # Without a DTD no entity can be declared, so no entity node can exist (an undeclared
    # reference is a well-formedness error); processing instructions are looked for in C.
    if not _may_hold_pi(data, docinfo.encoding):
        return
    root = tree.getroot()
    if _HAS_PI(root) or any(
        isinstance(s, etree._ProcessingInstruction)
        for s in (*root.itersiblings(preceding=True), *root.itersiblings())
    ):
        raise XmlForbiddenConstruct("processing instructions are not allowed")


#: Encodings in which every ASCII character is its own byte and no other character uses one.
_ASCII_COMPATIBLE = frozenset({"UTF-8", "UTF8", "US-ASCII", "ASCII"})
_BOM_UTF8 = b"\xef\xbb\xbf"
_XML_SPACE = (b" ", b"\t", b"\r", b"\n")


def _may_hold_pi(data: bytes, encoding: str | None) -> bool:
    """False when ``data`` cannot hold a processing instruction, found without walking the tree.

    In an ASCII-compatible encoding every processing instruction starts with the bytes ``<?``,
    so a document with no ``?`` after its XML declaration has none (``bytes.find`` of one byte
    is a ``memchr``; the XPath walks every node). Any other encoding, or a ``?`` anywhere in the
    text, leaves the answer to the tree.
    """
    if (encoding or "").upper() not in _ASCII_COMPATIBLE or b"\0" in data[:4]:
        return True
    start = len(_BOM_UTF8) if data.startswith(_BOM_UTF8) else 0
    if data[start : start + 5] == b"<?xml" and data[start + 5 : start + 6] in _XML_SPACE:
        start = data.find(b"?>", start)  # the declaration's own "?" marks end here
        if start < 0:
            return True
        start += 2
    return data.find(b"?", start) >= 0


def _check_count(root: etree._Element, limits: XmlLimits, size: int) -> None:
    # Every element takes at least four characters (``<a/>``), so a document shorter than four
    # times the limit cannot exceed it: counting the elements is needed for big documents only.
    big = size >= 4 * (limits.max_elements + 1)
    if big and float(_COUNT_ELEMENTS(root)) > limits.max_elements:  # type: ignore[arg-type]
        raise XmlLimitExceeded(f"more than {limits.max_elements} elements")


def check_depth(root: etree._Element, limits: XmlLimits | None = PACK_LIMITS) -> None:
    """``XmlLimitExceeded`` when an element of ``root``'s document is nested too deep.

    ``parse_bytes`` calls it unless told ``defer_depth``; the XPath walks the whole tree.
    """
    if limits is not None and _deeper_than(limits.max_depth)(root):
        raise XmlLimitExceeded(f"nesting depth exceeds {limits.max_depth}")


def _clean(message: str) -> str:
    return message.split(", line ")[0].strip()
