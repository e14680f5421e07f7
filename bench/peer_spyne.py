"""The spyne peer of the SOAP benchmark: ``getSystemProcessVersion`` of the RTA token endpoint
written the way spyne requires (code first: models and a decorated method; spyne generates the
WSDL), served under the same gunicorn settings as the other apps.

The method runs the gateway's own service path (``GatewayService.handle``: the token check from a
read snapshot, the handler, the journal entry and the stored message committed before the answer)
on the database of ``GATEWAY_DATABASE_URL``, so against ``gateway serve`` only the SOAP layer
differs: spyne parses the envelope and writes the answer instead of ``gateway.soap``. The journal
records 0 response bytes (spyne writes the answer after the service has journaled).
``PEER_NO_DATABASE=1`` answers a fixed result instead: spyne's SOAP layer alone, the peer of
``bare_app``.

The models are the closest to ``wsdl/PIPWSTK.wsdl`` spyne allows: every child is declared with
``sub_ns=""`` (unqualified, as the WSDL's schema has no ``elementFormDefault``), not nillable,
``xs:int`` for the version numbers. ``python bench/peer_spyne.py`` prints how the WSDL spyne
generates for this operation differs from the published one anyway.

    gunicorn --chdir bench peer_spyne:app
    python bench/peer_spyne.py [--wsdl-out FILE]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import uuid
from pathlib import Path
from typing import Any

from lxml import etree
from spyne import Application, ComplexModel, Enum, Integer32, ServiceBase, Unicode, rpc
from spyne.interface.wsdl import Wsdl11
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication

NS = "http://wstk.pip.crif.com/"
PATH = "/PIP.WSTK/PIPWSTK"
ROOT = Path(__file__).resolve().parent.parent

_TEXT = Unicode(sub_ns="", min_occurs=0, nillable=False)
_INT = Integer32(sub_ns="", min_occurs=0, nillable=False)


class baseDTO(ComplexModel):  # noqa: N801 (the WSDL's type names)
    __namespace__ = NS


class systemProcessVersion(baseDTO):  # noqa: N801
    __namespace__ = NS
    _type_info = [("processName", _TEXT), ("versionMajor", _INT), ("versionMinor", _INT)]


responseCode = Enum("Ok", "Failure", "Error", type_name="responseCode").customize(  # noqa: N816
    sub_ns="", min_occurs=0, nillable=False
)


class response(baseDTO):  # noqa: N801
    __namespace__ = NS
    _type_info = [("code", responseCode), ("message", _TEXT), ("details", _TEXT), ("trace", _TEXT)]


class systemProcessVersionResponse(response):  # noqa: N801
    __namespace__ = NS
    _type_info = [
        (
            "systemProcessVersion",
            systemProcessVersion.customize(sub_ns="", min_occurs=0, nillable=False),
        )
    ]


_SERVICE: list[Any] = []  # the gateway's service path, built once per worker
SEEN: list[str | None] = []  # the last accessToken spyne handed over (PEER_NO_DATABASE=1)


def _gateway() -> Any:
    if not _SERVICE:
        sys.path.insert(0, str(ROOT))
        from gateway.app import build
        from gateway.config import Settings

        _SERVICE.append(build(Settings.load(os.environ)).service)
    return _SERVICE[0]


def _fixed() -> dict[str, Any]:
    version = {"processName": "RTA", "versionMajor": 7, "versionMinor": 0}
    return {"code": "Ok", "message": "Current process version", "details": "", "trace": ""} | {
        "systemProcessVersion": version
    }


def _through_gateway(ctx: Any, access_token: str | None) -> dict[str, Any]:
    from gateway.domain.services import Service
    from gateway.service import messages
    from gateway.service.gateway import Decoded, Done, Outcome, Refused, ServiceRequest

    request = ServiceRequest(
        PATH,
        Service.RTA,
        "token",
        "getSystemProcessVersion",
        lambda: Decoded(messages.GetSystemProcessVersion(), access_token=access_token),
        str(uuid.uuid4()),
        ctx.transport.req_env.get("REMOTE_ADDR"),
        b"".join(ctx.in_string),
    )
    outcomes: list[Outcome] = []

    def keep(outcome: Outcome) -> bytes:
        outcomes.append(outcome)
        return b""  # spyne writes the answer

    _gateway().handle(request, keep)
    outcome = outcomes[-1]
    if isinstance(outcome, Done):
        version = outcome.result.system_process_version
        return {"code": "Ok", "message": outcome.result.message, "details": "", "trace": ""} | {
            "systemProcessVersion": {
                "processName": version.process_name,
                "versionMajor": version.version_major,
                "versionMinor": version.version_minor,
            }
        }
    if isinstance(outcome, Refused):
        refusal = outcome.refusal
        return {
            "code": "Failure",
            "message": refusal.message,
            "details": refusal.details,
            "trace": "",
        }
    return {
        "code": "Error",
        "message": "An unexpected error occurred",
        "details": "INTERNAL_ERROR",
        "trace": outcome.incident,
    }


class PIPService(ServiceBase):  # spyne names the WSDL's service after this class
    @rpc(
        Unicode(sub_ns="", min_occurs=1, nillable=False),
        _args=("accessToken",),
        _returns=systemProcessVersionResponse.customize(sub_ns="", min_occurs=0, nillable=False),
        _out_variable_name="claimInfoResponse",
    )
    def getSystemProcessVersion(ctx: Any, accessToken: str | None) -> Any:
        if os.environ.get("PEER_NO_DATABASE") == "1":
            SEEN[:] = [accessToken]
            result = _fixed()
        else:
            result = _through_gateway(ctx, accessToken)
        version = result.get("systemProcessVersion")
        return systemProcessVersionResponse(
            code=result["code"],
            message=result["message"],
            details=result["details"],
            trace=result["trace"],
            systemProcessVersion=systemProcessVersion(**version) if version else None,
        )


application = Application(
    [PIPService], tns=NS, name="PIP", in_protocol=Soap11(), out_protocol=Soap11()
)
app = WsgiApplication(application)


# ---------------------------------------------------------------------------- the WSDL compared
_NSMAP = {
    "wsdl": "http://schemas.xmlsoap.org/wsdl/",
    "xs": "http://www.w3.org/2001/XMLSchema",
    "soap": "http://schemas.xmlsoap.org/wsdl/soap/",
}
_TYPES = (
    "getSystemProcessVersion",
    "getSystemProcessVersionResponse",
    "systemProcessVersionResponse",
    "response",
    "systemProcessVersion",
)


def spyne_wsdl(form: str = "unqualified") -> bytes:
    """The WSDL spyne generates for this application (``form``: its elementFormDefault)."""
    wsdl = Wsdl11(application.interface, element_form_default=form)
    wsdl.build_interface_document("http://127.0.0.1:8080" + PATH)
    document: bytes = wsdl.get_interface_document()
    return document


def shape(wsdl: bytes) -> dict[str, str]:
    """What a client generator reads from a WSDL for this operation, one line per fact."""
    root = etree.fromstring(wsdl)
    schema = root.find("wsdl:types/xs:schema", _NSMAP)
    assert schema is not None
    out = {"schema elementFormDefault": schema.get("elementFormDefault", "(absent: unqualified)")}
    for name in _TYPES:
        node = schema.find(f"xs:complexType[@name='{name}']", _NSMAP)
        if node is None:
            out[f"type {name}"] = "(absent)"
            continue
        base = node.find(".//xs:extension", _NSMAP)
        out[f"type {name} base"] = base.get("base", "") if base is not None else "(none)"
        for el in node.iterfind(".//xs:element", _NSMAP):
            facets = ", ".join(
                f"{key}={el.get(key)}"
                for key in ("type", "minOccurs", "maxOccurs", "nillable", "form")
                if el.get(key) is not None
            )
            out[f"type {name} / {el.get('name')}"] = facets
    globals_ = sorted(e.get("name", "") for e in schema.iterfind("xs:element", _NSMAP))
    ours = [g for g in globals_ if "SystemProcessVersion" in g or g in _TYPES]
    out["global elements (of these types)"] = " ".join(ours)
    for msg in root.iterfind("wsdl:message", _NSMAP):
        if "getSystemProcessVersion" in msg.get("name", ""):
            part = msg.find("wsdl:part", _NSMAP)
            assert part is not None
            out[f"message {msg.get('name')}"] = f"part {part.get('name')} -> {part.get('element')}"
    for tag in ("portType", "binding", "service"):
        node = root.find(f"wsdl:{tag}", _NSMAP)
        out[f"{tag} name"] = node.get("name", "") if node is not None else "(absent)"
    action = root.find(
        "wsdl:binding/wsdl:operation[@name='getSystemProcessVersion']/soap:operation", _NSMAP
    )
    out["soapAction"] = repr(action.get("soapAction")) if action is not None else "(absent)"
    port = root.find("wsdl:service/wsdl:port", _NSMAP)
    out["port name"] = port.get("name", "") if port is not None else "(absent)"
    return out


# ------------------------------------------------------------------------- envelopes probed
_ENVELOPE = (
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:t="http://wstk.pip.crif.com/">{header}<soap:Body>{body}</soap:Body></soap:Envelope>'
)
_CALL = "<t:getSystemProcessVersion><accessToken>abc</accessToken></t:getSystemProcessVersion>"
_MUST = '<soap:Header><x:h xmlns:x="urn:x" soap:mustUnderstand="1"/></soap:Header>'
_DEEP = "<a>" * 300 + "</a>" * 300
#: Requests the gateway's contract decides (README "The contract"), each a (header, body).
PROBES = {
    "unqualified child (as published)": ("", _CALL),
    "qualified child": ("", _CALL.replace("accessToken>", "t:accessToken>")),
    "child in a foreign namespace": (
        "",
        _CALL.replace("<accessToken>", '<x:accessToken xmlns:x="urn:x">').replace(
            "</accessToken>", "</x:accessToken>"
        ),
    ),
    "undeclared child": ("", _CALL.replace("</accessToken>", "</accessToken><x>1</x>")),
    "accessToken missing": ("", "<t:getSystemProcessVersion/>"),
    "internal DTD with an entity": ("DTD", _CALL.replace(">abc<", ">&e;<")),
    "processing instruction": ("PI", _CALL),
    "SOAP 1.2 envelope": ("1.2", _CALL),
    'header mustUnderstand="1"': (_MUST, _CALL),
    "unknown operation": ("", "<t:noSuchOperation/>"),
    "300 levels deep": ("", _CALL.replace("abc", _DEEP)),
}


def _gateway_app(work: Path) -> tuple[Any, str]:
    """``gateway.soap`` on a fresh demo database in ``work``, and an access token of it."""
    import json
    import subprocess

    env = {**os.environ, "GATEWAY_DATABASE_URL": f"sqlite:///{work / 'probe.db'}"}
    cli = [sys.executable, "-m", "gateway.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
    demo = subprocess.run([*cli, "demo", "--json"], env=env, check=True, capture_output=True)
    creds = next(c for c in json.loads(demo.stdout)["a2a"] if c["userAsID"] == "cr-rta-ch")
    sys.path.insert(0, str(ROOT))
    from gateway.app import create_app
    from gateway.config import Settings

    gateway = create_app(Settings.load(env))
    body = _ENVELOPE.format(
        header="",
        body=f"<t:getToken><userID>{creds['userID']}</userID><userAsID>{creds['userAsID']}"
        f"</userAsID><password>{creds['password']}</password></t:getToken>",
    )
    answer = call_wsgi(gateway, body.encode())[1]
    token = etree.fromstring(answer).findtext(".//accessToken")
    assert token, answer
    return gateway, token


def _envelope(header: str, body: str) -> bytes:
    if header == "DTD":
        prolog = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "abc">]>'
        return (prolog + _ENVELOPE.format(header="", body=body)).encode()
    if header == "PI":
        return ("<?pi x?>" + _ENVELOPE.format(header="", body=body)).encode()
    text = _ENVELOPE.format(header=header, body=body)
    if header == "1.2":
        text = _ENVELOPE.format(header="", body=body).replace(
            "http://schemas.xmlsoap.org/soap/envelope/", "http://www.w3.org/2003/05/soap-envelope"
        )
    return text.encode()


def call_wsgi(wsgi: Any, body: bytes, method: str = "POST", query: str = "") -> tuple[str, bytes]:
    """Call a WSGI app in-process; its status line and body."""
    import io

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": PATH,
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "text/xml; charset=utf-8",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8080",
        "HTTP_HOST": "127.0.0.1:8080",
        "SCRIPT_NAME": "",
        "REMOTE_ADDR": "127.0.0.1",
    }
    status: list[str] = []
    data = b"".join(wsgi(environ, lambda line, headers, exc=None: status.append(line)))
    return status[0], data


def _outcome(status: str, data: bytes) -> str:
    fault = re.search(rb"<faultcode>[^<:]*:?([^<]*)</faultcode>", data)
    if fault:
        return f"{status[:3]} Fault {fault.group(1).decode()}"
    code = re.search(rb"<code>(\w+)</code>", data)
    details = re.search(rb"<details>([A-Z_]+)", data)
    key = f" {details.group(1).decode()}" if details else ""
    said = code.group(1).decode() if code else repr(data[:60])
    return f"{status[:3]} {said}{key}"


def probe() -> None:
    """How the gateway and spyne (soft, the default, and strict) answer the envelopes that the
    gateway's contract decides; spyne without a database (it only shows the token it read)."""
    import logging
    import tempfile

    logging.getLogger("spyne").setLevel(logging.CRITICAL)  # it logs each bad envelope whole
    os.environ["PEER_NO_DATABASE"] = "1"
    strict = WsgiApplication(
        Application(
            [PIPService],
            tns=NS,
            name="PIPStrict",
            in_protocol=Soap11(validator="lxml"),
            out_protocol=Soap11(),
        )
    )
    gateway, token = _gateway_app(Path(tempfile.mkdtemp(prefix="gw-probe-")))
    served = call_wsgi(app, b"", "GET", "wsdl")[1]
    form = etree.fromstring(served).find("wsdl:types/xs:schema", _NSMAP)
    print(
        "== spyne's own ?wsdl says elementFormDefault="
        f"{form.get('elementFormDefault') if form is not None else None}"
        " (while its answers' children are unqualified: sub_ns='')"
    )
    print(
        f"{'request':34}{'gateway':32}{'spyne (default, soft)':38}"
        "spyne validator='lxml' (children qualified but in the first row)"
    )
    for name, (header, body) in PROBES.items():
        raw = _envelope(header, body.replace(">abc<", f">{token}<"))
        SEEN.clear()
        soft = _outcome(*call_wsgi(app, raw))
        if SEEN:
            read = SEEN[-1]
            soft += " (token: " + ("none" if read is None else "''" if not read else "read") + ")"
        ours = _outcome(*call_wsgi(gateway, raw))
        if not name.startswith("unqualified"):  # strict accepts only qualified children
            raw = re.sub(rb"<(/?)accessToken>", rb"<\1t:accessToken>", raw)
        try:
            judged = _outcome(*call_wsgi(strict, raw))
        except Exception as exc:  # what the WSGI server then answers is its own plain 500
            judged = f"raises {type(exc).__name__}: {exc}"
        print(f"{name:34}{ours:32}{soft:38}{judged}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wsdl-out", type=Path, help="also write spyne's WSDL to this file")
    args = parser.parse_args(argv)
    probe()
    generated = spyne_wsdl()
    if args.wsdl_out:
        args.wsdl_out.write_bytes(generated)
    published = shape((ROOT / "wsdl" / "PIPWSTK.wsdl").read_bytes())
    spyne = shape(generated)
    print("== getSystemProcessVersion: wsdl/PIPWSTK.wsdl against the WSDL spyne generates")
    same = 0
    for key in dict.fromkeys([*published, *spyne]):
        ours, theirs = published.get(key, "(absent)"), spyne.get(key, "(absent)")
        if ours == theirs:
            same += 1
            continue
        print(f"{key}\n    published: {ours}\n    spyne:     {theirs}")
    print(f"({same} facts alike)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
