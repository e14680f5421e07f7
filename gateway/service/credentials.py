"""What of a request may be stored or logged: the document with every credential masked.

security.md section 6.1: passwords and tokens are never journaled. ``masked_request`` is the one
function that turns the bytes a caller sent into what the message store keeps.

Decoding follows XML 1.0 appendix F, as libxml2 does, so the gateway masks the document it
parsed: a byte-order mark decides (UTF-8, UTF-16 or UTF-32, either byte order); without one, the
zero bytes among the first four say UTF-16 or UTF-32 and the byte order; otherwise the bytes are
ASCII-compatible and the XML declaration's encoding is used if Python knows it, else UTF-8 with
undecodable bytes replaced. A declaration that lies is overruled by the bytes: a UTF-16 document
saying ``UTF-8`` is read as UTF-16, an ASCII one saying ``UTF-16`` as UTF-8. A decoding counts
only if the text starts with ``<``.

Masking: the content of every element whose local name is in ``CREDENTIAL_ELEMENTS`` or
``FILE_ELEMENTS`` (an attachment's bytes, never stored either) - any
prefix, any case, whatever its attributes - becomes one ``***``, up to its own end tag: text,
CDATA, comments and any child markup (inside a password, a "<" the caller forgot to escape is
part of the secret). An empty element stays empty (the caller sent none); one never closed is
masked to the end of the document. The one exception is the ``refreshToken`` operation itself
(the first element of the SOAP Body, holding fields): its fields (userID ...) are kept and its
``refreshToken`` field masked. No tree is built: regular expressions over the decoded text, about
15 microseconds for an ordinary request. A body with more than ``MOST_STEPS`` credential
elements (a real one has one to three) is not stored, which bounds the work a hostile body can
cause.

The result is UTF-8 without a byte-order mark, its XML declaration (if any) rewritten to say
so: one encoding for the whole store, readable as text (``gateway journal show``). The original
encoding is not kept; the journal keeps the original size.

A body that no decoding turns into XML-looking text, or whose bytes spell a credential's name in a
second encoding (a UTF-16 element spliced into a UTF-8 document), is not stored at all: a
placeholder comment says so. A best effort on such a body would risk keeping exactly what it
failed to see. This function never raises.
"""

from __future__ import annotations

import codecs
import functools
import re

#: Every element of the four WSDLs that carries a secret: ``getToken/password``,
#: ``changePassword/oldPassword`` and ``newPassword``, ``accessToken`` (every token-era call),
#: ``refreshToken`` (request and response), and ``userAuth/password`` (every legacy call).
#: tests/unit/test_credentials.py checks the WSDLs declare no other.
CREDENTIAL_ELEMENTS = frozenset(
    {"password", "oldPassword", "newPassword", "accessToken", "refreshToken"}
)
#: Elements whose content the store never keeps although it is no secret: an attachment's bytes
#: (operations.md 4.4; the journal keeps the request's size, the claim the file and its SHA-256).
FILE_ELEMENTS = frozenset({"dataAttachmentFileZip"})
MASK = "***"
_OPERATION = "refreshToken"  # also an operation: its wrapper element keeps its other children

_NAMES = "|".join(sorted(CREDENTIAL_ELEMENTS | FILE_ELEMENTS))
_CREDENTIAL_START = re.compile(rf"<(?:[\w.-]+:)?(?P<name>(?i:{_NAMES}))(?=[\s/>]|\Z)")
# The rest of a start tag, a ">" inside a quoted attribute value included. One way to match, and
# never past a "<" (no attribute value holds one), so a hostile body cannot make it slow.
_START_TAG_REST = re.compile(r"""(?:[^<>"']|"[^<"]*"|'[^<']*')*>""")
_ELEMENT_CONTENT = re.compile(r"\s*<[^!?]")
#: Credential elements and the CDATA or comments inside them that one request may have before
#: the store gives up on it (a real request has one to three): bounds the work on hostile bodies.
MOST_STEPS = 200
_BODY_START = re.compile(r"<(?:[\w.-]+:)?Body(?=[\s>])[^<>]*>")
_DECLARED = re.compile(rb"\A\s*<\?xml\b[^>]*?\bencoding\s*=\s*(['\"])([A-Za-z][\w.:-]{0,39})\1")
_DECLARED_TEXT = re.compile(r"\A(\s*<\?xml\b[^>]*?\bencoding\s*=\s*)(['\"])[^'\"]*\2")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose mark it starts with
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Codecs Python knows that are no character encoding of a document (or warn while decoding).
_NOT_DOCUMENT_ENCODINGS = frozenset({"unicode-escape", "raw-unicode-escape", "idna", "punycode"})
# The credential names as the bytes of each family spell them (both byte orders, any case of
# the first letter), to see a credential that the chosen decoding cannot see.
_FRAGMENTS = ("ssword", "SSWORD", "oken", "OKEN")
_SPELLINGS = {
    "ascii": tuple(f.encode("ascii") for f in _FRAGMENTS),
    "utf-16": tuple(f.encode("utf-16-le")[:-1] for f in _FRAGMENTS),
    "utf-32": tuple(f.encode("utf-32-le")[:-3] for f in _FRAGMENTS),
}


