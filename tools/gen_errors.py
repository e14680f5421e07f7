"""Generate docs/errors.md, the error catalogue for client developers, from the code's one list.

The keys and their messages are ``gateway.errors.MESSAGES`` (the refusals: ``code`` ``Failure``)
plus ``INTERNAL_ERROR``, the key of every ``Error`` answer (``gateway.soap.answers``). What this
script adds is the reader's side of each key: when it happens and what a client should do about
it. A key of the code without guidance here, or guidance for a key the code does not have, stops
the script, so the catalogue and the code cannot drift apart (tests/unit/test_error_catalogue.py
also checks the committed file against what this script writes, and the keys against
operations.md section 6).

``NOT_IMPLEMENTED`` stays in the code as a guard (an operation of a WSDL without a handler) but no
request can meet it: every operation of the four WSDLs is built (tests/e2e/test_contract.py), so
it is not in the catalogue, which lists exactly the keys of operations.md section 6.

    python tools/gen_errors.py [--out docs/errors.md] [--check]

``--check`` writes nothing and exits 1 when the committed file differs from what it would write.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.errors import MESSAGES  # noqa: E402
from gateway.soap.answers import UNEXPECTED  # noqa: E402

DEFAULT_OUT = ROOT / "docs" / "errors.md"

#: The key of every ``Error`` answer (``gateway.soap.answers``, with the message ``UNEXPECTED``).
ERROR_KEY = "INTERNAL_ERROR"
#: Keys of the code that no request can meet, with the reason (see the module docstring).
UNSENT = {"NOT_IMPLEMENTED": "every operation of the four WSDLs is built"}

RETRY = "retry"
LATER = "retry later"
REREAD = "re-read the claim"
REAUTH = "new token"
FIX = "fix the request"
PACK = "fix the pack"
ADMIN = "ask an administrator"
GIVE_UP = "give up"


@dataclass(frozen=True)
class Guidance:
    action: str  # one of the words above: the short answer, in the summary table
    when: str
    then: str


GUIDANCE: dict[str, Guidance] = {
    "AUTH_LOGIN_FAILED": Guidance(
        FIX,
        "`getToken`, `changePassword` or a legacy `userAuth` with an unknown user id or a wrong "
        "password (the two are not told apart). Five consecutive failures for one user id lock "
        "the account for 30 minutes; 20 failures from one address in 10 minutes answer "
        "`RATE_LIMITED`.",
        "Do not retry with the same credentials: check the configured user id and password. A "
        "client that retries a wrong password locks its own account.",
    ),
    "AUTH_PASSWORD_EXPIRED": Guidance(
        FIX,
        "`getToken` or a legacy call with the right password after it expired (90 days; a new "
        "A2A user's first password is created expired).",
        "Call `changePassword(userID, oldPassword, newPassword)`, which works with an expired "
        "password, store the new one, then `getToken` again.",
    ),
    "AUTH_ACCOUNT_DISABLED": Guidance(
        ADMIN,
        "The A2A user is disabled or has not logged in for 90 days, or its organisation is no "
        "longer active.",
        "Nothing the client can do: an administrator re-enables the account "
        "(`gateway admin user-enable`).",
    ),
    "AUTH_ACCOUNT_EXPIRED": Guidance(
        ADMIN,
        "The account's validity has ended and an administrator has not extended it.",
        "Ask the administrator to extend the account.",
    ),
    "AUTH_ACCOUNT_LOCKED": Guidance(
        LATER,
        "Five consecutive wrong passwords for this user id: locked for 30 minutes.",
        "Stop logging in (each attempt while locked fails too), fix the password, and retry "
        "after the lock, or ask an administrator (`gateway admin user-unlock`).",
    ),
    "AUTH_NOT_A2A_USER": Guidance(
        FIX,
        "`getToken` or `changePassword` with the id of a named (human) user: only A2A users log "
        "in over A2A.",
        "Use the organisation's A2A user as `userID` and the named user as `userAsID`.",
    ),
    "AUTH_ASUSER_INVALID": Guidance(
        FIX,
        "`userAsID` is unknown, of another organisation, or disabled, expired or locked.",
        "Act as an enabled user of your own organisation; check its id, or ask an "
        "administrator to re-enable it.",
    ),
    "AUTH_TOKEN_INVALID": Guidance(
        REAUTH,
        "The access token is unknown, was revoked (a password change, a reused refresh token, a "
        "21st token family), or its A2A user or asUser has been disabled, locked or deleted.",
        "Call `getToken` again (not `refreshToken`: the family may be revoked); if that fails, "
        "its own key says why.",
    ),
    "AUTH_TOKEN_EXPIRED": Guidance(
        REAUTH,
        "The access token is older than its lifetime (`accessTokenExpiresIn`, 3,600 s).",
        "Call `refreshToken` (or `getToken`) and repeat the request with the new token: nothing "
        "was done, so repeating it is safe. Better, refresh a little before the expiry.",
    ),
    "AUTH_REFRESH_INVALID": Guidance(
        REAUTH,
        "`refreshToken` with an unknown, expired (86,400 s) or already used refresh token. "
        "Reusing a rotated refresh token also revokes its whole token family.",
        "Call `getToken` with the password. Keep only the newest refresh token of a family, and "
        "never share one between processes.",
    ),
    "AUTH_PASSWORD_POLICY": Guidance(
        FIX,
        "`changePassword` with a new password that breaks a rule (12-64 characters; upper, "
        "lower, digit and special characters; no 'password' or 'pwd', names or ids; not one of "
        "the last 12). `details` names the rule.",
        "Choose another password following the rule in `details`.",
    ),
    "PROFILE_NOT_ALLOWED": Guidance(
        FIX,
        "The asUser's profile does not allow the operation: no claims profile for this service "
        "(an EL/PL-only user at the RTA endpoint), an operation of the other side (a law firm "
        "calling `acceptClaim`), or a Team Leader's operation called by a claim handler.",
        "Act as a user with the right profile (`userAsID`); a retry as the same user fails the "
        "same way.",
    ),
    "INPUT_MISSING": Guidance(
        FIX,
        "A required field is absent or empty. `details` names it as sent, e.g. "
        "`INPUT_MISSING: claimData/activityEngineGuid`.",
        "Send the field. Most fields are optional in the WSDL but required by the server "
        "(operations.md section 1), so a client generated from the WSDL will not warn you.",
    ),
    "INPUT_INVALID": Guidance(
        FIX,
        "A field has a wrong format or is too long (identifiers 50 characters, names and "
        "references 100, free text 4,000, others 255), a code is not in its list, or an "
        "embedded pack exceeds the parser's size, depth or element-count limits. `details` "
        "names the field and the reason.",
        "Correct the field; repeating the same request fails the same way.",
    ),
    "CLAIM_NOT_FOUND": Guidance(
        FIX,
        "No claim with this `applicationId` in this service, or one the asUser may not see "
        "(answered alike, so that claim numbers cannot be probed). An EL/PL claim asked for at "
        "the RTA endpoint is not found either.",
        "Check the number, the endpoint and who you act as; do not retry unchanged.",
    ),
    "CLAIM_DELETED": Guidance(
        GIVE_UP,
        "The claim was deleted (GDPR) and is still visible for its 14 days: reads of its content, "
        "attachments and documents and any workflow operation are refused; `getClaimsStatus` "
        "shows `gdprClaimDeleted` 1.",
        "Stop working on the claim and mark it deleted in your system.",
    ),
    "CLAIM_LOCKED": Guidance(
        LATER,
        "Another user of your side holds the claim's lock (`lockClaim`); `details` names them. "
        "The other side is never blocked by your side's lock.",
        "Retry later (a lock lapses after 60 minutes without use by its holder), coordinate with "
        "the holder, or have a Team Leader `forceUnlockClaim`.",
    ),
    "NOT_LOCK_OWNER": Guidance(
        FIX,
        "`unlockClaim` by a user who does not hold the lock (or on a claim that is not locked).",
        "Nothing to unlock: only the holder unlocks; a Team Leader can `forceUnlockClaim`.",
    ),
    "GUID_STALE": Guidance(
        REREAD,
        "The `activityEngineGuid` sent in `claimData` is not the claim's current one: the claim "
        "has moved on since you read it (the other side acted, a deadline passed, another user "
        "or process of yours acted). Nothing was changed. The `Failure` carries the current "
        "`claimInfo`.",
        "Take the phase and GUID from the answer's `claimInfo` (or `getClaimsStatus`), decide "
        "again what the claim needs in that phase, and send the new GUID only if the operation "
        "still makes sense. Never retry blindly with a fresh GUID: that would act on a claim "
        "you have not seen.",
    ),
    "PHASE_NOT_ALLOWED": Guidance(
        REREAD,
        "The claim's phase does not allow this operation for your side (lifecycle.md), e.g. "
        "`acceptClaim` on a claim already accepted. Nothing was changed; the `Failure` carries "
        "the current `claimInfo`.",
        "Re-read the claim (the answer's `claimInfo`) and choose an operation its phase allows; "
        "the lifecycle diagrams (`docs/lifecycle-rta.md`) list them.",
    ),
    "XML_NOT_WELL_FORMED": Guidance(
        PACK,
        "The embedded pack (`claimXML`, `insurerResponseXml` ...) is not well-formed XML; "
        "`details` gives the line and column.",
        "Fix how the pack is built; check it offline with `gateway validate`. Remember that the "
        "pack is a string inside the envelope: escaped (`&lt;`) or in a CDATA section.",
    ),
    "XML_FORBIDDEN_CONSTRUCT": Guidance(
        PACK,
        "The pack has a DTD, an entity declaration or a processing instruction.",
        "Send the pack without a DOCTYPE or processing instructions (an XML declaration is fine).",
    ),
    "XSD_INVALID": Guidance(
        PACK,
        "The pack does not conform to the XSD of the claim's release (a new claim: the current "
        "release). `details` lists every violation, each with its path and line.",
        "Fix all the violations listed, then send again; `gateway validate --release R7` gives "
        "the same findings offline, and `gateway samples export` valid examples of every pack.",
    ),
    "BUSINESS_RULE": Guidance(
        PACK,
        "The pack or request breaks a business rule of payloads.md (`CNF-04 AccidentDate is "
        "after the sent date`, `CNF-14` reference already used by an open claim, `ISP-04` loss "
        "types not in the request ...), or a rule of the operation (a reassignment target not "
        "linked to you, an extension date not after the deadline). `details` lists each rule "
        "id with its path.",
        "Fix what the rules say. For `CNF-14` on a retried `addClaim`, look the claim up with "
        "`searchClaims` (`CRReferenceNumber`): the first attempt probably made it.",
    ),
    "ATTACHMENT_TOO_LARGE": Guidance(
        FIX,
        "`addAttachment` with a file over 4 MB (after base64 decoding).",
        "Send a smaller file (compress or split it).",
    ),
    "ATTACHMENT_TYPE": Guidance(
        FIX,
        "`addAttachment` with an extension not allowed, content that is not of the kind its "
        "extension says, an empty file, or a file the virus scan refused.",
        "Send an allowed type (pdf, doc, docx, xls, xlsx, rtf, txt, csv, jpg, jpeg, png, gif, "
        "tif, tiff, msg, eml, zip) whose content matches its name.",
    ),
    "ATTACHMENT_LIMIT": Guidance(
        GIVE_UP,
        "The claim already holds 50 files or 100 MB of attachments.",
        "No more files can be attached to this claim.",
    ),
    "NOT_FOUND": Guidance(
        FIX,
        "An unknown or foreign organisation, branch, user, notification, attachment or "
        "printable document id.",
        "Check the id; for `removeNotification`, a notification already removed (by another "
        "process, or a retried call) is `NOT_FOUND` too, which a client may treat as done.",
    ),
    "RATE_LIMITED": Guidance(
        LATER,
        "More than 50 requests a second by one A2A user (all its asUsers, tokens and endpoints "
        "together), or too many failed logins from one address (20 in 10 minutes). Nothing was "
        "done.",
        "Back off (e.g. one second, doubling) and retry; spread polling over time. Repeating "
        "the request is safe: it was refused before any work.",
    ),
    ERROR_KEY: Guidance(
        RETRY,
        "Something unexpected went wrong on the gateway (`code` `Error`); `trace` holds the "
        "incident id. The request was rolled back: nothing was changed.",
        "Retry once or twice with a pause; a workflow retry with the same GUID is safe because "
        "nothing moved. If it persists, quote the `trace` id to support.",
    ),
}


def keys() -> dict[str, str]:
    """The catalogue: each key the gateway can answer, with its message, in the code's order."""
    catalogue = {key: message for key, message in MESSAGES.items() if key not in UNSENT}
    catalogue[ERROR_KEY] = UNEXPECTED
    return catalogue


