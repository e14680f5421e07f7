"""getAttachment of a 4 MB file: 8 concurrent clients through ``gateway serve`` (2 workers)
against a bare WSGI app returning the same stored blob base64-encoded in a SOAP envelope from the
same database, under the same gunicorn settings (target: at least 70%), and against the floor
app that also checks the token and journals the request (bench/bare_attachment.py). Then the
peak resident memory a worker grows by per concurrent 4 MB download: ``gateway serve`` with one
worker, 8 downloads at once, VmHWM of the worker against its resident size before (target: under
4 times the file size).

    python bench/bench_attachments.py [--seconds 6] [--rounds 3] [--clients 8]
                                      [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_claims import databases, rounds_line
from bench_soap import start, token

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PATH = "/PIP.WSTK/PIPWSTK"
SIZE = 4 * 1024 * 1024


def _post(port: int, body: bytes, timeout: float = 60) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("POST", PATH, body, {"Content-Type": "text/xml; charset=utf-8"})
    reply = conn.getresponse().read()
    conn.close()
    return reply


def _envelope(operation: str, fields: str) -> bytes:
    return (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:t="http://wstk.pip.crif.com/"><soap:Body><t:{operation}>{fields}</t:{operation}>'
        "</soap:Body></soap:Envelope>"
    ).encode()


def upload(port: int, access: str) -> str:
    """A claim with one 4 MB PDF attachment; the attachment's id."""
    from xml.sax.saxutils import escape

    from tests.e2e.claims import cnf

    added = _post(port, _envelope("addClaim", f"<claimXML>{escape(cnf('BENCH-ATT'))}</claimXML>"
                                  f"<accessToken>{access}</accessToken>"))  # fmt: skip
    app_id = re.search(rb"<applicationId>(\d+)</applicationId>", added)
    assert app_id, added[:500]
    content = b"%PDF-1.4\n" + os.urandom(SIZE - 9)
    reply = _post(
        port,
        _envelope(
            "addAttachment",
            f"<attachment><applicationId>{app_id.group(1).decode()}</applicationId>"
            "<dataAttachmentFileName>scan.pdf</dataAttachmentFileName>"
            f"<dataAttachmentFileZip>{base64.b64encode(content).decode()}</dataAttachmentFileZip>"
            "<dataAttachmentTitle>Scan</dataAttachmentTitle></attachment>"
            f"<accessToken>{access}</accessToken>",
        ),
    )
    guid = re.search(rb"<value>([^<]+)</value>", reply)
    assert guid, reply[:500]
    return guid.group(1).decode()


def _client(port: int, body: bytes, seconds: float, queue: multiprocessing.Queue) -> None:
    done = errors = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        reply = _post(port, body)
        if b"<code>Ok</code>" in reply and len(reply) > SIZE:
            done += 1
        else:
            errors += 1
    queue.put((done, errors))


def load(port: int, body: bytes, seconds: float, clients: int) -> tuple[float, int]:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_client, args=(port, body, seconds, queue))
             for _ in range(clients)]  # fmt: skip
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    return sum(r[0] for r in results) / seconds, sum(r[1] for r in results)


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="gw-bench-att-"))
    with databases(args.database_url, work, ("gateway",)) as (url,):
        return run(args, work, url)


def run(args: argparse.Namespace, work: Path, url: str) -> int:
    env = {**os.environ, "GATEWAY_DATABASE_URL": url, "GATEWAY_RATE_LIMIT_PER_USER": "10000000"}
    gateway = [sys.executable, "-m", "gateway.cli"]
    subprocess.run([*gateway, "db", "upgrade"], env=env, check=True, capture_output=True)
    demo = subprocess.run([*gateway, "demo", "--json"], env=env, check=True, capture_output=True)
    creds = next(c for c in json.loads(demo.stdout)["a2a"] if c["userAsID"] == "cr-rta-ch")
    serve = [*gateway, "serve", "--bind", "127.0.0.1:0", "--workers"]
    proc, port = start([*serve, "2"], work / "setup.log", env)
    try:
        access = token(port, creds)
        guid = upload(port, access)
    finally:
        proc.terminate()
        proc.wait()
    body = _envelope(
        "getAttachment",
        f"<attachmentGuid>{guid}</attachmentGuid><accessToken>{access}</accessToken>",
    )
    bare = [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "2",
            "--worker-class", "gthread", "--threads", "8", "--chdir", str(ROOT / "bench"),
            "bare_attachment:app"]  # fmt: skip
    floor = [*bare[:-1], "bare_attachment:floor"]
    raw_env = {**env, "FLOOR_DATABASE_URL": url, "BENCH_ATTACHMENT_GUID": guid}
    servers = {
        "gateway": ([*serve, "2"], env),
        "bare": (bare, raw_env),
        "floor": (floor, raw_env),
    }
    rates: dict[str, list[float]] = {name: [] for name in servers}
    errors = dict.fromkeys(servers, 0)
    for n in range(args.rounds):
        for name, (cmd, server_env) in servers.items():
            proc, port = start(cmd, work / f"{name}{n}.log", server_env)
            try:
                load(port, body, 1, args.clients)  # warm-up
                rate, failed = load(port, body, args.seconds, args.clients)
            finally:
                proc.terminate()
                proc.wait()
            rates[name].append(rate)
            errors[name] += failed
    kind = url.split(":")[0]
    print(
        f"== getAttachment of {SIZE:,} bytes, {args.clients} clients, {args.seconds:g} s per "
        f"figure, median of {args.rounds} rounds, {kind}"
    )
    print(rounds_line("gateway serve (2 workers):", rates["gateway"], errors["gateway"], 52))
    print(
        rounds_line(
            "bare WSGI app (SELECT + base64 + envelope):", rates["bare"], errors["bare"], 52
        )
    )
    print(
        rounds_line(
            "floor (token check, journal, + the bare app):", rates["floor"], errors["floor"], 52
        )
    )
    gateway = statistics.median(rates["gateway"])
    print(f"ratio gateway/bare: {gateway / statistics.median(rates['bare']):.1%} (target >= 70%)")
    print(
        f"ratio gateway/floor: {gateway / statistics.median(rates['floor']):.1%}; "
        f"floor/bare: {statistics.median(rates['floor']) / statistics.median(rates['bare']):.1%}"
        " (what authenticating and journaling every request costs by itself)"
    )
    print(memory(serve, work, env, body, args.clients))
    return 0


def memory(serve: list[str], work: Path, env: dict[str, str], body: bytes, clients: int) -> str:
    """Peak resident growth of one worker per concurrent 4 MB download."""
    proc, port = start([*serve, "1"], work / "memory.log", env)
    try:
        (worker,) = _workers(proc.pid)
        for _ in range(2):  # warm-up: every code path once, one download at a time
            assert b"<code>Ok</code>" in _post(port, body)
        before = _kib(worker, "VmRSS")
        peak_before = _kib(worker, "VmHWM")
        for _ in range(3):
            threads = [threading.Thread(target=_post, args=(port, body)) for _ in range(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        peak = _kib(worker, "VmHWM")
    finally:
        proc.terminate()
        proc.wait()
    growth = (peak - before) * 1024 / clients
    return (
        f"worker resident: {before / 1024:.1f} MiB idle after warm-up (peak "
        f"{peak_before / 1024:.1f} MiB), {peak / 1024:.1f} MiB peak with {clients} downloads "
        "at once: "
        f"{growth / 1024 / 1024:.1f} MiB per concurrent download = {growth / SIZE:.2f} x the "
        f"file size (target < 4)"
    )


if __name__ == "__main__":
    sys.exit(main())
