"""addClaim throughput and claim-read latency, printed from one run.

1. addClaim through ``gateway serve`` (2 workers, demo world; every request a token-authenticated
   addClaim of an ~8 KB RTA R7 CNF with its own reference) against a bare WSGI app under the same
   gunicorn settings that does the hardened parse of the envelope and of the CNF, XSD validation
   of the CNF (AddClaim_ClaimData-v3.8.xsd) and one INSERT of the message into a one-table
   database of the same kind. Target: gateway >= 60% of bare. And a floor app
   (``floor_claims.py``): the bare app's parse and XSD plus only the database work an addClaim
   needs, on the raw driver; its rate bounds what any addClaim can reach here.
2. The same addClaim load on a second database holding ``--claims`` claims more, against the
   small one (target >= 90%), and searchClaims / getClaimsList latency at both sizes.

Each round measures the four servers once, one after the other (small, large, bare, floor); the
figures are the medians of the rounds, printed with every round's figure, because a 2-core
machine shared by server and load generator varies by a fifth from one run to the next.

    python bench/bench_claims.py [--seconds 6] [--rounds 3] [--clients 4] [--claims 1000000]
                                 [--database-url postgresql+psycopg://postgres@127.0.0.1/test]

With ``--database-url`` (PostgreSQL) the benchmark creates and drops its own databases on that
server; without it, SQLite files in a temporary directory.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
PATH = "/PIP.WSTK/PIPWSTK"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "http://wstk.pip.crif.com/"
XSD = ROOT / "schemas" / "rta" / "R7" / "AddClaim_ClaimData-v3.8.xsd"
MARK = "BENCHREFERENCE0000000000"  # replaced by a unique reference per request


# --------------------------------------------------------------------------- the bare app
_BARE: dict[str, Any] = {}
OK_BODY = (
    f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP}">'
    f'<soap:Body><ns2:addClaimResponse xmlns:ns2="{NS}"><claimInfoResponse><code>Ok'
    "</code><message>Claim submitted</message></claimInfoResponse></ns2:addClaimResponse>"
    "</soap:Body></soap:Envelope>"
).encode()


def _bare_state() -> dict[str, Any]:
    """Per worker process: the compiled schema and a database connection (built on first use)."""
    if not _BARE:
        from lxml import etree

        from gateway.validation.hardened import parse_text

        _BARE["parse"] = parse_text
        _BARE["schema"] = etree.XMLSchema(etree.parse(str(XSD)))
        url = os.environ["BENCH_BARE_URL"]
        if url.startswith("sqlite"):
            import sqlite3

            conn = sqlite3.connect(url.split("///", 1)[1], timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            _BARE["insert"] = lambda body: conn.execute(
                "INSERT INTO messages (received_at, body) VALUES (?, ?)",
                (datetime.now(UTC).isoformat(), body),
            )
        else:
            import psycopg

            pg = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)
            _BARE["insert"] = lambda body: pg.execute(
                "INSERT INTO messages (received_at, body) VALUES (%s, %s)",
                (datetime.now(UTC), body),
            )
    return _BARE


def bare_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    state = _bare_state()
    raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    envelope = state["parse"](raw.decode("utf-8"), None)
    claim_xml = envelope.getroot().findtext(f"{{{SOAP}}}Body/{{{NS}}}addClaim/claimXML")
    pack = state["parse"](claim_xml or "")
    valid = state["schema"].validate(pack)
    state["insert"](raw)
    body = OK_BODY if valid else OK_BODY.replace(b"<code>Ok</code>", b"<code>Failure</code>")
    start_response(
        "200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]


# --------------------------------------------------------------------------- databases
@contextmanager
def databases(
    server_url: str | None, work: Path, names: tuple[str, ...] = ("gateway", "bare")
) -> Iterator[tuple[str, ...]]:
    """One database URL per name, created empty and dropped afterwards."""
    if server_url is None:
        yield tuple(f"sqlite:///{work / name}.db" for name in names)
        return
    import psycopg

    plain = server_url.replace("postgresql+psycopg", "postgresql")
    created = [f"gw_{name}_{uuid.uuid4().hex[:10]}" for name in names]
    with psycopg.connect(plain, autocommit=True) as admin:
        for name in created:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield tuple(re.sub(r"/[^/]*$", f"/{n}", server_url) for n in created)
    finally:
        with psycopg.connect(plain, autocommit=True) as admin:
            for name in created:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (name,),
                )
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def create_bare_table(url: str) -> None:
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.split("///", 1)[1]) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(
                "CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                "received_at TEXT NOT NULL, body BLOB NOT NULL)"
            )
        return
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
        c.execute(
            "CREATE TABLE messages (id BIGSERIAL PRIMARY KEY, "
            "received_at TIMESTAMPTZ NOT NULL, body BYTEA NOT NULL)"
        )


_PHASES = (
    "ClaimSubmitted",
    "Article75Decision",
    "LiabilityDecision",
    "LiabilityAdmitted",
    "LiabilityDecisionTimeoutEnd",
    "ExitRejectedClaim",
)


def _claim_rows(count: int, start_id: int) -> Iterator[tuple[Any, ...]]:
    now = datetime.now(UTC)
    for n in range(start_id, start_id + count):
        phase = _PHASES[n % len(_PHASES)]
        ended = phase.endswith("End") or phase == "ExitRejectedClaim"
        made = now - timedelta(minutes=n % 525_600)
        sent = made.date()
        deadline = None if ended else sent + timedelta(days=21)
        yield (
            n,
            f"{n:016d}",
            "rta",
            "R7",
            7,
            0,
            phase,
            str(uuid.uuid4()).upper(),
            ended,
            "CR00001",
            "COMP001",
            "001",
            "I",
            f"BULK-{n}",
            f"bulk-{n}",
            False,
            made,
            made,
            sent,
            made,
            deadline and "D2",
            deadline,
            deadline and "D2",
            False,
        )


_COLUMNS = (
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
    "deadline_rule",
    "deadline_date",
    "liability_rule",
    "gdpr_deleted",
)


def bulk_claims(url: str, count: int) -> float:
    """Store ``count`` claims straight into ``claims`` (no packs); returns the seconds it took."""
    started = time.perf_counter()
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.split("///", 1)[1]) as conn:
            first = (conn.execute("SELECT coalesce(max(id), 0) FROM claims").fetchone()[0]) + 1
            marks = ", ".join("?" * len(_COLUMNS))
            sql = f"INSERT INTO claims ({', '.join(_COLUMNS)}) VALUES ({marks})"
            rows = _claim_rows(count, first)
            while chunk := [row for _, row in zip(range(50_000), rows, strict=False)]:
                conn.executemany(sql, [tuple(_sqlite(v) for v in row) for row in chunk])
            conn.execute("ANALYZE")
        return time.perf_counter() - started
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        first = conn.execute("SELECT coalesce(max(id), 0) FROM claims").fetchone()[0] + 1
        with (
            conn.cursor() as cur,
            cur.copy(f"COPY claims ({', '.join(_COLUMNS)}) FROM STDIN") as copy,
        ):
            for row in _claim_rows(count, first):
                copy.write_row(row)
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('claims', 'id'), (SELECT max(id) FROM claims))"
        )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE claims")
        conn.execute("CHECKPOINT")  # not during the measurements that follow
    return time.perf_counter() - started


def _sqlite(value: Any) -> Any:
    # SQLAlchemy's SQLite DateTime/Date storage format
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


# --------------------------------------------------------------------------- servers, load
def sync_gunicorn(app: str, timeout: int | None = 60) -> list[str]:
    """One of this directory's WSGI apps under gunicorn's sync workers, 2 of them, on a free
    port (the floor and bare apps' settings)."""
    cmd = [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "2",
           "--worker-class", "sync"]  # fmt: skip
    if timeout is not None:
        cmd += ["--timeout", str(timeout)]
    return [*cmd, "--chdir", str(ROOT / "bench"), app]


def start(cmd: list[str], log: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log.read_text())
        if found:
            port = int(found.group(1))
            _ready(port, deadline)
            return proc, port
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")


def _ready(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            time.sleep(0.5)  # let every worker finish booting
            return
        except OSError:
            time.sleep(0.05)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def envelope(operation: str, fields: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP}" '
        f'xmlns:t="{NS}"><soap:Body><t:{operation}>{fields}</t:{operation}></soap:Body>'
        "</soap:Envelope>"
    ).encode()


def call(port: int, body: bytes) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", PATH, body, {"Content-Type": "text/xml; charset=utf-8"})
    reply = conn.getresponse().read()
    conn.close()
    return reply


def reference(tag: str, n: int) -> str:
    """The CR reference of request ``n`` of client ``tag`` (as long as ``MARK``: no re-escaping)."""
    return f"B{tag}{n:07d}".ljust(len(MARK), "0")


def _client(
    port: int,
    template: bytes,
    tag: str,
    seconds: float,
    queue: multiprocessing.Queue[tuple[int, int, bytes]],
) -> None:
    done = errors = n = 0
    sample = b""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        n += 1
        reply = call(port, template.replace(MARK.encode(), reference(tag, n).encode()))
        if b"<code>Ok</code>" in reply:
            done += 1
        else:
            errors += 1
            sample = sample or reply[:600]
    queue.put((done, errors, sample))


def load(port: int, template: bytes, seconds: float, clients: int, run: str) -> tuple[float, int]:
    queue: multiprocessing.Queue[tuple[int, int, bytes]] = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(
            target=_client, args=(port, template, f"{run}{i:02d}", seconds, queue)
        )
        for i in range(clients)
    ]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    errors = sum(r[1] for r in results)
    if errors:
        print(f"  first error reply: {next(r[2] for r in results if r[2])[:400]!r}")
    return sum(r[0] for r in results) / seconds, errors


