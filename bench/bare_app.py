"""The baseline of the SOAP benchmark: a bare WSGI app that answers every POST with one fixed
getSystemProcessVersion response envelope (no parsing, no database)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

BODY = (
    b"<?xml version='1.0' encoding='utf-8'?>\n<soap:Envelope xmlns:soap=\"http://schemas."
    b'xmlsoap.org/soap/envelope/"><soap:Body><ns2:getSystemProcessVersionResponse xmlns:ns2='
    b'"http://wstk.pip.crif.com/"><claimInfoResponse><code>Ok</code><message>Current process '
    b"version</message><details></details><trace></trace><systemProcessVersion><processName>RTA"
    b"</processName><versionMajor>7</versionMajor><versionMinor>0</versionMinor>"
    b"</systemProcessVersion></claimInfoResponse></ns2:getSystemProcessVersionResponse>"
    b"</soap:Body></soap:Envelope>"
)


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    environ["wsgi.input"].read(length)
    start_response(
        "200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(BODY)))]
    )
    return [BODY]
