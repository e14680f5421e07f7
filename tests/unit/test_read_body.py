"""The request body is read in chunks: refused as soon as it passes the limit, however framed,
and given up when it does not arrive in time."""

from __future__ import annotations

import io
from typing import Any

import pytest

from gateway.errors import EnvelopeIncomplete, EnvelopeTooLarge
from gateway.soap.app import _read_body


class _Trickle(io.RawIOBase):
    """A body stream handing out ``step`` bytes per read, counting what was asked of it."""

    def __init__(self, total: int, step: int = 1000) -> None:
        self.left, self.step, self.given = total, step, 0

    def read(self, size: int = -1) -> bytes:
        n = min(self.left, self.step, size if size >= 0 else self.step)
        self.left -= n
        self.given += n
        return b"x" * n


def _environ(stream: Any, length: str = "") -> dict[str, Any]:
    return {"wsgi.input": stream, "CONTENT_LENGTH": length}


def test_a_body_without_length_is_refused_once_past_the_limit() -> None:
    stream = _Trickle(10_000_000)
    with pytest.raises(EnvelopeTooLarge):
        _read_body(_environ(stream), 5000, 30)
    assert stream.given <= 6000  # not read to its end


def test_an_announced_length_over_the_limit_is_refused_unread() -> None:
    stream = _Trickle(10)
    with pytest.raises(EnvelopeTooLarge):
        _read_body(_environ(stream, "5001"), 5000, 30)
    assert stream.given == 0


def test_a_body_in_time_is_read_whole() -> None:
    assert _read_body(_environ(_Trickle(4321), "4321"), 5000, 30) == b"x" * 4321


def test_a_stalled_body_is_given_up() -> None:
    class Stalled(io.RawIOBase):
        def read(self, size: int = -1) -> bytes:
            raise TimeoutError("timed out")

    with pytest.raises(EnvelopeIncomplete):
        _read_body(_environ(Stalled(), "100"), 5000, 30)
    with pytest.raises(EnvelopeIncomplete):  # deadline passed between chunks
        _read_body(_environ(_Trickle(3000), "3000"), 5000, -1)