def masked_request(raw: bytes) -> bytes:
    """``raw`` as it may be stored or logged: UTF-8, every credential replaced by ``***``; or a
    placeholder when its encoding cannot be read safely (see the module docstring)."""
    if not raw.strip():
        return raw
    try:
        decoded = _decode(raw)
        if decoded is None or _spelled_otherwise(raw, decoded[1]):
            return _placeholder(raw, "its encoding could not be read safely")
        text = decoded[0]
        text = _DECLARED_TEXT.sub(r'\g<1>"UTF-8"', text, count=1)
        return mask_text(text).encode("utf-8", "replace")
    except Exception:  # beyond MOST_STEPS, or a bug: not the request's failure, and no secret
        return _placeholder(raw, "its credentials could not be masked")


def mask_text(text: str) -> str:
    """``text`` (a decoded XML document or part of one) with every credential masked. Raises
    ``ValueError`` beyond ``MOST_STEPS``."""
    out: list[str] = []
    pos = steps = 0
    while (start := _CREDENTIAL_START.search(text, pos)) is not None:
        tag = _START_TAG_REST.match(text, start.end())
        if tag is None:  # a start tag that does not end before the next "<": keep nothing after
            out += (text[pos : start.end()], MASK)
            return "".join(out)
        out.append(text[pos : tag.end()])
        pos = tag.end()
        if tag.group(0).endswith("/>") or _is_operation(text, start, pos):
            continue
        pos, steps = _mask_content(text, pos, start.group("name"), out, steps)
    out.append(text[pos:])
    return "".join(out)


def _mask_content(text: str, pos: int, name: str, out: list[str], steps: int) -> tuple[int, int]:
    """Append the content of credential ``name`` starting at ``pos`` as ``***`` (child markup
    included: a "<" the caller forgot to escape is part of the secret) and its end tag; return
    where it ends (the end of ``text`` if it never does) and the steps taken so far."""
    search, depth = pos, 0
    while True:
        steps += 1
        if steps > MOST_STEPS:
            raise ValueError("too many credentials to mask")
        found = _markup_of(name.lower()).search(text, search)
        if found is None:
            _mask_data(text[pos:], out)
            return len(text), steps
        search = found.end()
        if found.group("end") is not None and depth == 0:
            _mask_data(text[pos : found.start()], out)
            out.append(found.group(0))
            return found.end(), steps
        if found.group("end") is not None:
            depth -= 1
        elif found.group("start") is not None and not found.group(0).endswith("/>"):
            depth += 1


@functools.lru_cache(maxsize=16)
def _markup_of(name: str) -> re.Pattern[str]:
    """What ends or nests a credential element ``name``: its end and start tags; CDATA and
    comments are skipped whole (either may hold "</password>" as text)."""
    tag = rf"(?:[\w.-]+:)?(?i:{re.escape(name)})"
    return re.compile(
        rf"<!\[CDATA\[.*?(?:\]\]>|\Z)|<!--.*?(?:-->|\Z)"
        rf"|(?P<end></{tag}\s*>)|(?P<start><{tag}(?=[\s/>])[^<>]*>)",
        re.DOTALL,
    )


def _is_operation(text: str, start: re.Match[str], pos: int) -> bool:
    """Whether ``start`` opens the ``refreshToken`` operation (the first element of the SOAP
    Body, with fields): its fields are kept, its ``refreshToken`` child is masked on its own."""
    return (
        start.group(0).endswith(_OPERATION)
        and _ELEMENT_CONTENT.match(text, pos) is not None
        and _opens_body(text, start.start())
    )


def _mask_data(data: str, out: list[str]) -> None:
    # Whitespace alone is layout, never a valid password or token.
    out.append(MASK if data.strip() else data)


def _opens_body(text: str, start: int) -> bool:
    """Whether the element at ``start`` is the first in the SOAP Body (blanks between, no
    comment): the operation itself. Looks back only to the previous tag."""
    gt = text.rfind(">", 0, start)
    if gt == -1 or text[gt + 1 : start].strip():
        return False
    lt = text.rfind("<", 0, gt)
    return lt != -1 and _BODY_START.fullmatch(text, lt, gt + 1) is not None


def _decode(raw: bytes) -> tuple[str, str] | None:
    """The document's text and its encoding family (ascii, utf-16, utf-32), or None."""
    for encoding, skip in _candidates(raw):
        try:
            text = raw[skip:].decode(encoding, "replace")
        except (LookupError, UnicodeError, ValueError):
            continue
        if text.lstrip()[:1] == "<":
            return text, _family(encoding)
    return None


def _candidates(raw: bytes) -> list[tuple[str, int]]:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return [(encoding, len(bom))]
    head = raw[:4]
    if len(head) == 4 and head.count(0) == 3:
        return [("utf-32-le" if head[0] else "utf-32-be", 0)]
    if len(head) >= 2 and head.count(0) >= 1:
        return [("utf-16-le" if head[0] else "utf-16-be", 0)]
    declared = _DECLARED.match(raw[:1024])
    first = [] if declared is None else [_document_encoding(declared.group(2).decode("ascii"))]
    return [(e, 0) for e in first if e is not None and _family(e) == "ascii"] + [("utf-8", 0)]


def _document_encoding(name: str) -> str | None:
    try:
        encoding = codecs.lookup(name).name
    except LookupError:
        return None
    return None if encoding in _NOT_DOCUMENT_ENCODINGS else encoding


def _family(encoding: str) -> str:
    return encoding[:6] if encoding.startswith(("utf-16", "utf-32")) else "ascii"


def _spelled_otherwise(raw: bytes, family: str) -> bool:
    return any(
        spelling in raw
        for other, spellings in _SPELLINGS.items()
        if other != family
        for spelling in spellings
    )


def _placeholder(raw: bytes, why: str) -> bytes:
    return f"<!-- request of {len(raw)} bytes not stored: {why} -->".encode()