def token(port: int, creds: dict[str, str]) -> str:
    reply = call(
        port,
        envelope(
            "getToken",
            f"<userID>{creds['userID']}</userID><userAsID>"
            f"{creds['userAsID']}</userAsID><password>"
            f"{creds['password']}</password>",
        ),
    )
    found = re.search(rb"<accessToken>([^<]+)</accessToken>", reply)
    assert found, reply[:500]
    return found.group(1).decode()


def latency(port: int, body: bytes, repeat: int) -> str:
    first = call(port, body)
    code = re.search(rb"<code>([^<]*)</code>", first)
    if code is None or code.group(1) != b"Ok":
        detail = re.search(rb"<details>([^<]*)</details>", first)
        return (
            "not available ("
            + (detail.group(1).decode()[:60] if detail else first[:80].decode("utf-8", "replace"))
            + ")"
        )
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call(port, body)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    rows = len(re.findall(rb"<applicationId>", first))
    return f"median {statistics.median(times):7.1f} ms, p95 {p95:7.1f} ms ({rows} rows)"


# --------------------------------------------------------------------------- the run
def cnf_template() -> str:
    sys.path.insert(0, str(ROOT))
    from tests.e2e.claims import cnf

    return cnf(MARK)


def reads(
    port: int, cr_token: str, comp_token: str, repeat: int, known_reference: str
) -> dict[str, str]:
    criteria = (
        f"<searchClaimCriteria><CRReferenceNumber>{known_reference}"
        "</CRReferenceNumber></searchClaimCriteria>"
    )
    return {
        "getClaimsList (CR handler)": latency(
            port, envelope("getClaimsList", f"<accessToken>{cr_token}</accessToken>"), repeat
        ),
        "getClaimsList (COMP handler)": latency(
            port, envelope("getClaimsList", f"<accessToken>{comp_token}</accessToken>"), repeat
        ),
        "searchClaims (no criteria)": latency(
            port, envelope("searchClaims", f"<accessToken>{cr_token}</accessToken>"), repeat
        ),
        "searchClaims (CRReferenceNumber)": latency(
            port,
            envelope("searchClaims", f"{criteria}<accessToken>{cr_token}</accessToken>"),
            repeat,
        ),
    }


