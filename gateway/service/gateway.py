"""The processing path of every A2A request, after the envelope: one unit of work per request.

authenticate -> service access (profile) -> handler -> journal -> commit. A refusal rolls the
handler's work back and leaves only its journal entry (and the refusal's own bookkeeping, such
as a counted failed login). Anything unexpected becomes ``Error`` with an incident id; its
traceback goes to the log, never to the caller.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gateway.config import Settings
from gateway.domain.profiles import has_claims_profile
from gateway.domain.services import Service, Side
from gateway.errors import (
    AuthRefusal,
    InputInvalid,
    InputMissing,
    OperationNotAvailable,
    ProfileNotAllowed,
    Refusal,
)
from gateway.service.auth import Authenticator, Caller
from gateway.service.clock import Clock
from gateway.service.unit_of_work import Database, UnitOfWork

log = logging.getLogger("gateway.requests")

AUTH_OPERATIONS = frozenset({"getToken", "refreshToken", "changePassword"})
#: Operations open to any authenticated user, claims profile or not (security.md section 3.2).
NO_CLAIMS_PROFILE = frozenset({"getMyUsersList", "getBranchesList", "getOrganisation"})
_SECRET_ELEMENTS = re.compile(
    rb"(<(?:[\w.-]+:)?(password|oldPassword|newPassword|accessToken|refreshToken)\b[^>]*>)"
    rb"(.*?)(</(?:[\w.-]+:)?\2\s*>)",
    re.DOTALL,
)
MESSAGE_STORE_MAX = 10 * 1024 * 1024


def mask_credentials(raw: bytes) -> bytes:
    """The envelope with every password and token replaced by ``***``."""
    return _SECRET_ELEMENTS.sub(lambda m: m.group(1) + b"***" + m.group(4), raw)


@dataclass
class JournalFacts:
    """What a handler learnt that the journal records: the claim and its phase and GUID."""

    application_id: str | None = None
    phase_before: str | None = None
    phase_after: str | None = None
    guid_before: str | None = None
    guid_after: str | None = None
    pack_sha256: str | None = None
    user_id: str | None = None
    as_user_id: str | None = None
    client_id: str | None = None
    family_id: str | None = None

    def record_pack(self, text: str) -> None:
        self.pack_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Call:
    """One operation call as a handler sees it."""

    operation: str
    service: Service
    fields: Mapping[str, Any]
    uow: UnitOfWork
    now: datetime
    settings: Settings
    auth: Authenticator
    caller: Caller | None = None
    facts: JournalFacts = field(default_factory=JournalFacts)
    env: Any = None  # gateway.service.claims.workflow.ClaimsEnvironment (schemas, calendar)
    prepared: Any = None  # what the operation's ``prepare`` step returned

    def require(self, name: str) -> Any:
        value = self.fields.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InputMissing(name, field=name)
        return value

    def require_flag(self, name: str) -> bool:
        """A required ``xs:boolean`` (the codec has already read ``true|false|1|0``)."""
        value = self.fields.get(name)
        if not isinstance(value, bool):
            raise InputInvalid(f"{name} must be true or false", field=name)
        return value

    def optional(self, name: str, default: Any = None) -> Any:
        value = self.fields.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return default
        return value

    @property
    def who(self) -> Caller:
        assert self.caller is not None, "handler of an authenticated operation"
        return self.caller


Handler = Callable[[Call], dict[str, Any]]


@dataclass(frozen=True)
class OperationSpec:
    """How the gateway runs an operation: its handler and the side allowed to call it."""

    handler: Handler
    side: Side | None = None  # CR-only or COMP-only operations
    #: The operation only reads: its request reads without queueing behind writers and writes
    #: only its journal entry (``UnitOfWork.reads_first``).
    reads_only: bool = False
    #: Work a writing operation does before it starts writing (before the SQLite writer lock),
    #: reading only: judging a pack. Its result is ``Call.prepared``; a refusal ends the request
    #: there. The handler must re-check under the lock whatever another writer could change.
    prepare: Callable[[Call], Any] | None = None


@dataclass(frozen=True)
class ServiceRequest:
    endpoint: str
    service: Service
    era: str  # token | legacy
    operation: str
    decode: Callable[[], Mapping[str, Any]]  # the operation's fields; may raise InputInvalid
    correlation_id: str
    source_ip: str | None
    raw: bytes


def ok(message: str = "Done", **extra: Any) -> dict[str, Any]:
    return {"code": "Ok", "message": message, "details": "", "trace": "", **extra}


class GatewayService:
    def __init__(
        self,
        settings: Settings,
        database: Database,
        auth: Authenticator,
        clock: Clock,
        operations: Mapping[str, OperationSpec],
        env: Any = None,
    ) -> None:
        self.env = env
        self.settings = settings
        self.database = database
        self.auth = auth
        self.clock = clock
        self.operations = operations

    def handle(self, req: ServiceRequest, encode: Callable[[dict[str, Any]], bytes]) -> bytes:
        started = time.perf_counter()
        now = self.clock.now()
        facts = JournalFacts()
        # Token-era requests authenticate from a read snapshot; a read-only operation goes on
        # reading until its journal entry, any other starts writing once it knows who calls
        # (_run). A legacy userAuth check writes the user row (failure counter): it writes from
        # the start, as the token operations themselves do.
        reads_first = req.era == "token" and req.operation not in AUTH_OPERATIONS
        try:
            with self.database.unit_of_work(reads_first=reads_first) as uow:
                call = Call(
                    req.operation,
                    req.service,
                    {},
                    uow,
                    now,
                    self.settings,
                    self.auth,
                    facts=facts,
                    env=self.env,
                )
                result = self._run(call, req)
                body = encode(result)
                uow.start_writing()
                self._journal(uow, req, facts, "Ok", None, None, started, len(body), now)
                uow.commit()
                return body
        except Refusal as refusal:
            body = encode(self._failure(refusal))
            self._journal_alone(req, facts, "Failure", refusal, started, len(body), now)
            return body
        except Exception:
            log.exception("incident %s in %s", req.correlation_id, req.operation)
            body = encode(
                {
                    "code": "Error",
                    "message": "An unexpected error occurred",
                    "details": "INTERNAL_ERROR",
                    "trace": req.correlation_id,
                }
            )
            self._journal_alone(req, facts, "Error", None, started, len(body), now)
            return body

    def journal_fault(
        self, req: ServiceRequest, fault_code: str, reason: str, started: float, response_bytes: int
    ) -> None:
        """Journal a request answered with a SOAP Fault (no operation could be run)."""
        facts = JournalFacts()
        refusal = Refusal(reason[:400], key=fault_code)
        try:
            self._journal_alone(
                req, facts, "Fault", refusal, started, response_bytes, self.clock.now()
            )
        except Exception:
            log.exception("could not journal fault %s", req.correlation_id)

    # -------------------------------------------------------------------------------- internals
    def _run(self, call: Call, req: ServiceRequest) -> dict[str, Any]:
        call.fields = req.decode()
        if req.operation not in AUTH_OPERATIONS:
            call.caller = self._authenticate(call, req)
            facts = call.facts
            facts.user_id, facts.as_user_id = call.caller.user_id, call.caller.as_user_id
            facts.client_id, facts.family_id = call.caller.client_id, call.caller.family_id
            if req.operation not in NO_CLAIMS_PROFILE and not has_claims_profile(
                call.caller.profiles, call.caller.side, req.service
            ):
                raise ProfileNotAllowed(f"no claims profile for {req.service.process_name}")
        else:
            call.facts.user_id = str(call.fields.get("userID") or "") or None
            call.facts.as_user_id = str(call.fields.get("userAsID") or "") or None
            call.facts.client_id = str(call.fields.get("clientID") or "") or None
        spec = self.operations.get(req.operation)
        if spec is None:
            raise OperationNotAvailable(req.operation, operation=req.operation)
        if spec.side is not None and call.caller is not None and call.caller.side != spec.side:
            raise ProfileNotAllowed(f"{req.operation} is for {spec.side.value} organisations")
        if not spec.reads_only:
            if spec.prepare is not None:
                call.prepared = spec.prepare(call)
            call.uow.start_writing()  # the handler's reads and writes are one transaction
        return spec.handler(call)

    def _authenticate(self, call: Call, req: ServiceRequest) -> Caller:
        if req.era == "legacy":
            auth = call.fields.get("userAuth") or {}
            if not isinstance(auth, Mapping) or not auth.get("username"):
                raise InputMissing("userAuth", field="userAuth")
            call.facts.user_id = str(auth.get("username"))
            return self.auth.authenticate_legacy(
                call.uow,
                str(auth.get("username") or ""),
                str(auth.get("asUser") or ""),
                str(auth.get("password") or ""),
                call.now,
            )
        token = call.fields.get("accessToken")
        if not token:
            raise AuthRefusal("accessToken missing", key="AUTH_TOKEN_INVALID")
        return self.auth.authenticate_token(call.uow, str(token), call.now)

    def _failure(self, refusal: Refusal) -> dict[str, Any]:
        result: dict[str, Any] = {
            "code": "Failure",
            "message": refusal.message,
            "details": refusal.details,
            "trace": "",
        }
        result.update(refusal.context.get("response_extra", {}))
        return result

    def _journal_alone(
        self,
        req: ServiceRequest,
        facts: JournalFacts,
        outcome: str,
        refusal: Refusal | None,
        started: float,
        response_bytes: int,
        now: datetime,
    ) -> None:
        with self.database.unit_of_work() as uow:
            if refusal is not None:
                self._refusal_bookkeeping(uow, refusal, now)
            self._journal(
                uow,
                req,
                facts,
                outcome,
                refusal.key if refusal else ("INTERNAL_ERROR" if outcome == "Error" else None),
                refusal.specifics if refusal else None,
                started,
                response_bytes,
                now,
            )
            uow.commit()

    def _refusal_bookkeeping(self, uow: UnitOfWork, refusal: Refusal, now: datetime) -> None:
        failed = refusal.context.get("failed_login")
        if failed:
            self.auth.record_failed_login(uow, str(failed), now)
        family = refusal.context.get("revoke_family")
        if family:
            uow.tokens.revoke_family(str(family), now)

    def _journal(
        self,
        uow: UnitOfWork,
        req: ServiceRequest,
        facts: JournalFacts,
        outcome: str,
        key: str | None,
        detail: str | None,
        started: float,
        response_bytes: int,
        now: datetime,
    ) -> None:
        body = mask_credentials(req.raw[:MESSAGE_STORE_MAX])
        uow.journal.append(
            {
                "at": now,
                "correlation_id": req.correlation_id,
                "endpoint": req.endpoint,
                "service": req.service.process_name,
                "operation": req.operation or None,
                "actor": None,
                "user_id": facts.user_id,
                "as_user_id": facts.as_user_id,
                "client_id": facts.client_id,
                "token_family": facts.family_id,
                "source_ip": req.source_ip,
                "application_id": facts.application_id,
                "phase_before": facts.phase_before,
                "phase_after": facts.phase_after,
                "guid_before": facts.guid_before,
                "guid_after": facts.guid_after,
                "outcome": outcome,
                "error_key": key,
                "detail": (detail or None) and detail[:500],
                "duration_ms": int((time.perf_counter() - started) * 1000),
                "request_bytes": len(req.raw),
                "response_bytes": response_bytes,
                "pack_sha256": facts.pack_sha256 if outcome == "Ok" else None,
            },
            {
                "correlation_id": req.correlation_id,
                "received_at": now,
                "endpoint": req.endpoint,
                "expires_at": now + timedelta(days=self.settings.message_retention_days),
                "body": body,
                "truncated": len(req.raw) > MESSAGE_STORE_MAX,
            },
        )
