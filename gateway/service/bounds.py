"""Every text field of every request is bounded before anything reaches the database.

The gateway checks each string of an operation's typed request (``gateway.service.messages``),
however deeply nested, against the caps below as soon as the request is decoded, for every
front end: a value over its cap is refused with ``INPUT_INVALID`` naming the field, and is
journaled like any other refusal. A new operation is bounded by construction: a field not named
here gets ``DEFAULT_MAX``. Where the spec gives a length, the cap is that length or, where a
business rule of the spec judges the length with its own answer (a fraud description of more
than 500 characters is rule FRAUD-02; a new password of more than 64 characters breaks the
password policy), a sanity cap above it so that the rule still speaks. The spec is silent on
most fields: those caps are decided here (docs/decisions/0005-input-bounds.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from gateway.errors import InputInvalid

#: Any text field not named below.
DEFAULT_MAX = 255
#: Identifiers that the journal, tokens and users store in 50-character columns.
IDENTIFIER_MAX = 50
#: Free text that a business rule judges or that a handler stores shortened.
FREE_TEXT_MAX = 4000
#: Credentials: hashed, never stored as sent; the password policy judges new ones (12-64).
SECRET_MAX = 256
#: Embedded XML packs: bounded by the message size and the hardened parser's limits instead.
PACK = 0

CAPS: Mapping[str, int] = {
    # who calls
    "user_id": IDENTIFIER_MAX,
    "user_as_id": IDENTIFIER_MAX,
    "client_id": IDENTIFIER_MAX,
    "username": IDENTIFIER_MAX,
    "as_user": IDENTIFIER_MAX,
    "target_user_id": IDENTIFIER_MAX,
    "password": SECRET_MAX,
    "old_password": SECRET_MAX,
    "new_password": SECRET_MAX,
    "refresh_token": 128,  # 43 characters as issued (security.md 1)
    # which claim, which activity
    "application_id": 20,  # up to 16 digits, leading zeros optional
    "activity_engine_guid": IDENTIFIER_MAX,  # a 36-character GUID
    "notification_guid": IDENTIFIER_MAX,
    "printable_document_id": IDENTIFIER_MAX,
    "attachment_id": IDENTIFIER_MAX,
    "phase_cache_id": 100,
    # organisations, branches, references, codes
    "organisation_path": 100,
    "branch_path": 100,
    "branch_id": 100,
    "organisation_name": 100,
    "compensator_type": 10,
    "hospital_name": 100,
    "post_code": 10,
    "insurer_claim_reference_number": 100,  # the handler judges the 50 of the spec
    "cr_reference_number": 100,
    "cm_reference_number": 100,
    "rejection_reason_code": 10,
    "exit_reason_code": 10,
    "reason_code": 10,
    "sort_field": 20,
    "sort_order": 10,
    "claim_type": 10,
    # free text
    "reason_description": FREE_TEXT_MAX,  # rule FRAUD-02 judges the 500 of the spec
    "exit_comment": FREE_TEXT_MAX,  # stored shortened to 500
    "reason_for_extension": FREE_TEXT_MAX,
    "rejection_comment": 500,  # rejectInterimSettlementPack; stored as sent
    "data_attachment_title": FREE_TEXT_MAX,  # the attachment rules judge 100 (operations.md 4.4)
    "data_attachment_desc": FREE_TEXT_MAX,  # and 500
    "data_attachment_file_name": FREE_TEXT_MAX,  # and 255
}


def cap(field: str) -> int:
    """The most characters ``field`` may have; 0 for an embedded XML pack (no cap here)."""
    if field.endswith("xml"):
        return PACK
    return CAPS.get(field, DEFAULT_MAX)


def check(message: object, path: str = "") -> None:
    """Refuse ``message`` (a typed request, or a part of one) if a text in it is over its cap."""
    for name, limit, nested in _plan(type(message)):
        value = getattr(message, name)
        if value is None:
            continue
        where = f"{path}.{name}" if path else name
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, str):
                if limit and len(item) > limit:
                    raise InputInvalid(f"{where}: more than {limit} characters", field=where)
            elif nested:
                check(item, where)


Plan = tuple[tuple[str, int, bool], ...]
_PLANS: dict[type, Plan] = {}


def _plan(cls: type) -> Plan:
    """Per message class, once: (field, cap, whether it may hold a nested message)."""
    plan = _PLANS.get(cls)
    if plan is None:
        fields = dataclasses.fields(cls) if dataclasses.is_dataclass(cls) else ()
        plan = _PLANS[cls] = tuple((f.name, cap(f.name), _may_nest(f.type)) for f in fields)
    return plan


def _may_nest(annotation: Any) -> bool:
    text = str(annotation)
    return not any(text.startswith(simple) for simple in _SIMPLE)


_SIMPLE = ("str", "int", "bool", "datetime", "bytes", "list[str]", "list[int]")