def measure_gateway(
    gateway: list[str],
    env: dict[str, str],
    work: Path,
    args: argparse.Namespace,
    creds: dict[str, dict[str, str]],
    run: str,
    with_reads: bool,
) -> tuple[float, int, dict[str, str], str]:
    """addClaim through ``gateway serve`` on ``env``'s database (and the read latencies)."""
    proc, port = start(
        [*gateway, "serve", "--bind", "127.0.0.1:0", "--workers", "2"],
        work / f"gateway-{run}.log",
        env,
    )
    try:
        cr = token(port, creds["cr"])
        template = envelope(
            "addClaim",
            f"<claimXML>{escape(cnf_template())}</claimXML><accessToken>{cr}</accessToken>",
        )
        load(port, template, 2, args.clients, f"{run}w")  # warm-up
        rate, errors = load(port, template, args.seconds, args.clients, run)
        # the first claim of the first round's warm-up: searched for by its reference
        latencies = (
            reads(port, cr, token(port, creds["comp"]), args.repeat, reference(f"{run[0]}1w00", 1))
            if with_reads
            else {}
        )
    finally:
        stop(proc)
    return rate, errors, latencies, cr


def measure_app(
    app: str, env: dict[str, str], work: Path, args: argparse.Namespace, access_token: str, run: str
) -> tuple[float, int]:
    """addClaim load on one of this directory's WSGI apps under the same gunicorn settings."""
    proc, port = start(
        sync_gunicorn(app),
        work / f"{run}.log",
        env,
    )
    try:
        template = envelope(
            "addClaim",
            f"<claimXML>{escape(cnf_template())}</claimXML>"
            f"<accessToken>{access_token}</accessToken>",
        )
        load(port, template, 2, args.clients, f"{run}w")
        return load(port, template, args.seconds, args.clients, run)
    finally:
        stop(proc)


