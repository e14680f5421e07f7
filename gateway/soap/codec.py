"""Reading operation requests into plain values and writing results, as the contract declares.

Input is lenient where the spec says so (children qualified or not, booleans ``true|false|1|0``);
output is exact: unqualified children, the declared order, nothing undeclared.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from lxml import etree

from gateway.errors import InputInvalid
from gateway.soap.contract import Contract, Element
from gateway.soap.namespaces import SOAP11_ENV, XSI

_NIL = f"{{{XSI}}}nil"
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def decode_request(contract: Contract, operation: str, wrapper: etree._Element) -> dict[str, Any]:
    return _decode_fields(contract, contract.operations[operation].request, wrapper, operation)


def _decode_fields(
    contract: Contract, fields: Sequence[Element], node: etree._Element, path: str
) -> dict[str, Any]:
    by_name = {f.name: f for f in fields}
    out: dict[str, Any] = {}
    for child in node:
        if not isinstance(child.tag, str):
            continue  # comments
        qname = etree.QName(child)
        if qname.namespace not in (None, contract.endpoint.namespace):
            raise InputInvalid(
                f"{path}/{qname.localname}: element in unexpected namespace", field=qname.localname
            )
        spec = by_name.get(qname.localname)
        if spec is None:
            raise InputInvalid(
                f"{path}/{qname.localname}: unexpected element", field=qname.localname
            )
        value = _decode_value(contract, spec, child, f"{path}/{spec.name}")
        if spec.many:
            out.setdefault(spec.name, []).append(value)
        elif spec.name in out:
            raise InputInvalid(f"{path}/{spec.name}: element repeated", field=spec.name)
        else:
            out[spec.name] = value
    return out


def _decode_value(contract: Contract, spec: Element, node: etree._Element, path: str) -> Any:
    if node.get(_NIL) in ("true", "1"):
        return None
    if not spec.is_simple and spec.type in contract.types:
        return _decode_fields(contract, contract.types[spec.type], node, path)
    if any(isinstance(c.tag, str) for c in node):
        raise InputInvalid(f"{path}: a simple value was expected, not elements", field=spec.name)
    text = node.text or ""
    if spec.type == "xs:string":
        return text
    stripped = text.strip()
    if spec.type in contract.enums:
        if not stripped:
            return None
        if stripped not in contract.enums[spec.type]:
            raise InputInvalid(
                f"{path}: '{stripped[:20]}' is not a valid {spec.type}", field=spec.name
            )
        return stripped
    if not stripped:
        return None
    try:
        return _convert(spec.type, stripped)
    except (ValueError, binascii.Error):
        raise InputInvalid(
            f"{path}: '{stripped[:30]}' is not a valid {spec.type}", field=spec.name
        ) from None


def _convert(xs_type: str, text: str) -> Any:
    if xs_type == "xs:boolean":
        if text not in _BOOLEANS:
            raise ValueError(text)
        return _BOOLEANS[text]
    if xs_type == "xs:int":
        return int(text)
    if xs_type == "xs:dateTime":
        return datetime.fromisoformat(text)
    if xs_type == "xs:base64Binary":
        return base64.b64decode("".join(text.split()), validate=True)
    return text


# ------------------------------------------------------------------------------------- output
def encode_envelope(contract: Contract, operation: str, result: Mapping[str, Any]) -> bytes:
    op = contract.operations[operation]
    envelope = etree.Element(f"{{{SOAP11_ENV}}}Envelope", nsmap={"soap": SOAP11_ENV})
    body = etree.SubElement(envelope, f"{{{SOAP11_ENV}}}Body")
    wrapper = etree.SubElement(
        body,
        f"{{{contract.endpoint.namespace}}}{operation}Response",
        nsmap={"ns2": contract.endpoint.namespace},
    )
    child = etree.SubElement(wrapper, op.result.name)
    _encode_fields(contract, op.result.type, result, child)
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def _encode_fields(
    contract: Contract, type_name: str, values: Mapping[str, Any], node: etree._Element
) -> None:
    # Legacy responses have no ``details``: the one field a result may carry undeclared.
    if not values.keys() <= contract.declared[type_name]:
        extra = set(values) - contract.declared[type_name] - {"details"}
        if extra:
            raise ValueError(f"{type_name} does not declare {sorted(extra)}")
    sub = etree.SubElement
    for name, many, content in contract.writing[type_name]:
        value = values.get(name)
        if value is None:
            continue
        for item in value if many else (value,):
            child = sub(node, name)
            if content is not None:
                _encode_fields(contract, content, item, child)
            else:
                child.text = item if type(item) is str else _text(item)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def fault_envelope(fault_code: str, reason: str) -> bytes:
    envelope = etree.Element(f"{{{SOAP11_ENV}}}Envelope", nsmap={"soap": SOAP11_ENV})
    body = etree.SubElement(envelope, f"{{{SOAP11_ENV}}}Body")
    fault = etree.SubElement(body, f"{{{SOAP11_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = fault_code
    etree.SubElement(fault, "faultstring").text = reason
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
