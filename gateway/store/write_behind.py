"""Write-behind: rows a unit of work adds cheaply, gathered and written together by one hook.

A repository hands its new rows to the session's ``WriteBehind`` instead of the ORM: new mapped
objects (a claim) are written with one Core INSERT each and then join the session as loaded
rows; plain rows (a claim's packs, timers, notifications) with one Core ``executemany`` per
table, after the objects (their foreign keys point at them). Nothing is written when they are
added. ``install`` puts one hook in front of everything that could need them, so no repository
method has to remember to write them first:

- every statement on the session's connection (``before_execute``: ORM queries, ORM-enabled
  DML, the ORM's own flush statements and Core statements run on ``session.connection()``) that
  names a table with pending rows;
- a flush of ORM objects of such a table (``before_flush``, so that the objects join the session
  before the flush begins);
- ``commit`` (``before_commit``).

A statement that names none of those tables writes nothing: a claim stays unwritten while the
handler goes on setting its columns (they become part of its INSERT, not UPDATEs), and the
notifications of two ``notify`` calls go in one ``executemany``. When nothing is pending the hook
is one dictionary lookup per statement. Raw driver SQL (``Connection.exec_driver_sql``) does not
pass through ``before_execute``; nothing here uses it. A rolled-back transaction drops what was
pending.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, Insert, event, insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, SessionTransaction, make_transient_to_detached
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnClause, TextClause
from sqlalchemy.sql.schema import Table
from sqlalchemy.sql.selectable import TableClause

#: The key of a session's ``WriteBehind`` in ``Session.info``, and of the same object in the
#: execution options of the connection that session uses.
KEY = "gateway_write_behind"
_WORD = re.compile(r"\w+")


class WriteBehind:
    """The rows one session has yet to write (see the module); written by ``write``, which the
    hooks installed by ``install`` call."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._objects: list[Any] = []
        self._rows: dict[Insert, list[dict[str, Any]]] = {}
        self._tables: set[str] = set()  # the tables with something pending: the hook's test
        self._writing = False
        session.info[KEY] = self

    def add_object(self, instance: Any) -> None:
        """Write ``instance`` (a mapped object whose primary key is set) with one Core INSERT of
        its columns as they stand when it is written; unset columns take their scalar default,
        else NULL. It then belongs to the session: later changes to it are UPDATEs."""
        self._objects.append(instance)
        self._tables.add(instance.__table__.name)

    def add_row(self, statement: Insert, row: dict[str, Any]) -> None:
        """Write ``row`` with ``statement`` (a table's INSERT), in one ``executemany`` with the
        other rows of that statement, after the objects."""
        rows = self._rows.get(statement)
        if rows is None:
            rows = self._rows[statement] = []
        rows.append(row)
        self._tables.add(statement.table.name)

    @property
    def pending(self) -> bool:
        return bool(self._tables)

    def needed_by(self, tables: Iterable[str]) -> bool:
        """Whether something pending is in one of ``tables``."""
        return not self._writing and not self._tables.isdisjoint(tables)

    def write(self, conn: Connection | None = None) -> None:
        """Write everything pending: the objects, then each statement's rows."""
        if not self._tables or self._writing:
            return
        self._writing = True  # the statements below pass through the hook too
        try:
            if conn is None:
                conn = self._session.connection()
            while self._objects:
                self._insert(conn, self._objects[0])
                del self._objects[0]
            for statement, rows in self._rows.items():
                if rows:
                    conn.execute(statement, rows)
                    rows.clear()
            self._tables.clear()
        finally:
            self._writing = False

    def discard(self) -> None:
        self._objects.clear()
        self._rows.clear()
        self._tables.clear()

    def _insert(self, conn: Connection, instance: Any) -> None:
        """One Core INSERT (the ORM's flush costs several times as much); then the object joins
        the session as a loaded row."""
        table = instance.__table__
        statement, unset, plain = _object_insert(table)
        state = instance.__dict__
        for key, value in unset.items():
            if key not in state:
                setattr(instance, key, value)
        # A NULL column with no default of either side is left out of the INSERT (it is NULL
        # all the same): a claim has 76 columns, and psycopg converts a statement of more than
        # 50 parameters afresh on every execution (its query cache stops there).
        conn.execute(
            statement,
            {key: state[key] for key in unset if state[key] is not None or key not in plain},
        )
        make_transient_to_detached(instance)
        self._session.add(instance)


