"""The gateway's exception tree.

Every error the gateway raises on purpose is a ``GatewayError``. ``GatewayService.handle``
(gateway.service.gateway) turns what a request ended with into an ``Outcome``: ``Refused`` for a
refusal (its catalogue key, operations.md section 6), ``Failed`` for anything else. One module,
``gateway.soap.answers``, writes every answer: ``Failure`` for a refusal (with ``claimInfo``
where the refusal carries the claim and the operation's result declares it), ``Error`` /
``INTERNAL_ERROR`` for a failure, and a SOAP Fault for an envelope error. Refusals name request
fields by their path in the typed request (``claim_data.application_id``); the answer names them
as the caller sent them (``claimData/applicationId``).

    GatewayError
    ├── EnvelopeError                  -> SOAP Fault (faultcode in ``fault_code``)
    │   ├── EnvelopeNotWellFormed      body not XML, or not a SOAP 1.1 Envelope/Body
    │   ├── EnvelopeVersionMismatch    SOAP 1.2 namespace
    │   ├── UnknownOperation           body element not in the endpoint's operation set
    │   ├── EnvelopeTooLarge           over the message-size limit
    │   ├── EnvelopeIncomplete         body not received in time (``body_timeout``)
    │   ├── EnvelopeForbiddenConstruct DTD, entity declaration, processing instruction
    │   └── MustUnderstandFault        unknown header block with mustUnderstand="1"
    ├── Refusal                        -> Failure (catalogue ``key``; nothing was changed)
    │   ├── AuthRefusal                AUTH_* keys
    │   ├── ProfileNotAllowed          PROFILE_NOT_ALLOWED
    │   ├── InputMissing / InputInvalid
    │   ├── ClaimNotFound / ClaimDeleted / ClaimLocked / NotLockOwner
    │   ├── GuidStale / PhaseNotAllowed
    │   ├── PackRefusal                the embedded XML pack was refused
    │   │   ├── XmlNotWellFormed
    │   │   ├── XmlForbiddenConstruct
    │   │   ├── XmlLimitExceeded       (INPUT_INVALID: size, depth, element count)
    │   │   └── XsdInvalid             all violations, each with path and line
    │   ├── BusinessRuleViolation      BUSINESS_RULE with rule ids
    │   ├── NotFound                   NOT_FOUND
    │   ├── AttachmentTooLarge / AttachmentType / AttachmentLimit
    │   ├── RateLimited                RATE_LIMITED
    │   └── OperationNotAvailable      NOT_IMPLEMENTED (operation of a later release of the product)
    ├── StartupError                   the gateway refuses to start (bad configuration, broken XSD)
    └── LifecycleError                 (gateway.domain.lifecycle) a broken lifecycle table, or a
        │                              handler that did not supply a transition's facts: a bug,
        │                              answered as Error/INTERNAL_ERROR
        └── DeadlineTableError         (gateway.domain.phase_deadlines) a broken phase-deadline
                                       table, or a deadline's facts or dates not supplied
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar


class GatewayError(Exception):
    """Base of every error the gateway raises on purpose."""


# --------------------------------------------------------------------------------------- envelope
class EnvelopeError(GatewayError):
    """An envelope-level problem: answered with a SOAP 1.1 Fault and HTTP 500."""

    fault_code: ClassVar[str] = "soap:Client"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EnvelopeNotWellFormed(EnvelopeError):
    pass


class EnvelopeVersionMismatch(EnvelopeError):
    fault_code = "soap:VersionMismatch"


class UnknownOperation(EnvelopeError):
    pass


class EnvelopeTooLarge(EnvelopeError):
    pass


class EnvelopeIncomplete(EnvelopeError):
    pass


class EnvelopeForbiddenConstruct(EnvelopeError):
    pass


class MustUnderstandFault(EnvelopeError):
    fault_code = "soap:MustUnderstand"


# --------------------------------------------------------------------------------------- refusals
#: Catalogue messages of operations.md section 6, by key.
MESSAGES: Mapping[str, str] = {
    "AUTH_LOGIN_FAILED": "Wrong user name or password",
    "AUTH_PASSWORD_EXPIRED": "Your password has expired",
    "AUTH_ACCOUNT_DISABLED": "Your account has been disabled",
    "AUTH_ACCOUNT_EXPIRED": (
        "Your account has expired because it has not been extended by the Administrator"
    ),
    "AUTH_ACCOUNT_LOCKED": "Your account is temporarily locked",
    "AUTH_NOT_A2A_USER": "This user is not enabled for A2A access",
    "AUTH_ASUSER_INVALID": "The AsUser is not valid for this A2A user",
    "AUTH_TOKEN_INVALID": "Invalid access token",
    "AUTH_TOKEN_EXPIRED": "Access token expired",
    "AUTH_REFRESH_INVALID": "Invalid or expired refresh token",
    "AUTH_PASSWORD_POLICY": ("New password not set: it does not meet the password rules"),
    "PROFILE_NOT_ALLOWED": "Your profile can't grant you access to this function",
    "INPUT_MISSING": "Missing field",
    "INPUT_INVALID": "Invalid field",
    "CLAIM_NOT_FOUND": "Claim not found",
    "CLAIM_DELETED": "The claim has been deleted",
    "CLAIM_LOCKED": "The claim is locked by another user",
    "NOT_LOCK_OWNER": "The claim is not locked by you",
    "GUID_STALE": "The claim has moved on; refresh its status",
    "PHASE_NOT_ALLOWED": "Operation not allowed in phase",
    "XML_NOT_WELL_FORMED": "The XML document is not well formed",
    "XML_FORBIDDEN_CONSTRUCT": "DTDs and entity declarations are not allowed",
    "XSD_INVALID": "The XML document does not conform to its schema",
    "BUSINESS_RULE": "A business rule was not met",
    "ATTACHMENT_TOO_LARGE": "The attachment is too large",
    "ATTACHMENT_TYPE": "The attachment type is not allowed",
    "ATTACHMENT_LIMIT": "The claim has reached its attachment limit",
    "NOT_FOUND": "Not found",
    "RATE_LIMITED": "Too many requests; retry later",
    "NOT_IMPLEMENTED": "This operation is not available yet on this gateway",
}


#: A field path of a typed request, as refusals name them: ``claim_data.application_id``.
_FIELD_PATH = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?:\.[a-z][a-z0-9_]*)*\b")


class Refusal(GatewayError):
    """A business, validation, authentication or authorisation refusal: ``Failure`` on the wire.

    ``key`` is the catalogue key, ``specifics`` what follows it in ``details``. ``field`` names
    the request field at fault by its path in the operation's typed request
    (``claim_data.application_id``); a front end renders it in its own names (``details``'s
    ``label``: the SOAP layer writes ``claimData/applicationId``). ``claim`` is the claim's
    current ``ClaimInfo`` where the refusal tells the caller where the claim stands (a stale
    GUID, a phase that does not allow the operation); the answer carries it where the
    operation's result declares it. ``context`` holds further structured facts (phase,
    operation, element path ...) for the journal and for tests.
    """

    key: ClassVar[str] = "INPUT_INVALID"

    def __init__(
        self,
        specifics: str = "",
        *,
        message: str | None = None,
        key: str | None = None,
        field: str | None = None,
        claim: object | None = None,
        **context: Any,
    ) -> None:
        if key is not None:
            self.key = key  # type: ignore[misc]
        self.specifics = specifics
        self.message = message or MESSAGES.get(self.key, self.key)
        self.field = field
        self.claim = claim
        self.context: dict[str, Any] = context
        super().__init__(f"{self.key}: {specifics}" if specifics else self.key)

    def rendered(self, label: Callable[[str], str] | None = None) -> str:
        """``specifics`` with the request fields it names (``field`` and any other field path
        in it) named by ``label``, a front end's name for a path."""
        if self.field is None or label is None:
            return self.specifics
        return _FIELD_PATH.sub(lambda match: label(match.group(0)), self.specifics)

    @property
    def details(self) -> str:
        """The answer's ``details``: the key, then the specifics (fields by their paths)."""
        return self.details_for(None)

    def details_for(self, label: Callable[[str], str] | None) -> str:
        """``details`` with the fields named by ``label``, a front end's name for a path."""
        specifics = self.rendered(label)
        return f"{self.key}: {specifics}" if specifics else self.key


