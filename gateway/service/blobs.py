"""Binary content that is read in parts while it is sent, never whole in memory.

A ``Blob`` stands for a binary field of a result (an attachment's bytes): its size, and a reader
of any part of it, called while the request's unit of work is still open. The SOAP codec
base64-encodes it part by part straight into the answer, so a 4 MB download holds its 5.6 MB of
base64 and one part of the file, not the whole file as well. Requests always carry ``bytes``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

#: Bytes read at a time: a multiple of 3, so that the base64 of the parts joins into the base64
#: of the whole.
PART: Final = 3 * 256 * 1024


class Blob:
    __slots__ = ("_read", "part", "size")

    def __init__(self, size: int, read: Callable[[int, int], bytes], part: int = PART) -> None:
        if part <= 0 or part % 3:
            raise ValueError(f"a part of {part} bytes is not a positive multiple of 3")
        self.size = size
        self._read = read  # (offset from 0, length) -> those bytes
        self.part = part  # bytes per read: the store's choice

    def __len__(self) -> int:
        return self.size

    def parts(self, part: int | None = None) -> Iterator[bytes]:
        """The content in order, ``part`` bytes (default: the blob's own) at a time (the last
        may be shorter)."""
        part = part or self.part
        offset = 0
        while offset < self.size:
            chunk = self._read(offset, min(part, self.size - offset))
            if not chunk:
                raise OSError(f"blob ended at {offset} of {self.size} bytes")
            offset += len(chunk)
            yield chunk

    def read(self) -> bytes:
        """The whole content at once (for tests and small files)."""
        return b"".join(self.parts())


def content_of(value: bytes | Blob) -> bytes:
    """``value``'s bytes, reading a ``Blob`` whole."""
    return value if isinstance(value, bytes) else value.read()
