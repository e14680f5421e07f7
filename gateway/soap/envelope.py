"""Envelope checks: the only problems answered with a SOAP Fault (spec README section 5)."""

from __future__ import annotations

import re

from lxml import etree

from gateway.errors import (
    EnvelopeForbiddenConstruct,
    EnvelopeNotWellFormed,
    EnvelopeVersionMismatch,
    MustUnderstandFault,
    UnknownOperation,
    XmlForbiddenConstruct,
    XmlLimitExceeded,
    XmlNotWellFormed,
)
from gateway.soap.contract import Contract
from gateway.soap.namespaces import SOAP11_ENV, SOAP12_ENV
from gateway.validation.hardened import parse_bytes

_MUST_UNDERSTAND = f"{{{SOAP11_ENV}}}mustUnderstand"
# Where libxml2 quotes what it read. Inside a credential that is part of the secret (a password
# with an unescaped "&" or "<"), and a fault's reason is journaled (security.md section 6.1).
_READ_NAMES = (
    (re.compile(r"'[^']*'"), "'…'"),
    (re.compile(r"(xmlns:)[^\s:]+"), r"\1…"),
    (re.compile(r"(tag mismatch: )\S+( line \d+ and )\S+"), r"\1…\2…"),
    (re.compile(r"(Start Tag |in tag |Attribute |for attribute )\S+"), r"\1…"),
    (re.compile(r"(Namespace prefix )\S+( for \S+)?( on )\S+"), r"\1…\3…"),
)


def open_envelope(raw: bytes, contract: Contract) -> tuple[str, etree._Element]:
    """The operation name and its wrapper element, or an ``EnvelopeError``."""
    try:
        root = parse_bytes(raw).getroot()
    except XmlForbiddenConstruct as exc:
        raise EnvelopeForbiddenConstruct(exc.specifics) from None
    except (XmlNotWellFormed, XmlLimitExceeded) as exc:
        reason = _without_read_names(exc.specifics)
        raise EnvelopeNotWellFormed(f"request is not well-formed XML: {reason}") from None
    qname = etree.QName(root)
    if qname.namespace == SOAP12_ENV:
        raise EnvelopeVersionMismatch("SOAP 1.2 is not supported; send a SOAP 1.1 envelope")
    if qname.namespace != SOAP11_ENV or qname.localname != "Envelope":
        raise EnvelopeNotWellFormed("request is not a SOAP 1.1 Envelope")
    children = [c for c in root if isinstance(c.tag, str)]
    body = None
    for child in children:
        cq = etree.QName(child)
        if cq.namespace == SOAP11_ENV and cq.localname == "Header" and body is None:
            _check_headers(child)
        elif cq.namespace == SOAP11_ENV and cq.localname == "Body" and body is None:
            body = child
        else:
            raise EnvelopeNotWellFormed(f"unexpected element {cq.localname} in the Envelope")
    if body is None:
        raise EnvelopeNotWellFormed("the Envelope has no Body")
    payload = [c for c in body if isinstance(c.tag, str)]
    if not payload:
        raise EnvelopeNotWellFormed("the Body is empty")
    pq = etree.QName(payload[0])
    if pq.namespace != contract.endpoint.namespace or pq.localname not in contract.operations:
        raise UnknownOperation(
            f"unknown operation {{{pq.namespace or ''}}}{pq.localname} at {contract.endpoint.path}"
        )
    return pq.localname, payload[0]


def _check_headers(header: etree._Element) -> None:
    for block in header:
        if isinstance(block.tag, str) and block.get(_MUST_UNDERSTAND) in ("1", "true"):
            raise MustUnderstandFault(
                f"header {etree.QName(block).localname} must be understood but is not supported"
            )


def _without_read_names(message: str) -> str:
    """libxml2's ``message`` without the names it read from the document."""
    for pattern, replacement in _READ_NAMES:
        message = pattern.sub(replacement, message)
    return message