class AuthRefusal(Refusal):
    key = "AUTH_LOGIN_FAILED"


class ProfileNotAllowed(Refusal):
    key = "PROFILE_NOT_ALLOWED"


class InputMissing(Refusal):
    key = "INPUT_MISSING"


class InputInvalid(Refusal):
    key = "INPUT_INVALID"


class ClaimNotFound(Refusal):
    key = "CLAIM_NOT_FOUND"


class ClaimDeleted(Refusal):
    key = "CLAIM_DELETED"


class ClaimLocked(Refusal):
    key = "CLAIM_LOCKED"


class NotLockOwner(Refusal):
    key = "NOT_LOCK_OWNER"


class GuidStale(Refusal):
    key = "GUID_STALE"


class PhaseNotAllowed(Refusal):
    key = "PHASE_NOT_ALLOWED"


class PackRefusal(Refusal):
    """The embedded XML pack of a request was refused."""


class XmlNotWellFormed(PackRefusal):
    key = "XML_NOT_WELL_FORMED"

    def __init__(self, reason: str, line: int | None = None, column: int | None = None) -> None:
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(f"{where}{reason}", line=line, column=column)
        self.line = line
        self.column = column
        self.reason = reason


class XmlForbiddenConstruct(PackRefusal):
    key = "XML_FORBIDDEN_CONSTRUCT"


