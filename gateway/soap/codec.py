"""Reading operation requests into their typed messages and writing results, as the contract
declares: the one place where wire names meet ``gateway.service.messages``.

Input is lenient where the spec says so (children qualified or not, booleans ``true|false|1|0``);
output is exact: unqualified children, the declared order, nothing undeclared (a field the
message class has but this endpoint's WSDL does not declare, such as ``details`` on the legacy
endpoints, is not written).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from lxml import etree

from gateway.errors import InputInvalid, StartupError
from gateway.service import messages
from gateway.service.blobs import Blob
from gateway.service.gateway import Decoded
from gateway.soap.contract import Contract, Element
from gateway.soap.namespaces import SOAP11_ENV, XSI
from gateway.soap.naming import CREDENTIAL_FIELDS, class_name, field_name

_NIL = f"{{{XSI}}}nil"
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


@dataclass(frozen=True)
class Slot:
    """One declared element of a contract type and the message field it fills."""

    element: Element
    attribute: str
    content: str | None  # the contract type of complex content; None for a simple value


class Binding:
    """A contract's types bound to the message classes: built once per endpoint at start-up,
    failing the start if the WSDL and ``gateway.service.messages`` have drifted apart."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.slots: dict[str, tuple[Slot, ...]] = {}
        self.by_wire: dict[str, dict[str, Slot]] = {}
        self.classes: dict[str, type] = {}
        #: Python field name -> wire name, to name fields in refusals as the caller sent them.
        self.labels: dict[str, str] = {}
        for type_name, fields in contract.types.items():
            cls = getattr(messages, class_name(type_name), None)
            if cls is None:
                continue  # a response wrapper: the codec writes it itself
            self.classes[type_name] = cls
            slots = []
            for element in fields:
                attribute = field_name(element.name)
                if attribute not in cls.__dataclass_fields__ and element.name not in (
                    CREDENTIAL_FIELDS
                ):
                    raise StartupError(
                        f"{class_name(type_name)} has no field {attribute} "
                        "(run tools/gen_messages.py)"
                    )
                content = (
                    None
                    if element.is_simple or element.type not in contract.types
                    else element.type
                )
                slots.append(Slot(element, attribute, content))
                self.labels.setdefault(attribute, element.name)
            self.slots[type_name] = tuple(slots)
            self.by_wire[type_name] = {s.element.name: s for s in slots}
        for name in contract.operations:
            if name not in self.classes:
                raise StartupError(f"no message class for {name} (run tools/gen_messages.py)")

    def label(self, path: str) -> str:
        """``claim_data.application_id`` -> ``claimData/applicationId``."""
        return "/".join(self.labels.get(part, part) for part in path.split("."))


# -------------------------------------------------------------------------------------- input
def decode_request(binding: Binding, operation: str, wrapper: etree._Element) -> Decoded:
    values = _decode_fields(binding, operation, wrapper, operation)
    token = values.pop("access_token", None)
    user_auth = values.pop("user_auth", None)
    return Decoded(binding.classes[operation](**values), token, user_auth)


def _decode_fields(
    binding: Binding, type_name: str, node: etree._Element, path: str
) -> dict[str, Any]:
    by_wire = binding.by_wire[type_name]
    namespace = binding.contract.endpoint.namespace
    out: dict[str, Any] = {}
    for child in node:
        if not isinstance(child.tag, str):
            continue  # comments
        qname = etree.QName(child)
        if qname.namespace not in (None, namespace):
            raise InputInvalid(
                f"{path}/{qname.localname}: element in unexpected namespace", field=qname.localname
            )
        slot = by_wire.get(qname.localname)
        if slot is None:
            raise InputInvalid(
                f"{path}/{qname.localname}: unexpected element", field=qname.localname
            )
        name = slot.element.name
        value = _decode_value(binding, slot, child, f"{path}/{name}")
        if slot.element.many:
            out.setdefault(slot.attribute, []).append(value)
        elif slot.attribute in out:
            raise InputInvalid(f"{path}/{name}: element repeated", field=name)
        else:
            out[slot.attribute] = value
    return out


def _decode_value(binding: Binding, slot: Slot, node: etree._Element, path: str) -> Any:
    if node.get(_NIL) in ("true", "1"):
        return None
    spec = slot.element
    if slot.content is not None:
        fields = _decode_fields(binding, slot.content, node, path)
        return binding.classes[slot.content](**fields)
    if any(isinstance(c.tag, str) for c in node):
        raise InputInvalid(f"{path}: a simple value was expected, not elements", field=spec.name)
    text = node.text or ""
    if spec.type == "xs:string":
        return text
    stripped = text.strip()
    enums = binding.contract.enums
    if spec.type in enums:
        if not stripped:
            return None
        if stripped not in enums[spec.type]:
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
        # Line-wrapped base64 is stripped of its whitespace first; unwrapped text (the usual
        # case, and a 4 MB attachment's 5.6 MB) is decoded as it is, without another copy.
        if _WHITESPACE.search(text):
            text = _WHITESPACE.sub("", text)
        return base64.b64decode(text, validate=True)
    return text


