"""Throughput of getSystemProcessVersion through ``gateway serve`` (2 workers) against a bare WSGI
app returning a fixed envelope under the same gunicorn settings. Prints both rates and the ratio,
and the rate of ``floor_app`` (only the database work every request needs, on the raw driver)
to show how much of the gap is the database's; the bare app under ``gateway serve``'s own
worker and the gateway's app under gunicorn's sync worker, to show what that worker costs.
Where spyne is installed (``make bench`` installs the ``bench`` extra), it also measures
``peer_spyne``: the same operation in spyne over the gateway's own service path (token check,
journal), and spyne alone with a fixed answer, the peer of the bare app. Each round measures
every server once; the figures are the medians of the rounds (a shared 2-core machine varies by
a fifth between runs).

    python bench/bench_soap.py [--seconds 6] [--rounds 3] [--clients 4]
                               [--database-url postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_claims import databases, print_ratios, rounds_line

ROOT = Path(__file__).resolve().parent.parent
PATH = "/PIP.WSTK/PIPWSTK"


def start(cmd: list[str], log: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log.read_text())
        if found:
            time.sleep(1.0)  # let the workers boot
            return proc, int(found.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")


def _client(port: int, body: bytes, seconds: float, queue: multiprocessing.Queue) -> None:
    done = errors = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", PATH, body, {"Content-Type": "text/xml; charset=utf-8"})
        reply = conn.getresponse().read()
        conn.close()
        if b"<code>Ok</code>" in reply:
            done += 1
        else:
            errors += 1
    queue.put((done, errors))


def load(port: int, body: bytes, seconds: float, clients: int) -> tuple[float, int]:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(target=_client, args=(port, body, seconds, queue))
        for _ in range(clients)
    ]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    return sum(r[0] for r in results) / seconds, sum(r[1] for r in results)


def token(port: int, creds: dict[str, str]) -> str:
    body = (
        f'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:t="http://wstk.pip.crif.com/"><soap:Body><t:getToken><userID>{creds["userID"]}'
        f"</userID><userAsID>{creds['userAsID']}</userAsID><password>{creds['password']}"
        "</password></t:getToken></soap:Body></soap:Envelope>"
    ).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", PATH, body, {"Content-Type": "text/xml"})
    found = re.search(rb"<accessToken>([^<]+)</accessToken>", conn.getresponse().read())
    assert found, "no token"
    return found.group(1).decode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server: the benchmark creates and drops its own database there",
    )
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="gw-bench-"))
    with databases(args.database_url, work, ("gateway",)) as (url,):
        return run(args, work, url)


def run(args: argparse.Namespace, work: Path, url: str) -> int:
    # One A2A user sends every request: a limit no run reaches, so the limiter still does (and
    # costs) its work on each request without refusing any.
    env = {**os.environ, "GATEWAY_DATABASE_URL": url, "GATEWAY_RATE_LIMIT_PER_USER": "10000000"}
    gateway = [sys.executable, "-m", "gateway.cli"]
    subprocess.run([*gateway, "db", "upgrade"], env=env, check=True, capture_output=True)
    demo = subprocess.run([*gateway, "demo", "--json"], env=env, check=True, capture_output=True)
    creds = next(c for c in json.loads(demo.stdout)["a2a"] if c["userAsID"] == "cr-rta-ch")

    body = b""

    def measure(cmd: list[str], log: str, server_env: dict[str, str]) -> tuple[float, int]:
        nonlocal body
        proc, port = start(cmd, work / log, server_env)
        try:
            if not body:
                body = (
                    f'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
                    f'xmlns:t="http://wstk.pip.crif.com/"><soap:Body><t:getSystemProcessVersion>'
                    f"<accessToken>{token(port, creds)}</accessToken></t:getSystemProcessVersion>"
                    "</soap:Body></soap:Envelope>"
                ).encode()
            load(port, body, 1, args.clients)  # warm-up
            return load(port, body, args.seconds, args.clients)
        finally:
            proc.terminate()
            proc.wait()

    def gunicorn(app: str) -> list[str]:
        from bench_claims import sync_gunicorn

        return sync_gunicorn(app, timeout=None)

    servers = {
        "gateway": ([*gateway, "serve", "--bind", "127.0.0.1:0", "--workers", "2"], env),
        "floor": (gunicorn("floor_app:app"), {**env, "FLOOR_DATABASE_URL": url}),
        "bare": (gunicorn("bare_app:app"), env),
        "bare-worker": ([sys.executable, str(ROOT / "bench" / "bare_gateway_worker.py")], env),
        "gateway-sync": (gunicorn("gateway.app:from_environment()"), env),
    }
    with_spyne = importlib.util.find_spec("spyne") is not None
    if with_spyne:
        servers["spyne"] = (gunicorn("peer_spyne:app"), env)
        servers["spyne-bare"] = (gunicorn("peer_spyne:app"), {**env, "PEER_NO_DATABASE": "1"})
    rates: dict[str, list[float]] = {name: [] for name in servers}
    errors = dict.fromkeys(servers, 0)
    for n in range(args.rounds):
        for name, (cmd, server_env) in servers.items():
            rate, failed = measure(cmd, f"{name}{n}.log", server_env)
            rates[name].append(rate)
            errors[name] += failed
    med = {name: statistics.median(values) for name, values in rates.items()}

    def line(label: str, name: str) -> str:
        return rounds_line(label, rates[name], errors[name], 56)

    kind = url.split(":")[0]
    print(
        f"== getSystemProcessVersion, {args.clients} clients, {args.seconds:g} s per figure, "
        f"median of {args.rounds} rounds, {kind}"
    )
    print(line("gateway serve (2 workers):", "gateway"))
    print(line("gateway app under gunicorn's sync worker:", "gateway-sync"))
    print(line("floor app (token SELECT + journal INSERTs, raw driver):", "floor"))
    print(line("bare WSGI app, same gunicorn settings:", "bare"))
    print(line("bare WSGI app, gateway serve's worker:", "bare-worker"))
    if with_spyne:
        print(line("spyne peer (gateway service path, spyne SOAP layer):", "spyne"))
        print(line("spyne peer, fixed answer (no database):", "spyne-bare"))
    print_ratios(
        med["gateway"],
        med["floor"],
        med["bare"],
        "gateway that journals every request in its own transaction",
    )
    print(
        f"ratio bare in gateway serve's worker/bare: {med['bare-worker'] / med['bare']:.1%}, "
        f"gateway app in gunicorn's sync worker/floor: {med['gateway-sync'] / med['floor']:.1%} "
        f"(gateway serve's worker costs {1000 / med['bare-worker'] - 1000 / med['bare']:.2f} ms "
        f"a request around the bare app, {1000 / med['gateway'] - 1000 / med['gateway-sync']:.2f} "
        "ms around the gateway: receiving in its event loop, a thread per request, lingering "
        "closes; see buffered_worker.py)"
    )
    if with_spyne:
        print(
            f"ratio gateway/spyne: {med['gateway'] / med['spyne']:.2f}x "
            "(same service path; target >= 1.5x)"
        )
        paired = [g / p for g, p in zip(rates["gateway"], rates["spyne"], strict=True)]
        print(
            f"  per round (measured back to back): median {statistics.median(paired):.2f}x; "
            + ", ".join(f"{r:.2f}x" for r in paired)
        )
        print(f"ratio spyne-bare/bare: {med['spyne-bare'] / med['bare']:.1%} (SOAP layer alone)")
        print(
            "ms per request (1000 / req/s, the whole machine): "
            + ", ".join(f"{name} {1000 / med[name]:.2f}" for name in servers)
        )
    else:
        print("spyne peer skipped: spyne is not installed (pip install -e '.[bench]')")
    return 0


if __name__ == "__main__":
    sys.exit(main())
