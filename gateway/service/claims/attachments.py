"""What an attachment must be before anything is stored (security.md 7, operations.md 4.4).

A file is at most 4 MB (4,194,304 bytes after base64 decoding) and not empty; a claim holds at
most 50 files and 100 MB. The name keeps no path parts (a Windows client sends ``C:\\...\\a.pdf``:
``a.pdf`` is kept). The type is judged twice: by the name's extension, which must be one of the
allowed ones, and by the content, which libmagic (python-magic) reads: an executable is refused
whatever its name, and content that is not of the extension's kind is refused. An optional virus
scan (``Settings.attachment_scan_command``) gets the file on its standard input and accepts it
with exit status 0; anything else, or no answer within ``attachment_scan_timeout`` seconds,
refuses it. Every refusal here is ``ATTACHMENT_TOO_LARGE``, ``ATTACHMENT_LIMIT``,
``ATTACHMENT_TYPE`` or ``INPUT_INVALID``.
"""

from __future__ import annotations

import logging
import re
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import magic

from gateway.config import Settings
from gateway.errors import AttachmentLimit, AttachmentTooLarge, AttachmentType, InputInvalid

log = logging.getLogger("gateway.attachments")

MAX_FILE_BYTES: Final = 4 * 1024 * 1024
MAX_FILES_PER_CLAIM: Final = 50
MAX_CLAIM_BYTES: Final = 100 * 1024 * 1024
MAX_NAME: Final = 255
MAX_TITLE: Final = 100
MAX_DESCRIPTION: Final = 500

_OLE = frozenset({"application/x-ole-storage", "application/CDFV2", "application/vnd.ms-office"})
_ZIP = frozenset({"application/zip"})
_TEXT = frozenset({"text/plain"})
#: The allowed extensions (security.md 7) and the content types libmagic may find in each.
ALLOWED: Final[Mapping[str, frozenset[str]]] = {
    "pdf": frozenset({"application/pdf"}),
    "doc": _OLE | {"application/msword"},
    "docx": _ZIP | {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    "xls": _OLE | {"application/vnd.ms-excel"},
    "xlsx": _ZIP | {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    "rtf": frozenset({"text/rtf", "application/rtf"}),
    "txt": _TEXT,
    "csv": _TEXT | {"text/csv", "application/csv"},
    "jpg": frozenset({"image/jpeg"}),
    "jpeg": frozenset({"image/jpeg"}),
    "png": frozenset({"image/png"}),
    "gif": frozenset({"image/gif"}),
    "tif": frozenset({"image/tiff"}),
    "tiff": frozenset({"image/tiff"}),
    "msg": _OLE | {"application/vnd.ms-outlook"},
    "eml": _TEXT | {"message/rfc822"},
    "zip": _ZIP,
}
#: Content refused whatever the name: programs and scripts a machine would run.
EXECUTABLES: Final = frozenset(
    {
        "application/x-dosexec",
        "application/vnd.microsoft.portable-executable",
        "application/x-msdownload",
        "application/x-executable",
        "application/x-pie-executable",
        "application/x-sharedlib",
        "application/x-mach-binary",
        "application/x-elf",
        "application/java-archive",
        "application/x-msi",
        "text/x-shellscript",
        "text/x-msdos-batch",
        "application/x-bat",
    }
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Accepted:
    """A file that passed every check: its name as kept and its type as detected."""

    file_name: str
    content_type: str


def file_name(raw: str) -> str:
    """The name without path parts; ``INPUT_INVALID`` when nothing usable is left."""
    field = "attachment.data_attachment_file_name"
    name = re.split(r"[\\/]", raw.strip())[-1].strip()
    if not name or name in (".", "..") or _CONTROL.search(name):
        raise InputInvalid(f"{field}: not a file name", field=field)
    if len(name) > MAX_NAME:
        raise InputInvalid(f"{field}: more than {MAX_NAME} characters", field=field)
    return name


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check_size(content: bytes) -> None:
    if not content:
        field = "attachment.data_attachment_file_zip"
        raise InputInvalid(f"{field}: the file is empty", field=field)
    if len(content) > MAX_FILE_BYTES:
        raise AttachmentTooLarge(
            f"{len(content):,} bytes; at most {MAX_FILE_BYTES:,} (4 MB) after base64 decoding"
        )


def check_room(files: int, stored_bytes: int, size: int) -> None:
    """The claim's limits: 50 files, 100 MB (decided)."""
    if files >= MAX_FILES_PER_CLAIM:
        raise AttachmentLimit(f"the claim already has {files} attachments (at most 50)")
    if stored_bytes + size > MAX_CLAIM_BYTES:
        raise AttachmentLimit(
            f"{stored_bytes:,} bytes stored and {size:,} more would pass {MAX_CLAIM_BYTES:,} "
            "(100 MB) for the claim"
        )


def detect(content: bytes) -> str:
    """The content's MIME type as libmagic reads it (the first bytes suffice)."""
    return str(magic.from_buffer(content[:65536], mime=True))


def check_type(name: str, content: bytes) -> str:
    """The detected type, when the extension is allowed and the content agrees with it."""
    ext = extension(name)
    detected = detect(content)
    if detected in EXECUTABLES:
        raise AttachmentType(f"{name}: the content is a program ({detected}), never accepted")
    if ext not in ALLOWED:
        allowed = " ".join(ALLOWED)
        raise AttachmentType(f"{name}: extension '{ext[:10]}' is not one of: {allowed}")
    if detected not in ALLOWED[ext]:
        raise AttachmentType(f"{name}: the content is {detected}, not a .{ext} file")
    return detected


def scan(settings: Settings, name: str, content: bytes) -> None:
    """The configured virus scan, if any: exit status 0 accepts the file."""
    command = settings.attachment_scan_command.strip()
    if not command:
        return
    try:
        done = subprocess.run(
            shlex.split(command),
            input=content,
            capture_output=True,
            timeout=settings.attachment_scan_timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        log.warning(
            "virus scan of %s did not finish in %ss", name, settings.attachment_scan_timeout
        )
        raise AttachmentType(f"{name}: the virus scan did not finish; try again later") from None
    except OSError as exc:
        log.error("virus scan command could not run: %s", exc)
        raise AttachmentType(f"{name}: the virus scan could not run") from None
    if done.returncode != 0:
        log.warning("virus scan refused %s: %s", name, done.stdout[:200] or done.stderr[:200])
        raise AttachmentType(f"{name}: refused by the virus scan")


def judge(settings: Settings, raw_name: str, content: bytes) -> Accepted:
    """Every check of one file, cheapest first; the claim's room is checked by the caller."""
    name = file_name(raw_name)
    check_size(content)
    detected = check_type(name, content)
    scan(settings, name, content)
    return Accepted(name, detected)
