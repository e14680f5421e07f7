"""libxml2 schema-validation errors rewritten as ``Violation`` objects without personal data.

libxml2 reports the element's path (``/DocumentInput/AccidentData/AccidentDetails``, with ``[n]``
only where the element has same-named siblings) and names the attribute in the message
(``Element 'AccidentDetails', attribute 'AccidentTime': [facet 'pattern'] The value '25:00' ...``).
The violation's path gets the attribute appended (``.../AccidentDetails/@AccidentTime``), the
message loses the element/attribute prefix and every quoted document value is masked.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from gateway.errors import Violation
from gateway.validation.masking import mask

_PREFIX = re.compile(
    r"Element '(?P<element>[^']+)'(?:, attribute '(?P<attribute>[^']+)')?: (?P<reason>.*)", re.S
)
_MISSING_ATTRIBUTE = re.compile(r"The attribute '(?P<attribute>[^']+)' is required but missing")
_FACET = re.compile(r"^\[facet '[^']+'\] ")
# Fallbacks when the value cannot be read back from the document.
_QUOTED_VALUES = (
    re.compile(r"(?<=The value ')(?P<value>.*?)(?=' (?:is|has) )", re.S),
    re.compile(r"(?<=^')(?P<value>.*?)(?=' is not a valid value)", re.S),
)


def xsd_violations(tree: etree._ElementTree, error_log: etree._ListErrorLog) -> list[Violation]:
    """One violation per libxml2 schema error of ``error_log`` about ``tree``."""
    return [_violation(tree, entry) for entry in error_log]


def _violation(tree: etree._ElementTree, entry: etree._LogEntry) -> Violation:
    path = entry.path or "/"
    line = entry.line or None
    found = _PREFIX.fullmatch(entry.message.strip())
    if found is None:
        return Violation(path=path, message=_mask_quoted(entry.message.strip(), None), line=line)
    attribute = found["attribute"]
    reason = _FACET.sub("", found["reason"])
    if attribute is None:
        missing = _MISSING_ATTRIBUTE.search(reason)
        if missing is not None:
            return Violation(path=f"{path}/@{missing['attribute']}", message=reason, line=line)
    value = _document_value(tree, path, attribute)
    name = attribute or _local(found["element"])
    if value is not None and f"'{value}'" in reason:
        reason = reason.replace(f"'{value}'", f"'{mask(value, name)}'", 1)
    else:
        reason = _mask_quoted(reason, name)
    return Violation(path=f"{path}/@{attribute}" if attribute else path, message=reason, line=line)


def _document_value(tree: etree._ElementTree, path: str, attribute: str | None) -> str | None:
    try:
        nodes = _xpath(path)(tree)
    except etree.XPathError:
        return None
    if not isinstance(nodes, list) or not nodes or not isinstance(nodes[0], etree._Element):
        return None
    node = nodes[0]
    return node.get(attribute) if attribute else node.text


@lru_cache(maxsize=256)
def _xpath(path: str) -> etree.XPath:
    # The same few element paths come back document after document; ``tree.xpath`` would
    # compile each again (a failed compilation raises and is not cached).
    return etree.XPath(path)


def _mask_quoted(message: str, name: str | None) -> str:
    for pattern in _QUOTED_VALUES:
        message = pattern.sub(lambda m: mask(m["value"], name), message, count=1)
    return message


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
