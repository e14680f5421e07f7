"""Log lines: the request's correlation id, and the two formats (``GATEWAY_LOG_FORMAT``).

``text`` (the default) is one human-readable line per record. ``json`` is one JSON object per
line: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``correlation_id`` while a
SOAP request is being handled (the id its journal entry and an ``Error``'s incident carry), and
``exception`` (the traceback text) when the record has one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Final

from gateway.config import Settings
from gateway.errors import StartupError

FORMATS: Final = ("text", "json")
TEXT_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s %(message)s"

#: The correlation id of the request this thread (or task) is handling, if any.
correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


@contextmanager
def correlated(value: str) -> Iterator[None]:
    """Tag the log records of the enclosed block with the correlation id ``value``."""
    token = correlation_id.set(value)
    try:
        yield
    finally:
        correlation_id.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = correlation_id.get()
        if current is not None:
            entry["correlation_id"] = current
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def formatter(settings: Settings) -> logging.Formatter:
    """The formatter ``settings.log_format`` names; an unknown name stops the start."""
    if settings.log_format == "json":
        return JsonFormatter()
    if settings.log_format == "text":
        return logging.Formatter(TEXT_FORMAT)
    raise StartupError(
        f"log_format must be one of {', '.join(FORMATS)}, not {settings.log_format!r}"
    )


def configure(settings: Settings, level: int = logging.INFO) -> None:
    """Send the root logger's records to stderr in the configured format (process start-up)."""
    chosen = formatter(settings)
    handler = logging.StreamHandler()
    handler.setFormatter(chosen)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def adopt(logger: logging.Logger, settings: Settings) -> None:
    """Put ``logger``'s own handlers (gunicorn's) on the configured format too."""
    chosen = formatter(settings)
    if settings.log_format == "text":
        return  # gunicorn's own text lines stay as gunicorn writes them
    for handler in logger.handlers:
        handler.setFormatter(chosen)
