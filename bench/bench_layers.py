"""Where a request's time goes, per layer, in one gateway worker under load; and how many
database round trips a request and a whole claim take.

``profiled_serve.py`` runs ``gateway serve`` as shipped with one worker and one request thread,
under cProfile (event loop and request thread) with SQLAlchemy's engine events counting the
statements, transactions and commits. Two client threads keep it busy (keep-alive connections),
one scenario per server: getSystemProcessVersion, addClaim (~8 KB CNF) and whole RTA claims
(``lifecycle_paths``: both paths with their polls). The profile is then cut into layers by the
cumulative time of the functions that enter each layer:

* HTTP: the worker's event loop (receiving, less its idle waits) and gunicorn's request thread
  around the WSGI call (parsing, writing the answer);
* envelope: reading the body, ``open_envelope`` (hardened parse, the operation element), the reply;
* codec: ``decode_request`` and the encoding of the answer (``answers.answer``);
* auth: the token check (``_authenticate``: one SELECT) and the rate limiter (``admit``);
* operation: the rest of ``_run``: bounds, the handler and its preparation (packs, XSD, rules,
  the claim's reads and writes);
* journal: ``GatewayService._journal`` (masking, the journal and message-store INSERT);
* unit of work: ``GatewayService.handle`` less the above: the session, BEGIN and the COMMIT that
  makes the effect and its journal entry durable;
* metrics, and other (correlation id, logging context).

cProfile slows Python code more than C code (lxml, libpq), so the shares lean towards the Python
layers; the time per request printed beside them is the profiled one. The database's time is in
the layer that waits for it.

    python bench/bench_layers.py [--requests 1500] [--claims 40] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from bench_claims import cnf_template, databases, envelope, seed, start, stop, token
from bench_lifecycle import Connection
from lifecycle_paths import MARK, TOKEN, Claim, build_templates, reference

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
IDLE = ("poll", "select", "sleep", "acquire", "wait")


class Profile:
    def __init__(self, path: Path) -> None:
        self.stats: dict[Any, Any] = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]

    def cum(self, suffix: str, name: str) -> float:
        return sum(
            ct
            for (file, _line, func), (_cc, _nc, _tt, ct, _callers) in self.stats.items()
            if func == name and file.endswith(suffix)
        )

    def busy(self) -> float:
        """Self time of every function but the idle waits (the event loop's work)."""
        return sum(
            tt
            for (_file, _line, func), (_cc, _nc, tt, _ct, _callers) in self.stats.items()
            if not any(word in func for word in IDLE)
        )


def layers(work: Profile, loop: Profile) -> dict[str, float]:
    handle = work.cum("gunicorn/workers/gthread.py", "handle")
    app = work.cum("gateway/soap/app.py", "__call__")
    service = work.cum("gateway/service/gateway.py", "handle")
    run = work.cum("gateway/service/gateway.py", "_run")
    decode = work.cum("gateway/soap/codec.py", "decode_request")
    encode = work.cum("gateway/soap/answers.py", "answer")
    auth = work.cum("gateway/service/gateway.py", "_authenticate") + work.cum(
        "gateway/service/rate_limits.py", "admit"
    )
    journal = work.cum("gateway/service/gateway.py", "_journal")
    envelope_ = (
        work.cum("gateway/soap/app.py", "_read_body")
        + work.cum("gateway/soap/envelope.py", "open_envelope")
        + work.cum("gateway/soap/app.py", "_reply")
    )
    metrics = work.cum("gateway/metrics.py", "request_answered")
    return {
        "HTTP (event loop, gunicorn)": loop.busy() + handle - app,
        "envelope (parse, reply)": envelope_,
        "codec (decode, encode)": decode + encode,
        "auth (token, rate limit)": auth,
        "operation (handler, packs)": run - decode - auth,
        "journal (entry, message)": journal,
        "unit of work (session, commit)": service - run - encode - journal,
        "metrics": metrics,
        "other": app - envelope_ - service - metrics,
    }


def keep_busy(port: int, bodies: list[bytes], clients: int = 2) -> None:
    """Send ``bodies`` over ``clients`` keep-alive connections; every answer must be Ok."""
    failures: list[bytes] = []

    def client(mine: list[bytes]) -> None:
        conn = Connection(port)
        for body in mine:
            reply = conn.post(body)
            if b"<code>Ok</code>" not in reply:
                failures.append(reply[:300])

    threads = [threading.Thread(target=client, args=(bodies[i::clients],)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} answers not Ok, e.g. {failures[0]!r}")


def play_claims(port: int, tokens: dict[str, bytes], claims: int, clients: int = 2) -> int:
    """Whole claims (both paths, with their polls); the requests sent."""
    paths, reads = build_templates()
    sent = [0]

    def client(tag: str, count: int) -> None:
        conn = Connection(port)
        names = sorted(paths)

        def send(_operation: str, body: bytes) -> bytes:
            sent[0] += 1
            return conn.post(body)

        for n in range(count):
            claim = Claim(paths[names[n % 2]], reads, tokens, reference(tag, n))
            while not claim.advance(send):
                pass

    threads = [
        threading.Thread(target=client, args=(f"p{i}", claims // clients)) for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sent[0]


def scenario(
    name: str, url: str, work: Path, drive: Any
) -> tuple[dict[str, float], dict[str, int], int, float]:
    """One profiled server, ``drive(port, tokens)`` against it: the layers, counts, requests."""
    out = Path(tempfile.mkdtemp(prefix=f"prof-{name}-", dir=work))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update(
        GATEWAY_DATABASE_URL=url,
        GATEWAY_RATE_LIMIT_PER_USER="10000000",
        GATEWAY_WORKERS="1",
        GATEWAY_THREADS="1",
        GATEWAY_BIND="127.0.0.1:0",
        PROFILE_OUT=str(out),
        PYTHONPATH=str(HERE),
    )
    creds = seed([sys.executable, "-m", "gateway.cli"], env)
    proc, port = start([sys.executable, str(HERE / "profiled_serve.py")], work / f"{name}.log", env)
    try:
        tokens = {side: token(port, creds[side]).encode() for side in ("cr", "comp")}
        started = time.perf_counter()
        requests = drive(port, tokens)
        wall = time.perf_counter() - started
    finally:
        stop(proc)
    pid = next(p.name.split(".")[0] for p in out.glob("*.json"))
    counts = json.loads((out / f"{pid}.json").read_text())
    shares = layers(Profile(out / f"{pid}.pstats"), Profile(out / f"{pid}.loop.pstats"))
    return shares, counts, requests, wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--claims", type=int, default=40)
    parser.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="gw-bench-layers-"))
    spv = (
        b'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap='
        b'"http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://wstk.pip.crif.com/">'
        b"<soap:Body><t:getSystemProcessVersion><accessToken>@@TOKEN@@</accessToken>"
        b"</t:getSystemProcessVersion></soap:Body></soap:Envelope>"
    )
    add = envelope(
        "addClaim",
        f"<claimXML>{escape(cnf_template())}</claimXML><accessToken>@@TOKEN@@</accessToken>",
    )

    def drive_spv(port: int, tokens: dict[str, bytes]) -> int:
        keep_busy(port, [spv.replace(TOKEN, tokens["cr"])] * args.requests)
        return args.requests

    def drive_add(port: int, tokens: dict[str, bytes]) -> int:
        count = max(1, args.requests // 3)
        body = add.replace(TOKEN, tokens["cr"])
        keep_busy(
            port, [body.replace(MARK.encode(), reference("a", n).encode()) for n in range(count)]
        )
        return count

    def drive_claims(port: int, tokens: dict[str, bytes]) -> int:
        return play_claims(port, tokens, args.claims)

    kind = "sqlite" if args.database_url is None else "postgresql"
    scenarios = {
        "getSystemProcessVersion": drive_spv,
        "addClaim": drive_add,
        f"whole claims ({args.claims})": drive_claims,
    }
    results = {}
    for n, (name, drive) in enumerate(scenarios.items()):
        with databases(args.database_url, work, (f"layers{n}",)) as (url,):
            results[name] = scenario(f"s{n}", url, work, drive)
    print(
        f"== per layer, one worker x one thread under cProfile, 2 keep-alive clients, {kind} "
        "(share of the worker's busy time; ms per request, profiled)"
    )
    names = list(next(iter(results.values()))[0])
    header = "".join(f"{name[:24]:>26}" for name in results)
    print(f"{'layer':32}{header}")
    for layer in names:
        cells = ""
        for shares, _counts, requests, _wall in results.values():
            total = sum(shares.values())
            cells += f"{shares[layer] / total:15.1%} {shares[layer] / requests * 1000:6.2f} ms  "
        print(f"{layer:32}{cells}")
    cells = "".join(
        f"{'':15} {sum(s.values()) / r * 1000:6.2f} ms  " for s, _c, r, _w in results.values()
    )
    print(f"{'total':32}{cells}")
    print(
        "== database work (SQLAlchemy engine events in the worker; round trips on PostgreSQL: "
        "each time the worker waits for the server, the rate counter's statement and a "
        "pipelined commit included, see profiled_serve.py)"
    )
    for name, (_shares, counts, requests, _wall) in results.items():
        transactions = counts["commits"] + counts["rollbacks"]
        trips = counts["round_trips"]
        line = (
            f"{name:28} {counts['statements'] / requests:5.2f} statements, "
            f"{transactions / requests:4.2f} transactions"
            + (f", {trips / requests:5.2f} round trips" if kind == "postgresql" else "")
            + f" per request ({requests} requests)"
        )
        if name.startswith("whole"):
            line += f"; per claim: {counts['statements'] / args.claims:.0f} statements"
            if kind == "postgresql":
                line += f", {trips / args.claims:.0f} round trips"
            line += f", {requests / args.claims:.1f} requests"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
