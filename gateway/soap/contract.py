"""The wire contract as read from the published WSDLs in ``wsdl/``: operations and their types.

The WSDL files are the contract; the gateway never generates one. At start-up each endpoint's
WSDL is read (trusted local file) into a small model that the codec uses to read requests and to
write responses with exactly the declared element names and order.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from lxml import etree

from gateway.errors import StartupError
from gateway.soap.namespaces import WSDL, XSD, Endpoint

_NS = {"wsdl": WSDL, "xs": XSD}


@dataclass(frozen=True)
class Element:
    name: str
    type: str  # "xs:string", "xs:int" ... or the local name of a type of the contract
    min_occurs: int
    many: bool

    @property
    def is_simple(self) -> bool:
        return self.type.startswith("xs:")


@dataclass(frozen=True)
class Operation:
    name: str
    request: tuple[Element, ...]
    result: Element  # the single child of <operation>Response


@dataclass(frozen=True)
class Contract:
    endpoint: Endpoint
    wsdl_text: str
    operations: dict[str, Operation]
    types: dict[str, tuple[Element, ...]]  # complex types, base fields first
    enums: dict[str, frozenset[str]]

    def fields(self, type_name: str) -> tuple[Element, ...]:
        return self.types[type_name]

    @cached_property
    def writing(self) -> dict[str, tuple[tuple[str, bool, str | None], ...]]:
        """Per complex type, how the codec writes it: (element name, repeated, the complex type
        of its content or None for text), in declared order."""
        return {
            name: tuple(
                (f.name, f.many, None if f.is_simple or f.type not in self.types else f.type)
                for f in fields
            )
            for name, fields in self.types.items()
        }

    @cached_property
    def declared(self) -> dict[str, frozenset[str]]:
        """Per complex type, the names of its fields."""
        return {name: frozenset(f.name for f in fields) for name, fields in self.types.items()}


def _local(qname: str) -> str:
    prefix, _, local = qname.rpartition(":")
    return f"xs:{local}" if prefix == "xs" else local


def _elements(node: etree._Element) -> list[Element]:
    out = []
    for el in node.iterfind("xs:sequence/xs:element", _NS):
        max_occurs = el.get("maxOccurs", "1")
        out.append(
            Element(
                el.get("name", ""),
                _local(el.get("type", "xs:string")),
                int(el.get("minOccurs", "1")),
                max_occurs != "1",
            )
        )
    return out


def load_contract(wsdl_dir: Path, endpoint: Endpoint) -> Contract:
    path = wsdl_dir / endpoint.wsdl_file
    try:
        text = path.read_text(encoding="utf-8")
        root = etree.fromstring(
            text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True)
        )
    except (OSError, etree.XMLSyntaxError) as exc:
        raise StartupError(f"cannot read WSDL {path}: {exc}") from exc
    schema = root.find("wsdl:types/xs:schema", _NS)
    if schema is None or schema.get("targetNamespace") != endpoint.namespace:
        raise StartupError(f"WSDL {path} has no schema for {endpoint.namespace}")
    raw: dict[str, tuple[str | None, list[Element]]] = {}
    for ct in schema.iterfind("xs:complexType", _NS):
        ext = ct.find("xs:complexContent/xs:extension", _NS)
        if ext is not None:
            raw[ct.get("name", "")] = (_local(ext.get("base", "")), _elements(ext))
        else:
            raw[ct.get("name", "")] = (None, _elements(ct))
    types = {name: tuple(_flatten(name, raw)) for name in raw}
    enums = {
        st.get("name", ""): frozenset(
            e.get("value", "") for e in st.iterfind("xs:restriction/xs:enumeration", _NS)
        )
        for st in schema.iterfind("xs:simpleType", _NS)
    }
    operations = {}
    for op in root.iterfind("wsdl:portType/wsdl:operation", _NS):
        name = op.get("name", "")
        response = types.get(f"{name}Response")
        if name not in types or not response or len(response) != 1:
            raise StartupError(f"WSDL {path}: operation {name} has no wrapper types")
        operations[name] = Operation(name, types[name], response[0])
    return Contract(endpoint, text, operations, types, enums)


def _flatten(name: str, raw: dict[str, tuple[str | None, list[Element]]]) -> list[Element]:
    base, fields = raw[name]
    return (_flatten(base, raw) if base and base in raw else []) + fields