class XmlLimitExceeded(PackRefusal):
    key = "INPUT_INVALID"


@dataclass(frozen=True)
class Violation:
    """One violation found in a pack: an XSD reason or a business rule, with where it is."""

    path: str
    message: str
    line: int | None = None
    rule: str | None = None  # business rule id (``CNF-04``); None for an XSD violation

    def render(self) -> str:
        where = f"{self.path}" + (f" (line {self.line})" if self.line is not None else "")
        return f"{self.rule} {where}: {self.message}" if self.rule else f"{where}: {self.message}"


class XsdInvalid(PackRefusal):
    key = "XSD_INVALID"

    def __init__(self, schema_file: str, violations: Sequence[Violation]) -> None:
        self.schema_file = schema_file
        self.violations = list(violations)
        super().__init__(
            "; ".join(v.render() for v in self.violations),
            message=f"The XML document does not conform to {schema_file}",
        )


class BusinessRuleViolation(Refusal):
    key = "BUSINESS_RULE"

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = list(violations)
        first = self.violations[0] if self.violations else None
        super().__init__(
            "; ".join(v.render() for v in self.violations),
            message=f"{first.rule} {first.message}" if first else None,
        )


class NotFound(Refusal):
    key = "NOT_FOUND"


class AttachmentTooLarge(Refusal):
    key = "ATTACHMENT_TOO_LARGE"


class AttachmentType(Refusal):
    key = "ATTACHMENT_TYPE"


class AttachmentLimit(Refusal):
    key = "ATTACHMENT_LIMIT"


class RateLimited(Refusal):
    key = "RATE_LIMITED"


class OperationNotAvailable(Refusal):
    key = "NOT_IMPLEMENTED"


# --------------------------------------------------------------------------------------- start-up
@dataclass
class StartupError(GatewayError):
    """The gateway refuses to start: bad configuration or a schema that does not compile."""

    reason: str
    context: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.reason
