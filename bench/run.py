"""``make bench``: every benchmark of bench/, one after the other, printing their figures.

The SOAP and claims benchmarks run on SQLite and, when it answers, on the PostgreSQL server of
``GATEWAY_BENCH_POSTGRES_URL`` (default 127.0.0.1:5432, database test; a scratch database is
created and dropped there). The whole-lifecycle load (bench_lifecycle.py) and the retention
purge (bench_purge.py) run on PostgreSQL only: the load 60 s per configuration
(``GATEWAY_BENCH_LIFECYCLE_SECONDS=10 make bench`` shortens it), the purge on 1,000,000 claims
(``GATEWAY_BENCH_PURGE_CLAIMS=100000`` for a quick run).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PG = os.environ.get(
    "GATEWAY_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def postgres_answers() -> bool:
    probe = f"import sqlalchemy as s; s.create_engine({PG!r}).connect().close()"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode == 0


def run(script: str, *args: str) -> None:
    print(f"== {script} {' '.join(args)}".rstrip(), flush=True)
    subprocess.run([sys.executable, str(HERE / script), *args], check=True)


run("bench_soap.py")
if postgres_answers():
    run("bench_soap.py", "--database-url", PG)
run("bench_peer.py")
run("bench_validate.py")
run("bench_claims.py")
if postgres_answers():
    run("bench_claims.py", "--database-url", PG)
run("bench_layers.py")
if postgres_answers():
    run("bench_layers.py", "--database-url", PG)
run("bench_attachments.py")
if postgres_answers():
    run("bench_attachments.py", "--database-url", PG)
    run("bench_lifecycle.py", "--database-url", PG)
    # 1,000,000 claims by default; GATEWAY_BENCH_PURGE_CLAIMS=100000 for a quick run
    run("bench_purge.py", "--database-url", PG)
else:
    print("== PostgreSQL benchmarks skipped: no server at " + PG, flush=True)
