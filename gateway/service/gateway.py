"""The processing path of every A2A request, after the envelope: one unit of work per request.

authenticate -> service access (profile) -> handler -> journal -> commit. A handler takes a
``Call`` of its operation's typed request (``gateway.service.messages``) and returns its typed
result; the service hands the ``Outcome`` (``Done``, ``Refused`` or ``Failed``) to the front
end's one translator, which writes the answer. A refusal rolls the handler's work back and
leaves only its journal entry (and the refusal's own bookkeeping, such as a counted failed
login), written here and nowhere else. Anything unexpected becomes ``Failed`` with an incident
id; its traceback goes to the log, never to the caller. Nothing here knows SOAP.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping, Sized
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

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
from gateway.service import bounds, messages
from gateway.service.auth import Authenticator, Caller
from gateway.service.clock import Clock
from gateway.service.credentials import masked_request
from gateway.service.rate_limits import FAILED_LOGIN_KEYS, RateLimits, rate_limits_for
from gateway.service.unit_of_work import Database, UnitOfWork

log = logging.getLogger("gateway.requests")

AUTH_OPERATIONS = frozenset({"getToken", "refreshToken", "changePassword"})
#: Operations open to any authenticated user, claims profile or not (security.md section 3.2).
NO_CLAIMS_PROFILE = frozenset({"getMyUsersList", "getBranchesList", "getOrganisation"})
MESSAGE_STORE_MAX = 10 * 1024 * 1024
ACCESS_TOKEN_MAX = 128  # issued tokens have 43 characters (security.md 1)


@dataclass
class JournalFacts:
    """What a handler learnt that the journal records: the claim and its phase and GUID."""

    application_id: str | None = None
    phase_before: str | None = None
    phase_after: str | None = None
    guid_before: str | None = None
    guid_after: str | None = None
    pack_sha256: str | None = None
    transition: str | None = None  # the lifecycle row the step took (R1, E12, ...)
    note: str | None = None  # what an Ok step's journal entry says besides (its ``detail``)
    user_id: str | None = None
    as_user_id: str | None = None
    client_id: str | None = None
    family_id: str | None = None

    def record_pack(self, text: str) -> None:
        self.pack_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()


Request = TypeVar("Request")
#: A front end's answer: anything whose ``len()`` is its size in bytes (the journal records it).
Body = TypeVar("Body", bound=Sized)
Value = TypeVar("Value")


@dataclass
class Call(Generic[Request]):
    """One operation call as a handler sees it: its typed request and what it may use."""

    operation: str
    service: Service
    request: Request
    uow: UnitOfWork
    now: datetime
    settings: Settings
    auth: Authenticator
    caller: Caller | None = None
    facts: JournalFacts = field(default_factory=JournalFacts)
    env: Any = None  # gateway.service.claims.workflow.ClaimsEnvironment (schemas, calendar)
    prepared: Any = None  # what the operation's ``prepare`` step returned

    @property
    def who(self) -> Caller:
        assert self.caller is not None, "handler of an authenticated operation"
        return self.caller


def required(value: Value | None, field: str) -> Value:
    """``value``, which the operation needs: ``INPUT_MISSING`` if absent or blank. ``field`` is
    its path in the typed request (``claim_data.application_id``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InputMissing(field, field=field)
    return value


def required_flag(value: bool | None, field: str) -> bool:
    """A required ``xs:boolean`` (the codec has already read ``true|false|1|0``)."""
    if not isinstance(value, bool):
        raise InputInvalid(f"{field} must be true or false", field=field)
    return value


def given(value: str | None) -> str | None:
    """An optional text field: None when absent or blank."""
    return value if value is not None and value.strip() else None


Handler = Callable[[Call[Any]], Any]


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
    prepare: Callable[[Call[Any]], Any] | None = None
    #: The services the operation is built for (operations.md 3: RTA-only and EL/PL-only
    #: operations); another service's endpoint answers it ``NOT_IMPLEMENTED``.
    services: frozenset[Service] = frozenset(Service)

    def serves(self, service: Service) -> bool:
        return service in self.services


@dataclass(frozen=True)
class Decoded:
    """An operation's request as a front end read it: the typed message (a class of
    ``gateway.service.messages``) and, beside it, the credentials the gateway checks."""

    request: Any
    access_token: str | None = None
    user_auth: messages.UserAuth | None = None


@dataclass(frozen=True)
class Done:
    """The operation was carried out: ``result`` is its result message."""

    result: Any


@dataclass(frozen=True)
class Refused:
    """The operation was refused; nothing but the journal entry (and the refusal's own
    bookkeeping) was written."""

    refusal: Refusal


@dataclass(frozen=True)
class Failed:
    """Something unexpected: the caller gets ``INTERNAL_ERROR`` and the incident id."""

    incident: str


Outcome = Done | Refused | Failed


def _plain(path: str) -> str:
    return path


@dataclass(frozen=True)
class ServiceRequest:
    endpoint: str
    service: Service
    era: str  # token | legacy
    operation: str
    decode: Callable[[], Decoded]  # the typed request; may raise InputInvalid
    correlation_id: str
    source_ip: str | None
    raw: bytes
    #: How the front end names a request field (``claim_data.application_id``) to its caller.
    label: Callable[[str], str] = _plain


class GatewayService:
    def __init__(
        self,
        settings: Settings,
        database: Database,
        auth: Authenticator,
        clock: Clock,
        operations: Mapping[str, OperationSpec],
        env: Any = None,
        rate_limits: RateLimits | None = None,
    ) -> None:
        self.env = env
        self.rate_limits = rate_limits or rate_limits_for(settings, database)
        self.settings = settings
        self.database = database
        self.auth = auth
        self.clock = clock
        self.operations = operations

    def handle(self, req: ServiceRequest, answer: Callable[[Outcome], Body]) -> Body:
        """Run ``req`` and journal it; ``answer`` turns its outcome into the response body
        (the front end's one translator: ``gateway.soap.answers`` for SOAP)."""
        started = time.perf_counter()
        now = self.clock.now()
        facts = JournalFacts()
        # Token-era requests authenticate from a read snapshot; a read-only operation goes on
        # reading until its journal entry, any other starts writing once it knows who calls
        # (_run). A legacy userAuth check writes the user row (failure counter): it writes from
        # the start, as the token operations themselves do.
        reads_first = req.era == "token" and req.operation not in AUTH_OPERATIONS
        spec = self.operations.get(req.operation)
        read_only = spec is not None and spec.reads_only
        committing = False  # its COMMIT has been asked for (``result`` is then the answer)
        try:
            with self.database.unit_of_work(reads_first=reads_first, read_only=read_only) as uow:
                result = self._run(req, uow, now, facts)
                body = answer(Done(result))
                uow.start_writing()
                committing = True
                uow.commit(
                    last=lambda: self._journal(
                        uow, req, facts, "Ok", None, facts.note, started, len(body), now
                    )
                )
                return body
        except Refusal as refusal:
            body = answer(Refused(refusal))
            self._journal_alone(req, facts, "Failure", refusal, started, len(body), now)
            return body
        except Exception:
            log.exception("incident %s in %s", req.correlation_id, req.operation)
            if committing and self._committed(req.correlation_id):
                # The server committed, but the connection was lost before its answer came
                # back: the work and its Ok entry are durable, and the caller is told so.
                log.warning("%s: committed although the commit failed; answered Ok", req.operation)
                return answer(Done(result))
            body = answer(Failed(req.correlation_id))
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
    def _committed(self, correlation_id: str) -> bool:
        """Whether the journal holds the Ok entry of the request ``correlation_id``: whether a
        COMMIT whose answer was lost with its connection took effect (it writes that entry)."""
        try:
            with self.database.unit_of_work() as uow:
                entry = uow.journal.by_correlation(correlation_id)
                return entry is not None and entry.outcome == "Ok"
        except Exception:
            log.exception("could not read the journal entry of %s", correlation_id)
            return False

    def _run(self, req: ServiceRequest, uow: UnitOfWork, now: datetime, facts: JournalFacts) -> Any:
        decoded = req.decode()
        if req.operation in AUTH_OPERATIONS:  # journaled even if the request is refused next
            facts.user_id = getattr(decoded.request, "user_id", None) or None
            facts.as_user_id = getattr(decoded.request, "user_as_id", None) or None
            facts.client_id = getattr(decoded.request, "client_id", None) or None
        bounds.check(decoded.request)
        if decoded.user_auth is not None:
            bounds.check(decoded.user_auth, "user_auth")
        call: Call[Any] = Call(
            req.operation,
            req.service,
            decoded.request,
            uow,
            now,
            self.settings,
            self.auth,
            facts=facts,
            env=self.env,
        )
        # Requests that check a password or a refresh token: an address over its failed logins
        # is refused before any is checked, and each failure here counts towards its limit.
        logs_in = req.operation in AUTH_OPERATIONS or req.era == "legacy"
        if logs_in:
            self.rate_limits.check_logins_from(req.source_ip)
        try:
            return self._run_checked(req, call, decoded, facts)
        except Refusal as refusal:
            if logs_in and refusal.key in FAILED_LOGIN_KEYS and req.source_ip:
                refusal.context["failed_login_from"] = req.source_ip
            raise

    def _run_checked(
        self, req: ServiceRequest, call: Call[Any], decoded: Decoded, facts: JournalFacts
    ) -> Any:
        if req.operation not in AUTH_OPERATIONS:
            call.caller = self._authenticate(call, req, decoded)
            caller = call.caller
            facts.user_id, facts.as_user_id = caller.user_id, caller.as_user_id
            facts.client_id, facts.family_id = caller.client_id, caller.family_id
            self.rate_limits.admit(caller.user_id)  # before any work for the request
            if req.operation not in NO_CLAIMS_PROFILE and not has_claims_profile(
                caller.profiles, caller.side, req.service
            ):
                raise ProfileNotAllowed(f"no claims profile for {req.service.process_name}")
        spec = self.operations.get(req.operation)
        if spec is None or not spec.serves(req.service):
            raise OperationNotAvailable(req.operation, operation=req.operation)
        if spec.side is not None and call.caller is not None and call.caller.side != spec.side:
            raise ProfileNotAllowed(f"{req.operation} is for {spec.side.value} organisations")
        if not spec.reads_only:
            if spec.prepare is not None:
                call.prepared = spec.prepare(call)
            call.uow.start_writing()  # the handler's reads and writes are one transaction
        return spec.handler(call)

    def _authenticate(self, call: Call[Any], req: ServiceRequest, decoded: Decoded) -> Caller:
        if req.era == "legacy":
            auth = decoded.user_auth
            if auth is None or not auth.username:
                raise InputMissing("user_auth", field="user_auth")
            call.facts.user_id = auth.username
            return self.auth.authenticate_legacy(
                call.uow, auth.username, auth.as_user or "", auth.password or "", call.now
            )
        if not decoded.access_token:
            raise AuthRefusal("accessToken missing", key="AUTH_TOKEN_INVALID")
        if len(decoded.access_token) > ACCESS_TOKEN_MAX:  # no token of ours is that long
            raise AuthRefusal("accessToken too long", key="AUTH_TOKEN_INVALID")
        return self.auth.authenticate_token(call.uow, decoded.access_token, call.now)

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
            uow.commit(
                last=lambda: self._journal(
                    uow,
                    req,
                    facts,
                    outcome,
                    refusal.key if refusal else ("INTERNAL_ERROR" if outcome == "Error" else None),
                    refusal.rendered(req.label) if refusal else None,
                    started,
                    response_bytes,
                    now,
                )
            )

    def _refusal_bookkeeping(self, uow: UnitOfWork, refusal: Refusal, now: datetime) -> None:
        failed = refusal.context.get("failed_login")
        if failed:
            self.auth.record_failed_login(uow, str(failed), now)
        family = refusal.context.get("revoke_family")
        if family:
            uow.tokens.revoke_family(str(family), now)
        address = refusal.context.get("failed_login_from")
        if address:
            self.rate_limits.count_failed_login(str(address))

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
        body = masked_request(req.raw[:MESSAGE_STORE_MAX])[:MESSAGE_STORE_MAX]
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
                "transition": facts.transition if outcome == "Ok" else None,
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
