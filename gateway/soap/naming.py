"""How the contract's wire names become Python names, the one rule the codec and the generator of
``gateway.service.messages`` share: ``acceptClaim`` -> ``AcceptClaim`` (a type),
``insurerClaimReferenceNumber`` -> ``insurer_claim_reference_number`` (a field)."""

from __future__ import annotations

import keyword
import re

_ACRONYM_THEN_WORD = re.compile(r"([A-Z]+)([A-Z][a-z])")
_LOWER_THEN_UPPER = re.compile(r"([a-z])([A-Z])")
_DIGIT_THEN_WORD = re.compile(r"(\d)([A-Z][a-z])")

#: Fields of an operation's request that authenticate the call: the gateway reads them, the
#: operation's typed request does not carry them.
CREDENTIAL_FIELDS = frozenset({"accessToken", "userAuth"})


def field_name(wire: str) -> str:
    """The Python attribute of a wire element: ``A2ANotification`` -> ``a2a_notification``."""
    name = _ACRONYM_THEN_WORD.sub(r"\1_\2", wire)
    name = _DIGIT_THEN_WORD.sub(r"\1_\2", _LOWER_THEN_UPPER.sub(r"\1_\2", name)).lower()
    return f"{name}_" if keyword.iskeyword(name) else name


def class_name(wire_type: str) -> str:
    """The Python class of a contract type: ``claimInfoResponse`` -> ``ClaimInfoResponse``."""
    return wire_type[:1].upper() + wire_type[1:]
