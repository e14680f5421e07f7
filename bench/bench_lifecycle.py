"""Whole-lifecycle load: client threads, each playing a law firm and an insurer, drive RTA claims
from addClaim through Stage 1 and Stage 2 to settlement against ``gateway serve`` on PostgreSQL,
with 2 and then 4 workers (8 request threads each, the default), with the worklist and search
reads a case system makes (the proportion is stated in ``lifecycle_paths``: one getClaimsList
before every step, one searchClaims per claim, about half of all requests). Paths alternate
between ``agreed`` (11 steps) and ``interim`` (13 steps).

Prints, per configuration: claims completed per second, requests per second, p50 and p99 latency
per operation, unexpected answers (any answer other than the path's Ok and phase; must be 0), and
the ratio of its request rate to the addClaim floor's (``floor_claims.py`` under gunicorn, 2 sync
workers, on the same database, measured in the same run with the same client threads doing only
addClaim).

The client is one process of threads on ``http.client`` with keep-alive connections and prebuilt
envelopes (only bytes are replaced per request): about 0.1 ms of CPU per request, so it takes a
few percent of the 2-core machine the server shares. Every A2A user is allowed 10,000,000
requests a second (the benchmark sends as two A2A users; the limiter still counts every request).

    python bench/bench_lifecycle.py [--seconds 60] [--workers 2,4] [--clients 8]
                                    [--floor-seconds 20] [--database-url URL]

``GATEWAY_BENCH_LIFECYCLE_SECONDS`` overrides the default of 60 seconds per configuration (a
short run: ``GATEWAY_BENCH_LIFECYCLE_SECONDS=10 make bench``). Without ``--database-url`` the
PostgreSQL server of ``GATEWAY_BENCH_POSTGRES_URL`` (default 127.0.0.1:5432, database test) is
used; a scratch database is created and dropped per configuration.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench_claims import databases, seed, start, stop, sync_gunicorn, token
from lifecycle_paths import (
    MARK,
    PATH,
    TOKEN,
    Claim,
    Step,
    Unexpected,
    build_templates,
    reference,
)

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get(
    "GATEWAY_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
WARM_UP = 5.0


TICKS = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user and system) of process ``pid`` so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, []))
    return found


def _backends(database: str) -> list[int]:
    """The PostgreSQL backends serving ``database`` on this host (their command line names it)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.startswith(b"postgres: ") and f" {database} ".encode() in cmdline:
                pids.append(int(entry.name))
    return pids


class CpuMeter:
    """CPU seconds spent inside the measured window by the gateway (master and workers), the
    PostgreSQL backends of its database (when the server runs on this host), and this client."""

    def __init__(self, server: int, database: str) -> None:
        self.server, self.database = server, database
        self.start: dict[str, dict[int, float]] = {}
        self.spent: dict[str, float] = {}

    def sample(self) -> dict[str, dict[int, float]]:
        return {
            "gateway": {p: _proc_cpu(p) for p in _descendants(self.server)},
            "postgresql": {p: _proc_cpu(p) for p in _backends(self.database)},
            "client": {0: time.process_time()},
        }

    def at(self, moment: float, then: str) -> threading.Thread:
        def run() -> None:
            time.sleep(max(0.0, moment - time.monotonic()))
            if then == "start":
                self.start = self.sample()
            else:
                end = self.sample()
                # per process alive at the end (one started inside the window: all of its CPU)
                self.spent = {
                    kind: sum(cpu - self.start[kind].get(pid, 0.0) for pid, cpu in pids.items())
                    for kind, pids in end.items()
                }

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread


@dataclass
class Tally:
    """What one client thread saw inside the measured window."""

    times: dict[str, list[float]] = field(default_factory=dict)
    claims: int = 0
    unexpected: int = 0
    samples: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for op, values in other.times.items():
            self.times.setdefault(op, []).extend(values)
        self.claims += other.claims
        self.unexpected += other.unexpected
        self.samples.extend(other.samples)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.times.values())


