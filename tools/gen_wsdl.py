"""Generate the four published WSDLs of wsdl/ from the operation tables of operations.md.

The WSDLs are the contract; this script keeps them equal to the specification. It reads the
shared types (section 2) and the operation tables (section 3) of operations.md and writes, for
RTA and EL/PL, the token-era WSDL and the legacy (pre-token) WSDL:

    python tools/gen_wsdl.py [--spec ../shared/spec] [--out wsdl]

The generated files are committed; a test regenerates them and compares, so they cannot drift.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

ROOT = Path(__file__).resolve().parent.parent

XS_TYPES = {"bool": "xs:boolean", "dt": "xs:dateTime", "b64": "xs:base64Binary", "int": "xs:int"}


@dataclass(frozen=True)
class Endpoint:
    service: str  # RTA | ELPL
    era: str  # token | legacy
    file_name: str
    namespace: str
    prefix: str  # message name prefix and portType name
    path: str

    @property
    def service_name(self) -> str:
        return f"{self.prefix}Service"


ENDPOINTS = [
    Endpoint(
        "RTA", "token", "PIPWSTK.wsdl", "http://wstk.pip.crif.com/", "PIP", "/PIP.WSTK/PIPWSTK"
    ),
    Endpoint(
        "ELPL",
        "token",
        "ELPLWSTK.wsdl",
        "http://wstk.elpl.crif.com/",
        "ELPL",
        "/ELPL.WSTK/ELPLWSTK",
    ),
    Endpoint("RTA", "legacy", "PIPWS.wsdl", "http://ws.pip.crif.com/", "PIP", "/PIP.WS/PIPWS"),
    Endpoint(
        "ELPL", "legacy", "ELPLWS.wsdl", "http://ws.elpl.crif.com/", "ELPL", "/ELPL.WS/ELPLWS"
    ),
]
AUTH_OPERATIONS = {"getToken", "refreshToken", "changePassword"}


@dataclass
class Field:
    name: str
    type: str  # "xs:..." or a tns type name
    min_occurs: int = 0
    many: bool = False
    services: frozenset[str] = frozenset({"RTA", "ELPL"})


@dataclass
class ComplexType:
    name: str
    base: str | None
    fields: list[Field]
    services: frozenset[str] = frozenset({"RTA", "ELPL"})


@dataclass
class Operation:
    name: str
    services: frozenset[str]
    fields: list[Field]
    result_name: str
    result_type: str
    result_min: int = 0


@dataclass
class Contract:
    types: dict[str, ComplexType] = field(default_factory=dict)
    enums: dict[str, tuple[list[str], frozenset[str]]] = field(default_factory=dict)
    operations: list[Operation] = field(default_factory=list)


# ------------------------------------------------------------------------------------------ parse
def _rows(text: str, heading: str) -> list[list[str]]:
    """The body rows of the first table after ``heading``, as lists of cells."""
    start = text.index(heading)
    rows: list[list[str]] = []
    in_table = False
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            in_table = True
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if set("".join(cells)) <= set("-: "):
                continue
            rows.append(cells)
        elif in_table:
            break
    return rows[1:]  # drop the header row


def _split_items(cell: str) -> list[str]:
    items, depth, current = [], 0, ""
    for ch in cell:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        items.append(current.strip())
    return items


_BACKTICK = re.compile(r"`([^`]+)`")
_ELPL_ONLY = "**EL/PL only:**"


def _type_field(item: str, known: set[str]) -> Field:
    services = frozenset({"RTA", "ELPL"})
    if item.startswith(_ELPL_ONLY):
        services = frozenset({"ELPL"})
        item = item[len(_ELPL_ONLY) :].strip()
    names = _BACKTICK.findall(item)
    name = names[0]
    rest = item[item.index(name) + len(name) + 1 :].strip()
    ftype, min_occurs, many = "xs:string", 0, False
    if rest.startswith("(list of"):
        ftype, many = names[1], True
    elif rest.startswith("(int"):
        ftype = "xs:int"
        min_occurs = 1 if "always present" in rest else 0
    elif rest.startswith("(`"):
        ftype = names[1]
    elif rest.split(" ")[0] in XS_TYPES:
        ftype = XS_TYPES[rest.split(" ")[0]]
    elif name in known:
        ftype = name
    return Field(name, ftype, min_occurs, many, services)


def parse_types(text: str, contract: Contract) -> None:
    rows = _rows(text, "### 2.1 Inputs") + _rows(text, "### 2.2 Outputs")
    known = {_BACKTICK.findall(r[0])[0] for r in rows}
    for cells in rows:
        tname = _BACKTICK.findall(cells[0])[0]
        spec = cells[1]
        base: str | None = "baseDTO"
        m = re.match(r"`(\w+)`( fields)? \+ (.*)$", spec)
        if m:
            base, spec = m.group(1), m.group(3)
        items = _split_items(spec)
        fields = [_type_field(i, known) for i in items]
        if tname == "response":
            base = "baseDTO"
        contract.types[tname] = ComplexType(tname, base, fields)
    for cells in _rows(text, "### 2.3 Enumerations"):
        ename = _BACKTICK.findall(cells[0])[0]
        services = (
            frozenset({"ELPL"}) if "EL/PL WSDL only" in cells[0] else frozenset({"RTA", "ELPL"})
        )
        contract.enums[ename] = (_BACKTICK.findall(cells[1]), services)


def _request_field(item: str, types: dict[str, ComplexType], services: frozenset[str]) -> Field:
    names = _BACKTICK.findall(item)
    name = names[0]
    rest = item[item.index(name) + len(name) + 1 :].strip()
    words = rest.split()
    ftype = "xs:string"
    if words and words[0] in XS_TYPES:
        ftype = XS_TYPES[words.pop(0)]
    elif words and words[0].startswith("(`"):
        ftype = names[1]
        words.pop(0)
    elif name in types:
        ftype = name
    flag = words[0] if words else "O"
    min_occurs = 1 if flag == "R*" else 0
    # "(EL/PL: R*)": declared mandatory only in the EL/PL WSDL.
    elpl_mandatory = "(EL/PL: R*)" in rest
    f = Field(name, ftype, min_occurs, False, services)
    if name == "accessToken" and flag == "R":
        # operations.md section 1: only the EL/PL WSDL declares addAttachment/accessToken
        # optional; the RTA WSDL declares it mandatory like every other accessToken.
        f.min_occurs = 1
        f.services = frozenset({"RTA"} | {"ELPL-optional"} | set(services))
    if elpl_mandatory:
        f.services = frozenset({"ELPL*"} | set(services))
    return f


def parse_operations(text: str, contract: Contract) -> None:
    for heading in ("### 3.1 ", "### 3.2 ", "### 3.3 ", "### 3.4 "):
        for cells in _rows(text, heading):
            name = _BACKTICK.findall(cells[0])[0]
            services = frozenset(s.strip() for s in cells[1].split(","))
            fields = [_request_field(i, contract.types, services) for i in _split_items(cells[3])]
            rname, rtype = (s.strip() for s in _BACKTICK.findall(cells[4])[0].split(":"))
            rmin = 1 if "(R*)" in cells[4] else 0
            contract.operations.append(Operation(name, services, fields, rname, rtype, rmin))


def load_contract(spec_dir: Path) -> Contract:
    text = (spec_dir / "operations.md").read_text(encoding="utf-8")
    contract = Contract()
    parse_types(text, contract)
    parse_operations(text, contract)
    return contract


# ------------------------------------------------------------------------------------------ write
def _field_xml(f: Field, endpoint: Endpoint) -> str | None:
    if endpoint.service not in f.services:
        return None
    ftype = f.type if f.type.startswith("xs:") else f"tns:{f.type}"
    min_occurs = f.min_occurs
    if "ELPL*" in f.services and endpoint.service == "ELPL":
        min_occurs = 1
    if "ELPL-optional" in f.services and endpoint.service == "ELPL":
        min_occurs = 0
    attrs = f'name="{f.name}" type="{ftype}"'
    if f.many:
        attrs += ' minOccurs="0" maxOccurs="unbounded" nillable="true"'
    elif min_occurs == 0:
        attrs += ' minOccurs="0"'
    return f"<xs:element {attrs}/>"


def _sequence(fields: list[str], indent: str) -> str:
    if not fields:
        return f"{indent}<xs:sequence/>"
    inner = "".join(f"\n{indent}  {f}" for f in fields)
    return f"{indent}<xs:sequence>{inner}\n{indent}</xs:sequence>"


def _complex_type(ct: ComplexType, endpoint: Endpoint) -> str:
    fields = [x for x in (_field_xml(f, endpoint) for f in ct.fields) if x]
    if ct.base is None:
        return (
            f'    <xs:complexType name="{ct.name}">\n{_sequence(fields, "      ")}\n'
            f"    </xs:complexType>"
        )
    return (
        f'    <xs:complexType name="{ct.name}">\n      <xs:complexContent>\n'
        f'        <xs:extension base="tns:{ct.base}">\n{_sequence(fields, "          ")}\n'
        f"        </xs:extension>\n      </xs:complexContent>\n    </xs:complexType>"
    )


def _operations_for(contract: Contract, endpoint: Endpoint) -> list[Operation]:
    ops = [o for o in contract.operations if endpoint.service in o.services]
    if endpoint.era == "legacy":
        ops = [o for o in ops if o.name not in AUTH_OPERATIONS]
    return sorted(ops, key=lambda o: o.name)


def _legacy_fields(fields: list[Field], endpoint: Endpoint) -> list[Field]:
    if endpoint.era == "token":
        return fields
    return [
        Field("userAuth", "userAuth", f.min_occurs, False, f.services)
        if f.name == "accessToken"
        else f
        for f in fields
    ]


def render(contract: Contract, endpoint: Endpoint, base_url: str = "http://localhost:8080") -> str:
    ops = _operations_for(contract, endpoint)
    out: list[str] = []
    pfx = endpoint.prefix
    out.append('<?xml version="1.0" encoding="UTF-8"?>')
    out.append(
        f"<!-- {endpoint.service_name}, {endpoint.era} endpoint {endpoint.path}: generated from "
        f"operations.md by tools/gen_wsdl.py; do not edit by hand. -->"
    )
    out.append(
        f'<wsdl:definitions name="{endpoint.service_name}" targetNamespace="{endpoint.namespace}"\n'
        f'    xmlns:tns="{endpoint.namespace}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"\n'
        f'    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"\n'
        f'    xmlns:xs="http://www.w3.org/2001/XMLSchema">'
    )
    out.append("  <wsdl:types>")
    out.append(f'    <xs:schema targetNamespace="{endpoint.namespace}" version="1.0">')
    for op in ops:
        out.append(f'    <xs:element name="{op.name}" type="tns:{op.name}"/>')
        out.append(f'    <xs:element name="{op.name}Response" type="tns:{op.name}Response"/>')
    if endpoint.service == "RTA":
        out.append(f'    <xs:element name="{pfx}Exception" type="xs:string"/>')
    for op in ops:
        fields = _legacy_fields(op.fields, endpoint)
        out.append(_complex_type(ComplexType(op.name, None, fields), endpoint))
        result = Field(op.result_name, op.result_type, op.result_min)
        out.append(_complex_type(ComplexType(f"{op.name}Response", None, [result]), endpoint))
    out.append('    <xs:complexType name="baseDTO">\n      <xs:sequence/>\n    </xs:complexType>')
    for ct in contract.types.values():
        if ct.name == "userAuth" and endpoint.era == "token":
            continue
        if ct.name == "response" and endpoint.era == "legacy":
            ct = ComplexType(ct.name, ct.base, [f for f in ct.fields if f.name != "details"])
        out.append(_complex_type(ct, endpoint))
    for name, (values, services) in contract.enums.items():
        if endpoint.service not in services:
            continue
        enum = "".join(f'\n        <xs:enumeration value="{v}"/>' for v in values)
        out.append(
            f'    <xs:simpleType name="{name}">\n      <xs:restriction base="xs:string">{enum}\n'
            f"      </xs:restriction>\n    </xs:simpleType>"
        )
    out.append("    </xs:schema>\n  </wsdl:types>")
    for op in ops:
        for suffix in ("", "Response"):
            out.append(
                f'  <wsdl:message name="{pfx}_{op.name}{suffix}">\n'
                f'    <wsdl:part name="parameters" element="tns:{op.name}{suffix}"/>\n'
                f"  </wsdl:message>"
            )
    out.append(f'  <wsdl:portType name="{pfx}">')
    for op in ops:
        out.append(
            f'    <wsdl:operation name="{op.name}">\n'
            f'      <wsdl:input name="{pfx}_{op.name}" message="tns:{pfx}_{op.name}"/>\n'
            f'      <wsdl:output name="{pfx}_{op.name}Response" '
            f'message="tns:{pfx}_{op.name}Response"/>\n    </wsdl:operation>'
        )
    out.append("  </wsdl:portType>")
    out.append(f'  <wsdl:binding name="{pfx}Binding" type="tns:{pfx}">')
    out.append(
        '    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>'
    )
    for op in ops:
        out.append(
            f'    <wsdl:operation name="{op.name}">\n      <soap:operation soapAction=""/>\n'
            f'      <wsdl:input name="{pfx}_{op.name}"><soap:body use="literal"/></wsdl:input>\n'
            f'      <wsdl:output name="{pfx}_{op.name}Response"><soap:body use="literal"/>'
            f"</wsdl:output>\n    </wsdl:operation>"
        )
    out.append("  </wsdl:binding>")
    location = quoteattr(base_url.rstrip("/") + endpoint.path)
    out.append(
        f'  <wsdl:service name="{endpoint.service_name}">\n'
        f'    <wsdl:port name="{pfx}Port" binding="tns:{pfx}Binding">\n'
        f"      <soap:address location={location}/>\n    </wsdl:port>\n  </wsdl:service>"
    )
    out.append("</wsdl:definitions>\n")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=ROOT.parent / "shared" / "spec")
    parser.add_argument("--out", type=Path, default=ROOT / "wsdl")
    parser.add_argument("--check", action="store_true", help="exit 1 if a file would change")
    args = parser.parse_args(argv)
    if not (args.spec / "operations.md").is_file():
        parser.error(f"the product spec is absent: no {args.spec / 'operations.md'} (use --spec)")
    contract = load_contract(args.spec)
    args.out.mkdir(parents=True, exist_ok=True)
    changed = []
    for endpoint in ENDPOINTS:
        text = render(contract, endpoint)
        target = args.out / endpoint.file_name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            changed.append(target.name)
            if not args.check:
                target.write_text(text, encoding="utf-8")
    if args.check and changed:
        print("out of date: " + ", ".join(changed), file=sys.stderr)
        return 1
    for endpoint in ENDPOINTS:
        n = len(_operations_for(contract, endpoint))
        print(f"{endpoint.file_name}: {n} operations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