def render() -> str:
    catalogue = keys()
    unguided = sorted(set(catalogue) - set(GUIDANCE))
    unknown = sorted(set(GUIDANCE) - set(catalogue))
    if unguided or unknown:
        raise SystemExit(
            f"gen_errors: keys without guidance {unguided}, guidance without a key {unknown}"
        )
    lines = [
        "# Error catalogue",
        "",
        "<!-- Generated by tools/gen_errors.py from gateway/errors.py; do not edit by hand. -->",
        "",
        "Every operation answers its normal response. `code` is `Ok`, `Failure` (the request was "
        "refused and **nothing was changed**) or `Error` (something unexpected; rolled back). "
        "`details` starts with the key, then `: ` and the specifics, e.g. "
        "`INPUT_MISSING: claimData/applicationId`; match on the key (the text before the first "
        "`:`), never on `message`. A broken envelope is a SOAP Fault instead (see the README, "
        "*The contract*). How the keys fit together (GUIDs, retries, polling): "
        "[client-guide.md](client-guide.md).",
        "",
        "| Key | `code` | `message` | What to do |",
        "|---|---|---|---|",
    ]
    for key, message in catalogue.items():
        code = "Error" if key == ERROR_KEY else "Failure"
        lines.append(f"| [`{key}`](#{key.lower()}) | {code} | {message} | {GUIDANCE[key].action} |")
    lines += [
        "",
        "What the short answers mean: **retry**: the same request may simply be sent again; "
        "**retry later**: the same, after a pause; **new token**: get a token, then repeat; "
        "**re-read the claim**: the claim is not where you thought, look before acting again; "
        "**fix the request** / **fix the pack**: repeating it unchanged fails the same way; "
        "**ask an administrator**: only an operator can help; **give up**: the operation "
        "cannot succeed on this claim.",
        "",
    ]
    for key in catalogue:
        guidance = GUIDANCE[key]
        lines += [
            f"## {key}",
            "",
            f"**When:** {guidance.when}",
            "",
            f"**What to do ({guidance.action}):** {guidance.then}",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file would change")
    args = parser.parse_args(argv)
    text = render()
    current = args.out.read_text(encoding="utf-8") if args.out.exists() else None
    if args.check:
        if current != text:
            print(f"{args.out} differs from tools/gen_errors.py's output", file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