class Connection:
    """A keep-alive HTTP connection that reconnects when the server closed it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, body: bytes) -> bytes:
        for attempt in (1, 2):
            try:
                self.conn.request("POST", PATH, body, {"Content-Type": "text/xml; charset=utf-8"})
                return self.conn.getresponse().read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def client(
    port: int,
    paths: dict[str, tuple[Step, ...]],
    reads: dict[str, bytes],
    tokens: dict[str, bytes],
    tag: str,
    window: tuple[float, float],
    tally: Tally,
) -> None:
    """Claims one after the other until the window closes (the claim under way is left)."""
    conn = Connection(port)
    begin, end = window
    names = itertools.cycle(sorted(paths))
    for n in itertools.count(1):
        claim = Claim(paths[next(names)], reads, tokens, reference(tag, n))

        def send(operation: str, body: bytes) -> bytes:
            started = time.monotonic()
            reply = conn.post(body)
            if started >= begin and time.monotonic() <= end:
                tally.times.setdefault(operation, []).append(time.monotonic() - started)
            return reply

        try:
            while not claim.advance(send):
                if time.monotonic() > end:
                    return
        except Unexpected as refusal:
            if begin <= time.monotonic() <= end:
                tally.unexpected += 1
                if len(tally.samples) < 3:
                    tally.samples.append(str(refusal))
            continue
        if begin <= time.monotonic() <= end:
            tally.claims += 1
        if time.monotonic() > end:
            return


def drive(
    port: int,
    paths: dict[str, tuple[Step, ...]],
    reads: dict[str, bytes],
    tokens: dict[str, bytes],
    clients: int,
    seconds: float,
    run: str,
    meter: CpuMeter | None = None,
) -> Tally:
    begin = time.monotonic() + WARM_UP
    window = (begin, begin + seconds)
    samplers = [meter.at(begin, "start"), meter.at(begin + seconds, "end")] if meter else []
    tallies = [Tally() for _ in range(clients)]
    threads = [
        threading.Thread(
            target=client, args=(port, paths, reads, tokens, f"{run}{i:02d}", window, tallies[i])
        )
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for sampler in samplers:
        sampler.join()
    total = Tally()
    for one in tallies:
        total.add(one)
    return total


def floor_client(
    port: int, body: bytes, tag: str, window: tuple[float, float], tally: Tally
) -> None:
    """addClaim after addClaim, each with its own reference; the floor answers only a code."""
    conn = Connection(port)
    begin, end = window
    times = tally.times.setdefault("addClaim", [])
    for n in itertools.count(1):
        started = time.monotonic()
        if started > end:
            return
        reply = conn.post(body.replace(MARK.encode(), reference(tag, n).encode()))
        if begin <= started and time.monotonic() <= end:
            times.append(time.monotonic() - started)
            if b"<code>Ok</code>" not in reply:
                tally.unexpected += 1


def gateway_run(
    url: str, workers: int, args: argparse.Namespace, work: Path, templates: tuple
) -> tuple[Tally, dict[str, bytes], dict[str, float]]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env = {**base, "GATEWAY_DATABASE_URL": url, "GATEWAY_RATE_LIMIT_PER_USER": "10000000"}
    gateway = [sys.executable, "-m", "gateway.cli"]
    creds = seed(gateway, env)
    proc, port = start(
        [*gateway, "serve", "--bind", "127.0.0.1:0", "--workers", str(workers)],
        work / f"gateway-{workers}.log",
        env,
    )
    try:
        tokens = {side: token(port, creds[side]).encode() for side in ("cr", "comp")}
        paths, reads = templates
        meter = CpuMeter(proc.pid, url.rsplit("/", 1)[1])
        tally = drive(port, paths, reads, tokens, args.clients, args.seconds, f"w{workers}", meter)
    finally:
        stop(proc)
    return tally, tokens, meter.spent


def floor_run(url: str, args: argparse.Namespace, work: Path, templates: tuple, cr: bytes) -> float:
    """addClaim requests per second of ``floor_claims`` on ``url`` (the gateway's tables)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    proc, port = start(
        sync_gunicorn("floor_claims:app"),
        work / "floor.log",
        {**base, "FLOOR_DATABASE_URL": url},
    )
    try:
        body = templates[0]["agreed"][0].template.replace(TOKEN, cr)
        begin = time.monotonic() + WARM_UP
        window = (begin, begin + args.floor_seconds)
        tallies = [Tally() for _ in range(args.clients)]
        threads = [
            threading.Thread(target=floor_client, args=(port, body, f"fl{i:02d}", window, t))
            for i, t in enumerate(tallies)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        tally = Tally()
        for one in tallies:
            tally.add(one)
    finally:
        stop(proc)
    if tally.unexpected:
        print(f"  floor: {tally.unexpected} unexpected answers, e.g. {tally.samples[:1]}")
    return tally.requests / args.floor_seconds


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def report(workers: int, tally: Tally, seconds: float, floor: float, cpu: dict[str, float]) -> None:
    rate = tally.requests / seconds
    print(f"-- gateway serve, {workers} workers x 8 threads")
    print(
        f"claims completed: {tally.claims / seconds:7.2f}/s ({tally.claims} in {seconds:g} s)   "
        f"requests: {rate:7.1f}/s ({tally.requests})   unexpected answers: {tally.unexpected}"
    )
    for sample in tally.samples:
        print(f"  unexpected: {sample}")
    print(f"ratio of its request rate to the addClaim floor's: {rate / floor:.1%}")
    if cpu and tally.requests and tally.claims:
        print(
            "CPU in the window (user + system): "
            + ", ".join(
                f"{name} {spent:.1f} s = {spent / tally.requests * 1000:.2f} ms/request, "
                f"{spent / tally.claims * 1000:.0f} ms/claim"
                for name, spent in cpu.items()
            )
        )
    print(f"  {'operation':34}{'count':>8}{'p50 ms':>9}{'p99 ms':>9}")
    for op, values in sorted(tally.times.items(), key=lambda kv: -len(kv[1])):
        p50 = statistics.median(values) * 1000
        print(f"  {op:34}{len(values):8d}{p50:9.1f}{pct(values, 0.99):9.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_seconds = float(os.environ.get("GATEWAY_BENCH_LIFECYCLE_SECONDS", "60"))
    parser.add_argument("--seconds", type=float, default=default_seconds)
    parser.add_argument("--floor-seconds", type=float, default=None)
    parser.add_argument("--workers", default="2,4")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--database-url", default=PG)
    args = parser.parse_args(argv)
    args.floor_seconds = args.floor_seconds or min(20.0, args.seconds)
    work = Path(tempfile.mkdtemp(prefix="gw-bench-lifecycle-"))
    templates = build_templates()
    kind = args.database_url.split(":")[0].split("+")[0]
    print(
        f"== whole RTA claims (paths agreed/interim, 11/13 steps), {args.clients} client threads, "
        f"{args.seconds:g} s per configuration after {WARM_UP:g} s warm-up, {kind}; reads: one "
        "getClaimsList before every step, one searchClaims per claim"
    )
    floor = 0.0
    for workers in (int(w) for w in args.workers.split(",")):
        server = None if args.database_url.startswith("sqlite") else args.database_url
        with databases(server, work, (f"life{workers}",)) as (url,):
            tally, tokens, cpu = gateway_run(url, workers, args, work, templates)
            if not floor:
                floor = floor_run(url, args, work, templates, tokens["cr"])
                print(
                    f"addClaim floor (floor_claims.py, 2 sync workers, same threads, "
                    f"{args.floor_seconds:g} s): {floor:.1f} req/s"
                )
        report(workers, tally, args.seconds, floor, cpu)
    return 0


if __name__ == "__main__":
    sys.exit(main())
