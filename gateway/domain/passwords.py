"""The password rules of security.md section 2 (no I/O, no hashing: those live in the service)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SPECIALS = set("|!\"£$€%&/=?^'*+@°#,;:.-_()")
FORBIDDEN_WORDS = ("password", "passw", "pswd", "pwd")
MIN_LENGTH = 12
MAX_LENGTH = 64
HISTORY = 12


@dataclass(frozen=True)
class PasswordOwner:
    user_id: str
    first_name: str
    surname: str
    organisation_id: str


def policy_violation(password: str, owner: PasswordOwner) -> str | None:
    """The first rule ``password`` breaks, as a short sentence; ``None`` if it meets them all.

    History (the last 12 passwords) is checked by the caller, which holds the hashes.
    """
    if len(password) < MIN_LENGTH:
        return f"PWD-LENGTH: at least {MIN_LENGTH} characters are required"
    if len(password) > MAX_LENGTH:
        return f"PWD-LENGTH: at most {MAX_LENGTH} characters are allowed"
    if not any(c.isupper() for c in password):
        return "PWD-UPPER: at least one upper-case letter is required"
    if not any(c.islower() for c in password):
        return "PWD-LOWER: at least one lower-case letter is required"
    if not any(c.isdigit() for c in password):
        return "PWD-DIGIT: at least one digit is required"
    if not any(c in SPECIALS for c in password):
        return "PWD-SPECIAL: at least one special character is required"
    lowered = password.lower()
    for word in FORBIDDEN_WORDS:
        if word in lowered:
            return "PWD-WORD: must not contain 'password' or an abbreviation of it"
    personal: Iterable[tuple[str, str]] = (
        ("first name", owner.first_name),
        ("surname", owner.surname),
        ("user id", owner.user_id),
        ("organisation id", owner.organisation_id),
    )
    for label, value in personal:
        if value and len(value) >= 3 and value.lower() in lowered:
            return f"PWD-PERSONAL: must not contain the user's {label}"
    return None
