"""Statements of every request, run straight on the driver in the session's transaction.

A request's own frame (the token check, the current release, its journal entry) runs a few
fixed statements on every request. Through SQLAlchemy each costs more CPU than its round trip
(execution context, events, result wrapping: 60-100 microseconds a statement); here a statement
is compiled once per dialect, its parameters go through the same bind processors SQLAlchemy
would apply (SQLite's text dates, for one) and its rows through the same result processors, and
the SQL goes straight to the DBAPI connection of the session's transaction: on PostgreSQL as a
server-side prepared statement.

What SQLAlchemy would have done around a statement and these skip:

- the write-behind's ``before_execute`` hook (``gateway.store.write_behind``): a ``Driver``
  statement must not read or change a table the write-behind holds rows for (claims, packs,
  timers, notifications, documents); ``DriverStatement`` refuses one that does when it is built;
- the ORM's autoflush: a caller that reads what the session may have changed flushes first.

``before_cursor_execute`` listeners still see each statement (the statement counts of the
tests and of ``bench/bench_layers.py``). A driver error is raised as SQLAlchemy's
(``DBAPIError.instance``), and a broken connection is invalidated, as SQLAlchemy's own
execution would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

from gateway.store import write_behind

#: Tables a driver statement must leave alone: the write-behind may hold rows for them.
WRITE_BEHIND_TABLES = frozenset(
    {"claims", "claim_packs", "claim_timers", "notifications", "printable_documents"}
)

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # parameter names in the order of a positional dialect's SQL
    positional: bool
    binds: tuple[tuple[str, Processor], ...]  # the parameters that need converting
    results: tuple[Processor, ...] | None  # one per column; None when none needs converting
    returns_rows: bool
    prepare: bool


def driver_error(conn: Connection, exc: Any, sql: str, params: Any) -> Exception:
    """The SQLAlchemy error for ``exc``, a driver error raised outside SQLAlchemy's execution
    (a driver statement, a pipelined commit), after doing what SQLAlchemy does for its own: a
    lost connection is invalidated, and with it every connection the pool handed out before
    (the server that dropped one has dropped them all: none is used again)."""
    record = conn.connection
    if conn.dialect.is_disconnect(exc, record.dbapi_connection, None) and not conn.invalidated:
        conn.engine.pool._invalidate(record, exc)  # as Connection._handle_dbapi_exception does
        conn.invalidate(exc)
    error: Exception = DBAPIError.instance(sql, params, exc, conn.dialect.loaded_dbapi.Error)
    return error


class DriverStatement:
    """One module-level Core statement, run on the driver (see the module)."""

    def __init__(self, statement: ClauseElement) -> None:
        touched = write_behind.tables_of(statement) & WRITE_BEHIND_TABLES
        if touched:
            raise ValueError(f"a driver statement may not touch {sorted(touched)}")
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def rows(self, session: Session, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run the statement in ``session``'s transaction; its rows, converted as SQLAlchemy
        converts them (none for a statement that returns none)."""
        return self.on(session.connection(), params)

    def on(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run the statement on ``conn`` (see ``rows``)."""
        compiled = self._compiled.get(conn.dialect.name)
        if compiled is None:
            compiled = self._compiled[conn.dialect.name] = self._compile(conn.dialect)
        values = dict(params)
        for name, process in compiled.binds:
            if process is not None:
                values[name] = process(values[name])
        arguments: Any = (
            tuple(values[name] for name in compiled.names) if compiled.positional else values
        )
        record = conn.connection
        driver: Any = record.driver_connection
        if conn._has_events or conn.engine._has_events:  # as Connection itself asks
            conn.dispatch.before_cursor_execute(conn, None, compiled.sql, arguments, None, False)
        try:
            if compiled.prepare:
                cursor = driver.execute(compiled.sql, arguments, prepare=True)
            else:
                cursor = driver.execute(compiled.sql, arguments)
            # (``cursor.description`` would build a column object per column every time)
            found = cursor.fetchall() if compiled.returns_rows else []
        except driver.Error as exc:
            raise driver_error(conn, exc, compiled.sql, arguments) from exc
        results = compiled.results
        if results is None or not found:
            return found
        return [
            tuple(v if p is None or v is None else p(v) for p, v in zip(results, row, strict=True))
            for row in found
        ]

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled: Any = self.statement.compile(dialect=dialect)
        names = tuple(compiled.positiontup or ()) if compiled.positional else ()
        binds = tuple(
            (name, bind.type._cached_bind_processor(dialect))
            for name, bind in compiled.binds.items()
        )
        selected = getattr(self.statement, "selected_columns", None)
        results: tuple[Processor, ...] | None = None
        if selected is not None:
            found = tuple(
                column.type._cached_result_processor(dialect, None) for column in selected
            )
            results = found if any(p is not None for p in found) else None
        return _Compiled(
            sql=str(compiled),
            names=names,
            positional=bool(compiled.positional),
            binds=tuple((n, p) for n, p in binds if p is not None),
            results=results,
            returns_rows=selected is not None,
            prepare=dialect.name == "postgresql",
        )
