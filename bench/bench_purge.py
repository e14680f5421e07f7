"""The retention purge on PostgreSQL: claims purged per second, and what it costs addClaim.

A scratch database gets the demo world and, by COPY, ``N`` claims (default 1,000,000; set
``GATEWAY_BENCH_PURGE_CLAIMS`` for a quick run), one in ten of them ended 60 days ago (due for
the 30-day purge), each of those with a 2 KB pack, two timers, two notifications and a printable
document row; the others in active phases. Then:

1. addClaim throughput through ``gateway serve`` (2 workers, 4 clients) without a purge;
2. ``gateway retention run`` started, and the same addClaim load while it runs: the ratio to
   (1) (target >= 70%), and claims purged per second once it finishes;
3. addClaim again without a purge (the baseline is the mean of 1 and 3, so drift of a shared
   machine counts against neither side).

    python bench/bench_purge.py [--seconds 10] [--clients 4] [--batch 500]
                                [--database-url postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_claims import (
    cnf_template,
    databases,
    envelope,
    load,
    seed,
    start,
    stop,
    token,
)

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DUE_EVERY = 10  # one claim in ten is due for the purge
PACK = "<ClaimData>" + "x" * 2000 + "</ClaimData>"
PACK_SHA = hashlib.sha256(PACK.encode()).hexdigest()
CLAIM_COLUMNS = [
    "id",
    "application_id",
    "service",
    "release",
    "version_major",
    "version_minor",
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
    "created_at",
    "updated_at",
    "sent_date",
    "dispatched_at",
    "end_date",
    "deadline_rule",
    "deadline_date",
    "gdpr_deleted",
]


def _claims(count: int, now: datetime) -> Iterator[tuple[Any, ...]]:
    ended_at = now - timedelta(days=60)
    for n in range(1, count + 1):
        due = n % DUE_EVERY == 0
        made = ended_at - timedelta(days=30) if due else now - timedelta(minutes=n % 525_600)
        phase = "ExitProcessEnd" if due else "LiabilityDecision"
        yield (
            n,
            f"{n:016d}",
            "rta",
            "R7",
            7,
            0,
            phase,
            str(uuid.uuid4()).upper(),
            due,
            "CR00001",
            "COMP001",
            "001",
            "I",
            f"PURGE-{n}",
            f"purge-{n}",
            False,
            made,
            ended_at if due else made,
            made.date(),
            made,
            ended_at.date() if due else None,
            None if due else "D3",
            None if due else made.date() + timedelta(days=21),
            False,
        )


def _copy(cur: Any, table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> None:
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def bulk(url: str, count: int) -> float:
    """Store ``count`` claims and the rows of the due ones by COPY; returns the seconds taken."""
    import psycopg

    started = time.perf_counter()
    now = datetime.now(UTC)
    due = range(DUE_EVERY, count + 1, DUE_EVERY)
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        with conn.cursor() as cur:
            _copy(cur, "claims", CLAIM_COLUMNS, _claims(count, now))
            _copy(
                cur,
                "claim_packs",
                ["claim_id", "kind", "number", "xml", "sha256", "created_at", "organisation_id"],
                ((n, "CNF", 1, PACK, PACK_SHA, now, "CR00001") for n in due),
            )
            _copy(
                cur,
                "claim_timers",
                ["claim_id", "kind", "rule", "days_left", "fire_at", "fired_at", "guid"],
                ((n, kind, "D2", None, now, now, "G") for n in due for kind in ("WARN", "TIMEOUT")),
            )
            _copy(
                cur,
                "notifications",
                ["guid", "user_id", "application_id", "created_at", "message", "machine"],
                (
                    (str(uuid.uuid4()), user, f"{n:016d}", now, "Claim ended", True)
                    for n in due
                    for user in ("cr-rta-ch", "comp-rta-ch")
                ),
            )
            _copy(
                cur,
                "printable_documents",
                [
                    "guid",
                    "claim_id",
                    "kind",
                    "number",
                    "title",
                    "source_sha256",
                    "created_at",
                    "updated_at",
                ],
                ((str(uuid.uuid4()), n, "CNF", 1, "CNF", PACK_SHA, now, now) for n in due),
            )
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('claims', 'id'), (SELECT max(id) FROM claims))"
        )
        conn.commit()
        conn.autocommit = True
        for table in ("claims", "claim_packs", "claim_timers", "notifications"):
            conn.execute(f"VACUUM ANALYZE {table}")
        conn.execute("CHECKPOINT")
    return time.perf_counter() - started


def count(url: str, where: str = "") -> int:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        row = conn.execute(f"SELECT count(*) FROM claims {where}").fetchone()
        return int(row[0]) if row else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="seconds per addClaim figure")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=500, help="claims per purge transaction")
    parser.add_argument("--database-url", default=os.environ.get("GATEWAY_BENCH_POSTGRES_URL", PG))
    args = parser.parse_args(argv)
    total = int(os.environ.get("GATEWAY_BENCH_PURGE_CLAIMS", "1000000"))
    work = Path(tempfile.mkdtemp(prefix="gw-bench-purge-"))
    gateway = [sys.executable, "-m", "gateway.cli"]
    with databases(args.database_url, work, ("purge",)) as (url,):
        base = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
        env = {**base, "GATEWAY_DATABASE_URL": url, "GATEWAY_RATE_LIMIT_PER_USER": "10000000"}
        creds = seed(gateway, env)
        took = bulk(url, total)
        due = count(url, "WHERE ended")
        os.sync()
        proc, port = start(
            [*gateway, "serve", "--bind", "127.0.0.1:0", "--workers", "2"], work / "serve.log", env
        )
        try:
            cr = token(port, creds["cr"])
            template = envelope(
                "addClaim",
                f"<claimXML>{escape(cnf_template())}</claimXML><accessToken>{cr}</accessToken>",
            )
            load(port, template, 2, args.clients, "w")
            before, errors = load(port, template, args.seconds, args.clients, "a")
            with (work / "purge.log").open("wb") as out:
                started = time.perf_counter()
                purge = subprocess_run(gateway, env, args.batch, out)
                during, errors_during = load(port, template, args.seconds, args.clients, "b")
                overlapped = purge.poll() is None
                purge.wait()
                elapsed = time.perf_counter() - started
            after, errors_after = load(port, template, args.seconds, args.clients, "c")
        finally:
            stop(proc)
        left = count(url, "WHERE ended")
        remaining = count(url)
    baseline = (before + after) / 2
    print(
        f"== retention purge, PostgreSQL: {total:,} claims ({due:,} ended 60 days ago, each with "
        f"a pack, 2 timers, 2 notifications, a document), seeded by COPY in {took:.1f} s"
    )
    print(
        f"purged {due - left:,} claims in {elapsed:.1f} s: {(due - left) / elapsed:,.0f} claims/s"
    )
    print(f"  (batches of {args.batch}, each one transaction; {remaining:,} claims remain)")
    print(
        f"addClaim without purge: {before:.1f} req/s before, {after:.1f} after "
        f"({errors + errors_after} errors); during the purge: {during:.1f} req/s "
        f"({errors_during} errors)"
    )
    print(f"ratio during/without: {during / baseline:.1%} (target >= 70%)")
    if not overlapped:
        print("  note: the purge ended before the load did; the ratio is diluted")
    return 0 if left == 0 else 1


def subprocess_run(gateway: list[str], env: dict[str, str], batch: int, out: Any) -> Any:
    import subprocess

    return subprocess.Popen(
        [*gateway, "retention", "run", "--batch", str(batch)],
        env=env,
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
    )


if __name__ == "__main__":
    sys.exit(main())
