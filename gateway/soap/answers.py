"""The one translator from outcomes to the wire: every SOAP answer the gateway sends is made here.

* ``Done``: the handler's result message, with ``code`` ``Ok`` (and empty ``details`` and
  ``trace`` where it left them unset).
* ``Refused``: the operation's own result type with ``code`` ``Failure``, the catalogue message,
  ``details`` = the key and its specifics (fields named as the caller sent them), and the claim's
  ``claimInfo`` when the refusal says where the claim stands AND the operation's result declares
  ``claimInfo`` (the contract decides, not the code that refused).
* ``Failed``: ``code`` ``Error``, ``INTERNAL_ERROR`` and the incident id in ``trace``.
* An envelope error (no operation could be read): a SOAP 1.1 Fault.
"""

from __future__ import annotations

from typing import Any

from gateway.errors import EnvelopeError
from gateway.service.gateway import Done, Outcome, Refused
from gateway.soap.codec import Binding, Chunks, encode_envelope, fault_envelope

UNEXPECTED = "An unexpected error occurred"


def answer(binding: Binding, operation: str, outcome: Outcome) -> bytes | Chunks:
    """The response envelope of ``operation`` for ``outcome``."""
    result_type = binding.contract.operations[operation].result.type
    if isinstance(outcome, Done):
        result = outcome.result
        result.code = result.code or "Ok"
        result.message = "Done" if result.message is None else result.message
        result.details = "" if result.details is None else result.details
        result.trace = "" if result.trace is None else result.trace
    elif isinstance(outcome, Refused):
        refusal = outcome.refusal
        result = _result(
            binding, result_type, "Failure", refusal.message, refusal.details_for(binding.label), ""
        )
        if refusal.claim is not None and "claim_info" in result.__dataclass_fields__:
            result.claim_info = refusal.claim
    else:
        result = _result(
            binding, result_type, "Error", UNEXPECTED, "INTERNAL_ERROR", outcome.incident
        )
    return encode_envelope(binding, operation, result)


def _result(
    binding: Binding, result_type: str, code: str, message: str, details: str, trace: str
) -> Any:
    return binding.classes[result_type](code=code, message=message, details=details, trace=trace)


def fault(error: EnvelopeError) -> bytes:
    """The SOAP Fault answering an envelope that could not be read."""
    return fault_envelope(error.fault_code, error.reason)