def seed(gateway: list[str], env: dict[str, str]) -> dict[str, dict[str, str]]:
    """Migrate and seed a gateway database with the demo world; the benchmark's two users."""
    subprocess.run([*gateway, "db", "upgrade"], env=env, check=True, capture_output=True)
    demo = subprocess.run([*gateway, "demo", "--json"], env=env, check=True, capture_output=True)
    a2a = json.loads(demo.stdout)["a2a"]
    return {
        "cr": next(c for c in a2a if c["userAsID"] == "cr-rta-ch"),
        "comp": next(c for c in a2a if c["userAsID"] == "comp-rta-ch"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6, help="seconds per figure")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds; each measures every app once, the medians are reported",
    )
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30, help="calls per latency figure")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="gw-bench-claims-"))
    with databases(args.database_url, work, ("small", "large", "bare")) as (small, large, bare):
        kind = small.split(":")[0].split("+")[0]
        base = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
        # One A2A user sends every claim: a limit no run reaches (the limiter still works).
        base["GATEWAY_RATE_LIMIT_PER_USER"] = "10000000"
        envs = {
            "small": {**base, "GATEWAY_DATABASE_URL": small},
            "large": {**base, "GATEWAY_DATABASE_URL": large},
        }
        gateway = [sys.executable, "-m", "gateway.cli"]
        creds = seed(gateway, envs["small"])
        seed(gateway, envs["large"])
        took = bulk_claims(large, args.claims)
        os.sync()  # the load's dirty pages go to disk now, not during the measurements
        create_bare_table(bare)
        figures: dict[str, list[float]] = {"small": [], "large": [], "bare": [], "floor": []}
        errors: dict[str, int] = dict.fromkeys(figures, 0)
        latency: dict[str, dict[str, str]] = {}
        for n in range(1, args.rounds + 1):
            last = n == args.rounds
            for size in ("small", "large"):
                rate, failed, reads_, cr = measure_gateway(
                    gateway, envs[size], work, args, creds, f"{size[0]}{n}", last
                )
                figures[size].append(rate)
                errors[size] += failed
                latency[size] = reads_ or latency.get(size, {})
                if size == "small":
                    small_token = cr
            rate, failed = measure_app(
                "bench_claims:bare_app",
                {**base, "BENCH_BARE_URL": bare},
                work,
                args,
                "x",
                f"bare{n}",
            )
            figures["bare"].append(rate)
            errors["bare"] += failed
            # the floor writes into the small database, with a token the gateway issued there
            rate, failed = measure_app(
                "floor_claims:app",
                {**base, "FLOOR_DATABASE_URL": small},
                work,
                args,
                small_token,
                f"floor{n}",
            )
            figures["floor"].append(rate)
            errors["floor"] += failed
        sizes = claim_count(small), claim_count(large)

    med = {name: statistics.median(values) for name, values in figures.items()}

    def line(label: str, name: str) -> str:
        return rounds_line(label, figures[name], errors[name], 44)

    print(
        f"== addClaim, ~{len(escape(cnf_template())) // 1024 + 1} KB CNF, {args.clients} "
        f"clients, {args.seconds:g} s per figure, median of {args.rounds} rounds, {kind}"
    )
    print(line(f"gateway serve (2 workers), {sizes[0]:,} claims:", "small"))
    print(line("bare WSGI app (parse + XSD + INSERT):", "bare"))
    print(line("floor app (parse + XSD + addClaim's SQL):", "floor"))
    print_ratios(
        med["small"],
        med["floor"],
        med["bare"],
        "addClaim that checks the token and writes claim, pack, timers, notices and journal",
    )
    print(f"{args.claims:,} claims stored in {took:.1f} s (bulk) in a second database:")
    print(line(f"gateway serve, {sizes[1]:,} claims:", "large"))
    print(f"ratio large/small: {med['large'] / med['small']:.1%} (target >= 90%)")
    print(
        f"== read latency ({args.repeat} calls each, last round), {sizes[0]:,} claims vs "
        f"{sizes[1]:,} claims"
    )
    for name in latency["small"]:
        print(f"{name:34} small: {latency['small'][name]}")
        print(f"{'':34} large: {latency['large'][name]}")
    return 0


def rounds_line(label: str, rates: list[float], errors: int, width: int) -> str:
    """A figure as the median of its rounds, with every round's."""
    rounds = ", ".join(f"{rate:.1f}" for rate in rates)
    return (
        f"{label:{width}}{statistics.median(rates):8.1f} req/s (rounds: {rounds}; {errors} errors)"
    )


def print_ratios(gateway: float, floor: float, bare: float, floor_does: str) -> None:
    print(f"ratio gateway/bare: {gateway / bare:.1%} (target >= 60%)")
    print(f"ratio floor/bare:   {floor / bare:.1%} (the most any {floor_does} can reach here)")
    print(f"ratio gateway/floor: {gateway / floor:.1%} (target >= 85%)")


def claim_count(url: str) -> int:
    """How many claims the database holds."""
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.split("///", 1)[1]) as conn:
            return int(conn.execute("SELECT count(*) FROM claims").fetchone()[0])
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        row = conn.execute("SELECT count(*) FROM claims").fetchone()
        return int(row[0]) if row else 0


if __name__ == "__main__":
    sys.exit(main())
