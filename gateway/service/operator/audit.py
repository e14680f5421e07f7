"""User-access audit reports (security.md 6.1): for an organisation and a period, every access to
claims by its users, reads and writes, one row per request: time, A2A user, asUser (or the
operator acting), operation, ``applicationId``, outcome and error key, from the journal.

An organisation's report lists the requests made by its users (as A2A user, as asUser, or as
the user running an operator function), the deleted accounts' included, and nothing made by a
user of another organisation. "Access to claims" is a request that named a claim, or a claim
list (``getClaimsList``, ``searchClaims``); ``claims_only=False`` lists every request. The two
standard views are filters: ``user_id`` ("claims accessed by user X") and ``application_id``
("users who accessed claim Y").

The rows stream from the journal (``operator_queries.stream_audit``: a server-side cursor read a
thousand rows at a time) straight into the writer, CSV or a JSON array, so a year of a large
organisation never sits in memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any, Final

from gateway.service.clock import as_utc
from gateway.service.operator import ENDPOINT, Operator, OperatorRefused, system_entry
from gateway.service.unit_of_work import Database
from gateway.store import operator_queries as q
from gateway.store.operator_queries import AUDIT_COLUMNS, AuditFilter

if TYPE_CHECKING:
    from gateway.app import Components

LIST_OPERATIONS: Final = frozenset({"getClaimsList", "searchClaims"})
ADMIN_PROFILES: Final = frozenset({"CR_ADMIN", "COMP_ADMIN"})
FORMATS: Final = ("csv", "json")


def authorise(operator: Operator, organisation_id: str | None) -> None:
    """The platform operator reads any organisation's report (or all of them); an organisation
    administrator reads its own organisation's."""
    if operator.is_platform:
        return
    if organisation_id is None or organisation_id != operator.organisation_id:
        raise OperatorRefused(f"{operator.actor} may read only its own organisation's report")
    if not operator.profiles & ADMIN_PROFILES:
        raise OperatorRefused(f"{operator.actor} is not an organisation administrator")


def _cell(value: Any) -> Any:
    return as_utc(value).isoformat() if isinstance(value, datetime) else value


def rows(database: Database, f: AuditFilter) -> Iterator[dict[str, Any]]:
    """The report's rows as dictionaries of ``AUDIT_COLUMNS``, streamed."""
    with database.unit_of_work(reads_first=True) as uow:
        for row in q.stream_audit(uow.session, f, LIST_OPERATIONS):
            yield {name: _cell(value) for name, value in zip(AUDIT_COLUMNS, row, strict=True)}


def write(out: IO[str], report: Iterable[dict[str, Any]], fmt: str) -> int:
    """Write ``report`` to ``out`` as CSV (a header, then a line per request) or as one JSON
    array (an object per request, one per line); returns the rows written."""
    if fmt not in FORMATS:
        raise OperatorRefused(f"format must be csv or json, not {fmt!r}")
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=AUDIT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in report:
            writer.writerow(row)
            count += 1
        return count
    out.write("[")
    for row in report:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(row, separators=(",", ":")))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def report(
    components: Components, operator: Operator, f: AuditFilter, out: IO[str], fmt: str
) -> int:
    """Check the rights, write the report, journal that it was read (who, which organisation,
    which period): an audit report is itself an access worth recording."""
    authorise(operator, f.organisation_id)
    if f.end <= f.start:
        raise OperatorRefused("the period is empty: --to must be after --from")
    if fmt not in FORMATS:
        raise OperatorRefused(f"format must be csv or json, not {fmt!r}")
    database = components.database
    count = write(out, rows(database, f), fmt)
    now = components.clock.now()
    with database.unit_of_work() as uow:
        system_entry(
            uow,
            components.settings,
            now,
            endpoint=ENDPOINT,
            actor=operator.actor,
            operation="AUDIT_REPORT",
            service=None,
            detail=(
                f"audit report of {f.organisation_id or 'every organisation'} "
                f"{f.start.isoformat()} .. {f.end.isoformat()}: {count} rows ({fmt})"
            ),
        )
        uow.commit()
    return count
