"""The WSGI application: endpoints, ``?wsdl``, pack XSDs, ``/healthz``, ``/metrics`` and SOAP
processing.

A POST to an endpoint goes: size limit -> envelope checks (SOAP Fault on failure) -> the
operation's fields, decoded per the contract -> ``GatewayService.handle`` -> response envelope.
Each answered request is counted (``gateway.metrics``), and its log records carry its
correlation id (``gateway.logs``).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import text

from gateway import metrics
from gateway.config import Settings
from gateway.errors import EnvelopeError, EnvelopeIncomplete, EnvelopeTooLarge
from gateway.logs import correlated
from gateway.service.gateway import (
    Decoded,
    Done,
    GatewayService,
    Outcome,
    Refused,
    ServiceRequest,
)
from gateway.soap.answers import answer, fault
from gateway.soap.codec import Binding, Chunks, decode_request
from gateway.soap.contract import Contract, load_contract
from gateway.soap.envelope import open_envelope
from gateway.soap.namespaces import ENDPOINTS, Endpoint

log = logging.getLogger("gateway.soap")

StartResponse = Callable[..., Any]
XML = "text/xml; charset=utf-8"
_SAFE_FILE = re.compile(r"^[A-Za-z0-9_.-]+\.xsd$")
_RELEASE = re.compile(r"^R\d{1,2}$")
_ADDRESS = re.compile(r'(<soap:address location=")[^"]*(")')


class SoapApplication:
    def __init__(self, settings: Settings, service: GatewayService) -> None:
        self.settings = settings
        self.service = service
        self.contracts: dict[str, Contract] = {}
        self.bindings: dict[str, Binding] = {}
        self.wsdl: dict[str, bytes] = {}
        for endpoint in ENDPOINTS:
            if endpoint.era == "legacy" and not settings.legacy_endpoints:
                continue
            contract = load_contract(settings.wsdl_dir, endpoint)
            key = endpoint.path.lower()
            self.contracts[key] = contract
            self.bindings[key] = Binding(contract)
            location = settings.base_url + endpoint.path
            served = _ADDRESS.sub(rf"\g<1>{location}\g<2>", contract.wsdl_text, count=1)
            self.wsdl[key] = served.encode("utf-8")
        self.roots = {c.endpoint.root.lower(): c.endpoint for c in self.contracts.values()}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = (environ.get("PATH_INFO") or "/").rstrip("/") or "/"
        key = path.lower()
        if key == "/healthz":
            return self._health(start_response)
        if key == "/metrics" and method == "GET":
            body, content_type = metrics.exposition(
                environ.get("HTTP_ACCEPT", ""), self.settings.metrics_dir
            )
            return _reply(start_response, "200 OK", content_type, body)
        if key in self.contracts:
            if method == "POST":
                return self._soap(environ, start_response, self.bindings[key])
            if method == "GET" and _asks_wsdl(environ.get("QUERY_STRING", "")):
                return _reply(start_response, "200 OK", XML, self.wsdl[key])
            return _reply(
                start_response,
                "405 Method Not Allowed",
                "text/plain",
                b"POST a SOAP 1.1 envelope, or GET ?wsdl\n",
            )
        parts = path.split("/")
        if method == "GET" and len(parts) == 5 and parts[2] == "xsd":
            endpoint = self.roots.get(f"/{parts[1]}".lower())
            if endpoint is not None:
                return self._xsd(start_response, endpoint, parts[3], parts[4])
        return _reply(start_response, "404 Not Found", "text/plain", b"not found\n")

    # ------------------------------------------------------------------------------------- SOAP
    def _soap(
        self, environ: dict[str, Any], start_response: StartResponse, binding: Binding
    ) -> Iterable[bytes]:
        correlation_id = str(uuid.uuid4())
        with correlated(correlation_id):
            return self._soap_request(environ, start_response, binding, correlation_id)

    def _soap_request(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        binding: Binding,
        correlation_id: str,
    ) -> Iterable[bytes]:
        started = time.perf_counter()
        contract = binding.contract
        endpoint = contract.endpoint
        source_ip = environ.get("REMOTE_ADDR")
        raw = b""
        operation = ""
        try:
            raw = _read_body(environ, self.settings.max_message_bytes, self.settings.body_timeout)
            operation, wrapper = open_envelope(raw, contract)
        except EnvelopeError as exc:
            body = fault(exc)
            req = ServiceRequest(
                endpoint.path,
                endpoint.service,
                endpoint.era,
                operation,
                lambda: Decoded(None),
                correlation_id,
                source_ip,
                raw,
            )
            self.service.journal_fault(req, exc.fault_code, exc.reason, started, len(body))
            metrics.request_answered(
                endpoint.service.value,
                operation,
                "Fault",
                exc.fault_code,
                time.perf_counter() - started,
            )
            return _reply(start_response, "500 Internal Server Error", XML, body)

        def decode() -> Decoded:
            return decode_request(binding, operation, wrapper)

        req = ServiceRequest(
            endpoint.path,
            endpoint.service,
            endpoint.era,
            operation,
            decode,
            correlation_id,
            source_ip,
            raw,
            binding.label,
        )
        # The service may ask for a second answer (Error after an Ok whose commit failed):
        # the last one asked for is the one sent, and the one counted.
        answered: list[Outcome] = []

        def answer_and_note(outcome: Outcome) -> bytes | Chunks:
            answered.append(outcome)
            return answer(binding, operation, outcome)

        answered_body = self.service.handle(req, answer_and_note)
        if answered:
            outcome, key = _outcome_label(answered[-1])
            metrics.request_answered(
                endpoint.service.value, operation, outcome, key, time.perf_counter() - started
            )
        return _reply(start_response, "200 OK", XML, answered_body)

    # ------------------------------------------------------------------------------ documents
    def _xsd(
        self, start_response: StartResponse, endpoint: Endpoint, release: str, file_name: str
    ) -> Iterable[bytes]:
        if _RELEASE.match(release) and _SAFE_FILE.match(file_name):
            path = Path(self.settings.schemas_dir) / endpoint.service.value / release / file_name
            if path.is_file():
                return _reply(start_response, "200 OK", XML, path.read_bytes())
        return _reply(start_response, "404 Not Found", "text/plain", b"no such schema\n")

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        try:
            with self.service.database.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            status = "200 OK"
            payload: dict[str, Any] = {"status": "ok", "database": "ok"}
        except Exception as exc:  # the health check reports, it does not raise
            log.warning("health check: database unavailable: %s", exc)
            status = "503 Service Unavailable"
            payload = {"status": "down", "database": "down"}
        payload["endpoints"] = sorted(c.endpoint.path for c in self.contracts.values())
        # How much of each endpoint's contract is built (every operation is, since issue 12; an
        # unbuilt one would answer Failure NOT_IMPLEMENTED).
        ops = self.service.operations
        payload["operations"] = {}
        for c in self.contracts.values():
            built = {name for name, spec in ops.items() if spec.serves(c.endpoint.service)}
            payload["operations"][c.endpoint.path] = {
                "declared": len(c.operations),
                "built": len(set(c.operations) & built),
                "not_implemented": sorted(set(c.operations) - built),
            }
        return _reply(
            start_response, status, "application/json", json.dumps(payload).encode("utf-8")
        )


def _outcome_label(outcome: Outcome) -> tuple[str, str | None]:
    """The wire code of ``outcome`` and, for a Failure, its catalogue key."""
    if isinstance(outcome, Done):
        return "Ok", None
    if isinstance(outcome, Refused):
        return "Failure", outcome.refusal.key
    return "Error", None  # Failed


def _asks_wsdl(query: str) -> bool:
    return any(k.lower() == "wsdl" for k, _ in parse_qsl(query, keep_blank_values=True))


#: Bytes asked of ``wsgi.input`` at a time: the size limit is checked as they arrive.
_BODY_CHUNK = 64 * 1024


def _read_body(environ: dict[str, Any], limit: int, timeout: float) -> bytes:
    """The request body, read in chunks; refused as soon as it passes ``limit`` bytes (however
    it is framed) or is not in within ``timeout`` seconds. ``gateway serve``'s worker has the
    whole request buffered by then; other servers (tests, wsgiref) stream it from the socket."""
    length_text = environ.get("CONTENT_LENGTH") or ""
    stream = environ["wsgi.input"]
    want = limit + 1  # one byte over the limit is enough to refuse
    if length_text.isdigit():
        length = int(length_text)
        if length > limit:
            raise EnvelopeTooLarge(f"request body of {length} bytes exceeds {limit} bytes")
        want = length
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    received = 0
    while received < want:
        try:
            chunk: bytes = stream.read(min(_BODY_CHUNK, want - received))
        except TimeoutError as exc:
            raise EnvelopeIncomplete(f"request body not received within {timeout:g} s") from exc
        if not chunk:
            break
        chunks.append(chunk)
        received += len(chunk)
        if received > limit:
            raise EnvelopeTooLarge(f"request body exceeds {limit} bytes")
        if time.monotonic() > deadline and received < want:
            raise EnvelopeIncomplete(f"request body not received within {timeout:g} s")
    return b"".join(chunks)


def _reply(
    start_response: StartResponse, status: str, content_type: str, body: bytes | Chunks
) -> Iterable[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return body if isinstance(body, Chunks) else [body]
