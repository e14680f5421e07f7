"""The floor of the addClaim benchmark: the least work an addClaim must do, with nothing else.

Per request, as the bare app: the hardened parse of the envelope and of the CNF and its XSD
validation. Then, on the raw driver (sqlite3 or psycopg) against the gateway's own tables seeded
by ``gateway demo``, the database work the contract needs: BEGIN (on SQLite under the gateway's
writer lock), the token check (one SELECT), the compensator and the reference checks, the
claim's id, the claim row, its pack, three timers, the recipients and one notification each,
the journal entry and the stored message, COMMIT (on PostgreSQL the writes after the last read
in one round trip, in pipeline mode). No SOAP layer, no business rules, no ORM.

Its rate bounds from above what any implementation of addClaim can reach on the machine.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench_claims import NS, OK_BODY, SOAP, XSD
from floor_app import CHECK, answer, journal

TOKEN = re.compile(rb"<accessToken>([^<]+)</accessToken>")
COMPENSATOR = (
    "SELECT kind, active, rta_enabled, compensator_type FROM organisations "
    "WHERE organisation_id = {p}"
)
REFERENCE = (
    "SELECT id FROM claims WHERE service = {p} AND cr_org_id = {p} AND "
    "cr_reference_key = {p} AND NOT ended LIMIT 1"
)
RECIPIENTS = "SELECT user_id, profiles FROM users WHERE organisation_id = {p} AND enabled"
CLAIM_COLUMNS = (
    "id",
    "application_id",
    "service",
    "release",
    "version_major",
    "version_minor",
    "claim_type",
    "phase",
    "guid",
    "ended",
    "cr_org_id",
    "comp_org_id",
    "comp_branch_id",
    "insurer_type",
    "cr_reference",
    "cr_reference_key",
    "child_claim",
    "claimant_birth_date",
    "accident_date",
    "created_at",
    "updated_at",
    "sent_date",
    "dispatched_at",
    "deadline_rule",
    "deadline_date",
    "timeout_at",
    "liability_deadline",
    "liability_rule",
    "gdpr_deleted",
)
CLAIM = (
    f"INSERT INTO claims ({', '.join(CLAIM_COLUMNS)}) VALUES "
    f"({', '.join(['{p}'] * len(CLAIM_COLUMNS))})"
)
PACK = (
    "INSERT INTO claim_packs (claim_id, kind, number, xml, sha256, created_at, "
    "organisation_id) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p})"
)
TIMER = (
    "INSERT INTO claim_timers (claim_id, kind, rule, days_left, fire_at, guid) "
    "VALUES ({p}, {p}, {p}, {p}, {p}, {p})"
)
NOTIFICATION = (
    "INSERT INTO notifications (guid, user_id, application_id, created_at, message,"
    " machine) VALUES ({p}, {p}, {p}, {p}, {p}, {p})"
)
_STATE: dict[str, Any] = {}


def _state() -> dict[str, Any]:
    """Per worker process: the schema, the connection and the statements (built on first use)."""
    if _STATE:
        return _STATE
    from lxml import etree

    from gateway.store.db import WriterLock
    from gateway.validation.hardened import parse_text

    url = os.environ["FLOOR_DATABASE_URL"]
    _STATE.update(
        parse=parse_text, schema=etree.XMLSchema(etree.parse(str(XSD))), lock=WriterLock(url)
    )
    if url.startswith("sqlite"):
        import sqlite3

        conn: Any = sqlite3.connect(url.split("///", 1)[1], isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        _STATE.update(
            conn=conn,
            begin="BEGIN IMMEDIATE",
            p="?",
            stamp=_sqlite_time,
            next_id="SELECT coalesce(max(id), 0) + 1 FROM claims",
            batch=lambda _conn: contextlib.nullcontext(),
        )
    else:
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)
        # pipeline mode: the writes after the last read go to the server in one round trip
        _STATE.update(
            conn=conn,
            begin="BEGIN",
            p="%s",
            stamp=lambda at: at,
            next_id="SELECT nextval(pg_get_serial_sequence('claims', 'id'))",
            batch=lambda conn: conn.pipeline(),
        )
    p = _STATE["p"]
    _STATE["sql"] = {
        name: sql.format(p=p)
        for name, sql in (
            ("check", CHECK),
            ("compensator", COMPENSATOR),
            ("reference", REFERENCE),
            ("recipients", RECIPIENTS),
            ("claim", CLAIM),
            ("pack", PACK),
            ("timer", TIMER),
            ("notification", NOTIFICATION),
        )
    }
    return _STATE


def _sqlite_time(at: datetime | date) -> str:
    return at.replace(tzinfo=None).isoformat(" ") if isinstance(at, datetime) else at.isoformat()


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    state = _state()
    conn, sql, stamp = state["conn"], state["sql"], state["stamp"]
    raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    envelope = state["parse"](raw.decode("utf-8"), None)
    claim_xml = envelope.getroot().findtext(f"{{{SOAP}}}Body/{{{NS}}}addClaim/claimXML") or ""
    pack = state["parse"](claim_xml)
    valid = state["schema"].validate(pack)
    found = TOKEN.search(raw)
    token = hashlib.sha256(found.group(1) if found else b"").hexdigest()
    company = pack.getroot().find(".//CompanyDetails")
    reference = "" if company is None else company.get("ReferenceNumber", "")
    correlation_id, now, today = str(uuid.uuid4()), datetime.now(UTC), date.today()
    with state["lock"], state["batch"](conn):
        conn.execute(state["begin"])
        ok = valid and conn.execute(sql["check"], (token,)).fetchone() is not None
        ok = ok and conn.execute(sql["compensator"], ("COMP001",)).fetchone() is not None
        ok = (
            ok
            and conn.execute(sql["reference"], ("rta", "CR00001", reference.lower())).fetchone()
            is None
        )
        if ok:
            claim_id = conn.execute(state["next_id"]).fetchone()[0]
            app_id, guid = f"{claim_id:016d}", str(uuid.uuid4()).upper()
            due = today + timedelta(days=21)
            conn.execute(
                sql["claim"],
                tuple(
                    stamp(v) if isinstance(v, date) else v
                    for v in (
                        claim_id,
                        app_id,
                        "rta",
                        "R7",
                        7,
                        0,
                        "A",
                        "ClaimSubmitted",
                        guid,
                        False,
                        "CR00001",
                        "COMP001",
                        "001",
                        "I",
                        reference,
                        reference.lower(),
                        False,
                        date(1980, 1, 1),
                        today,
                        now,
                        now,
                        today,
                        now,
                        "D2",
                        due,
                        now,
                        due,
                        "D2",
                        False,
                    )
                ),
            )
            conn.execute(
                sql["pack"],
                (
                    claim_id,
                    "CNF",
                    1,
                    claim_xml,
                    hashlib.sha256(claim_xml.encode()).hexdigest(),
                    stamp(now),
                    "CR00001",
                ),
            )
            for kind, left in (("TIMEOUT", None), ("WARN", 5), ("LIMIT", 0)):
                conn.execute(sql["timer"], (claim_id, kind, "D2", left, stamp(now), guid))
            for user_id, _profiles in conn.execute(sql["recipients"], ("COMP001",)).fetchall():
                conn.execute(
                    sql["notification"],
                    (
                        str(uuid.uuid4()).upper(),
                        user_id,
                        app_id,
                        stamp(now),
                        "Claim received",
                        True,
                    ),
                )
        journal(conn, state["p"], stamp, now, correlation_id, "addClaim", ok, raw, len(OK_BODY))
        conn.execute("COMMIT")
    return answer(start_response, OK_BODY, ok)