_WHITESPACE = re.compile(r"\s")


# ------------------------------------------------------------------------------------- output
class Encoded:
    """The base64 of bytes already in memory, encoded a slice at a time while it is sent: the
    answer holds the file and one slice's base64, never the file's whole base64 as well."""

    __slots__ = ("raw",)
    SLICE: Final = 3 * 256 * 1024  # a multiple of 3: the slices' base64 join into the whole's

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def __len__(self) -> int:
        return -(-len(self.raw) // 3) * 4

    def __iter__(self) -> Iterator[bytes]:
        view = memoryview(self.raw)
        for start in range(0, len(view), self.SLICE):
            yield base64.b64encode(view[start : start + self.SLICE])


class Chunks:
    """A response body in parts, sent one after the other: a large binary value's base64 is not
    joined with the rest of the envelope (a 4 MB attachment is not copied once more), and bytes
    in memory are encoded while they are sent. ``len()`` is the body's size in bytes;
    iterating gives the body's bytes in order (a WSGI body)."""

    __slots__ = ("parts",)

    def __init__(self, parts: list[bytes | Encoded]) -> None:
        self.parts = tuple(parts)

    def __len__(self) -> int:
        return sum(len(part) for part in self.parts)

    def __iter__(self) -> Iterator[bytes]:
        for part in self.parts:
            if isinstance(part, Encoded):
                yield from part
            else:
                yield part


def encode_envelope(binding: Binding, operation: str, result: Any) -> bytes | Chunks:
    """The response envelope of ``operation`` carrying ``result`` (its result message)."""
    contract = binding.contract
    op = contract.operations[operation]
    if type(result) is not binding.classes.get(op.result.type):
        raise TypeError(f"{operation} answers {op.result.type}, not {type(result).__name__}")
    envelope = etree.Element(f"{{{SOAP11_ENV}}}Envelope", nsmap={"soap": SOAP11_ENV})
    body = etree.SubElement(envelope, f"{{{SOAP11_ENV}}}Body")
    wrapper = etree.SubElement(
        body,
        f"{{{contract.endpoint.namespace}}}{operation}Response",
        nsmap={"ns2": contract.endpoint.namespace},
    )
    child = etree.SubElement(wrapper, op.result.name)
    blobs: list[bytes | Blob] = []
    _encode_fields(binding, op.result.type, result, child, blobs)
    out = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
    return _spliced(out, blobs) if blobs else out


#: Binary values at least this long are base64-encoded straight into the serialised envelope
#: (a 4 MB attachment: its 5.6 MB of base64 once, not again as a str, in the tree and in the
#: serialised bytes).
_BLOB_MIN = 64 * 1024


def _blob_marker(index: int) -> str:
    return f"@@gateway-blob-{index}@@"


def _spliced(body: bytes, blobs: list[bytes | Blob]) -> Chunks:
    parts: list[bytes | Encoded] = []
    rest = body
    for index, blob in enumerate(blobs):
        head, rest = rest.split(_blob_marker(index).encode("ascii"), 1)
        parts.append(head)
        if isinstance(blob, bytes):
            parts.append(Encoded(blob))
        elif blob.part >= blob.size:  # one read: the bytes are encoded while they are sent
            parts.append(Encoded(blob.read()))
        else:  # read (now, while the request's unit of work is open) and encoded part by part
            parts.extend(base64.b64encode(part) for part in blob.parts())
    parts.append(rest)
    return Chunks(parts)


def _encode_fields(
    binding: Binding,
    type_name: str,
    message: Any,
    node: etree._Element,
    blobs: list[bytes | Blob],
) -> None:
    sub = etree.SubElement
    for slot in binding.slots[type_name]:
        value = getattr(message, slot.attribute, None)
        if value is None:
            continue
        name = slot.element.name
        for item in value if slot.element.many else (value,):
            child = sub(node, name)
            if slot.content is not None:
                _encode_fields(binding, slot.content, item, child, blobs)
            elif isinstance(item, Blob) or (type(item) is bytes and len(item) >= _BLOB_MIN):
                child.text = _blob_marker(len(blobs))
                blobs.append(item)
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
