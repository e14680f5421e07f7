"""Namespace URIs and endpoints of the wire contract, in one place (spec README sections 3-4)."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.domain.services import Service

SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
XSD = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"


@dataclass(frozen=True)
class Endpoint:
    service: Service
    era: str  # token | legacy
    path: str  # /PIP.WSTK/PIPWSTK
    namespace: str
    wsdl_file: str

    @property
    def root(self) -> str:
        """The service root under which pack XSDs are served (``/PIP.WSTK``)."""
        return self.path.rsplit("/", 1)[0]


ENDPOINTS = (
    Endpoint(
        Service.RTA, "token", "/PIP.WSTK/PIPWSTK", "http://wstk.pip.crif.com/", "PIPWSTK.wsdl"
    ),
    Endpoint(
        Service.ELPL, "token", "/ELPL.WSTK/ELPLWSTK", "http://wstk.elpl.crif.com/", "ELPLWSTK.wsdl"
    ),
    Endpoint(Service.RTA, "legacy", "/PIP.WS/PIPWS", "http://ws.pip.crif.com/", "PIPWS.wsdl"),
    Endpoint(Service.ELPL, "legacy", "/ELPL.WS/ELPLWS", "http://ws.elpl.crif.com/", "ELPLWS.wsdl"),
)