_OBJECT_INSERTS: dict[Table, tuple[Insert, dict[str, Any], frozenset[str]]] = {}


def _object_insert(table: Table) -> tuple[Insert, dict[str, Any], frozenset[str]]:
    """A table's INSERT; the value of each column left unset (its scalar default, else None);
    and the columns with no default, neither SQLAlchemy's nor the server's (left out of the
    INSERT, such a column is NULL). Built once per table (a statement reused is a statement
    cached)."""
    found = _OBJECT_INSERTS.get(table)
    if found is None:
        unset = {
            column.key: column.default.arg  # type: ignore[attr-defined]
            if column.default is not None and column.default.is_scalar
            else None
            for column in table.columns
        }
        plain = frozenset(
            column.key
            for column in table.columns
            if column.default is None and column.server_default is None
        )
        found = _OBJECT_INSERTS[table] = (insert(table), unset, plain)
    return found


# ------------------------------------------------------------------------------- the tables
_TABLES_OF: weakref.WeakKeyDictionary[Any, frozenset[str]] = weakref.WeakKeyDictionary()


def tables_of(statement: Any) -> frozenset[str]:
    """The names of the tables ``statement`` reads or changes, wherever they appear (FROM,
    joins, subqueries, CTEs, a DML target, a column's table); for textual SQL, every word of
    it (a table named in it is then among them). Remembered per statement object: the
    statements built once at import cost a lookup."""
    try:
        return _TABLES_OF[statement]
    except KeyError:
        pass
    except TypeError:  # not weakly referenceable: not remembered
        return _find_tables(statement)
    found = _TABLES_OF[statement] = _find_tables(statement)
    return found


def _find_tables(statement: Any) -> frozenset[str]:
    names: set[str] = set()
    todo, seen = [statement], set()
    while todo:
        for element in visitors.iterate(todo.pop()):
            if isinstance(element, TableClause):
                names.add(element.name)
            elif isinstance(element, TextClause):
                names.update(_WORD.findall(element.text))
            elif isinstance(element, ColumnClause):
                table = element.table  # a column's table is not among its children
                if table is not None and id(table) not in seen:
                    seen.add(id(table))
                    todo.append(table)
    return frozenset(names)


# -------------------------------------------------------------------------------- the hooks
def install() -> None:
    """Put the hook in front of every engine's statements and every session's flushes and
    commits, once per process. The hooks are listened for on the ``Engine`` and ``Session``
    classes, not on each engine and session factory: SQLAlchemy's event registry keys its
    targets by ``id()``, so after one engine or factory of a process is garbage-collected a new
    one at the same address could be taken for it ("already listening") and left without the
    hook, and a unit of work would then commit without writing what was pending. A session or
    connection without a write-behind costs the hooks one dictionary lookup."""
    global _installed
    if _installed:
        return
    event.listen(Engine, "before_execute", _before_execute)
    event.listen(Session, "after_begin", _after_begin)
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
    _installed = True


_installed = False


def _after_begin(session: Session, _transaction: SessionTransaction, conn: Connection) -> None:
    writes = session.info.get(KEY)
    if writes is not None:  # the connection's statements find the session's write-behind
        conn.execution_options(**{KEY: writes})


def _before_execute(
    conn: Connection, statement: Any, _multi: Any, _params: Any, options: Any
) -> None:
    writes: WriteBehind | None = options.get(KEY)
    if writes is not None and writes.pending and writes.needed_by(tables_of(statement)):
        writes.write(conn)


def _before_flush(session: Session, _context: Any, _objects: Any) -> None:
    writes: WriteBehind | None = session.info.get(KEY)
    if writes is None or not writes.pending:
        return
    flushed = (session.new, session.dirty, session.deleted)
    tables = {getattr(o, "__tablename__", "") for group in flushed for o in group}
    if writes.needed_by(tables):
        writes.write()


def _before_commit(session: Session) -> None:
    writes: WriteBehind | None = session.info.get(KEY)
    if writes is not None:
        writes.write()


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    writes: WriteBehind | None = session.info.get(KEY)
    if writes is not None and transaction.parent is None and writes.pending:
        writes.discard()  # rolled back (a commit wrote everything first)
