"""Benchmark of the offline validator against bare lxml and against the xmlschema library.

Run ``python bench/bench_validate.py [--count N] [--sample N]``. It writes N synthetic RTA R7 CNFs
(about 8 KB each, one in five invalid; see ``corpus.py``) into a temporary folder and measures
documents per second of:

(a) ``gateway validate --jobs 1 --format json`` over the folder, as a subprocess (start-up,
    hardened parse, XSD, business rules and JSON output included; output to /dev/null);
(b) a bare in-process loop: read, lxml parse, XSD validate, with a schema compiled beforehand;
(c) the ``xmlschema`` library's ``is_valid`` over a sample, with the rate extrapolated;
and, to show where the time goes, (a') ``check_document`` in-process over the same files.

Each measurement runs ``--repeat`` times (default 2; a, b and a' back to back in each round) and
the best run counts; each round's a/b is printed too. Target: a/b >= 0.80; a/c is printed for
information.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import xmlschema
from lxml import etree

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from corpus import SENT_DATE, write_corpus  # noqa: E402

from gateway.domain.services import Service  # noqa: E402
from gateway.validation.context import RuleContext  # noqa: E402
from gateway.validation.engine import check_document  # noqa: E402
from gateway.validation.packs import Pack  # noqa: E402
from gateway.validation.registry import ReleaseRegistry  # noqa: E402

SCHEMA = REPO / "schemas" / "rta" / "R7" / "AddClaim_ClaimData-v3.8.xsd"
CLI_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def cli_rate(folder: Path, count: int) -> float:
    """(a) documents per second of the CLI as a subprocess.

    Run as an installed gateway runs: with its modules' bytecode cached (pip writes it at
    install; an editable install writes it on the first run, which ``warm_cli`` makes). A shell
    with ``PYTHONDONTWRITEBYTECODE`` set would otherwise compile 27 modules at every start
    (about 50 ms, 5 us a document of the 10,000)."""
    command = [
        sys.executable,
        "-m",
        "gateway.validation.cli",
        "validate",
        str(folder),
        "--jobs",
        "1",
        "--format",
        "json",
        "--sent-date",
        SENT_DATE,
        "--service",
        "rta",
        "--release",
        "R7",
    ]
    start = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
        env=CLI_ENV,
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"gateway validate failed ({done.returncode}): {done.stderr.decode()}")
    return count / elapsed


def lxml_rate(files: list[Path]) -> float:
    """(b) documents per second of a bare lxml parse + XSD validate loop."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    schema = etree.XMLSchema(etree.parse(str(SCHEMA), parser))
    start = time.perf_counter()
    for path in files:
        schema.validate(etree.fromstring(path.read_bytes(), parser))
    return len(files) / (time.perf_counter() - start)


def engine_rate(files: list[Path]) -> float:
    """(a') documents per second of ``check_document`` in-process (no start-up, no output)."""
    registry = ReleaseRegistry.load(REPO / "schemas", eager=False)
    registry.schema_for(Service.RTA, "R7", Pack.CNF)
    ctx = RuleContext(sent_date=date.fromisoformat(SENT_DATE))
    start = time.perf_counter()
    for path in files:
        check_document(registry, path.read_bytes(), Service.RTA, "R7", None, ctx, source=str(path))
    return len(files) / (time.perf_counter() - start)


def xmlschema_rate(files: list[Path]) -> float:
    """(c) documents per second of ``xmlschema``'s validator (sample, extrapolated)."""
    schema = xmlschema.XMLSchema10(str(SCHEMA))
    start = time.perf_counter()
    for path in files:
        schema.is_valid(str(path))
    return len(files) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="documents (default 10000)")
    parser.add_argument(
        "--sample", type=int, default=500, help="documents for the xmlschema run (default 500)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=2,
        help="runs of each measurement; the best one counts (default 2)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as tmp:
        folder = Path(tmp)
        tally = write_corpus(folder, args.count)
        files = sorted(folder.glob("*.xml"))
        if not files:
            raise SystemExit("empty corpus")
        size = sum(p.stat().st_size for p in files) / len(files)
        print(
            f"corpus: {len(files)} RTA R7 CNFs, {size / 1024:.1f} KB average, "
            f"{tally['valid']} valid, {tally['invalid']} invalid"
        )
        lxml_rate(files[:200])  # warm the page cache before anything is timed
        with tempfile.TemporaryDirectory(prefix="bench-validate-warm-") as warm:
            (Path(warm) / "one.xml").write_bytes(files[0].read_bytes())
            cli_rate(Path(warm), 1)  # the CLI's bytecode is written once, as an install does
        rounds = [
            (cli_rate(folder, len(files)), lxml_rate(files), engine_rate(files))
            for _ in range(max(1, args.repeat))
        ]
        a, b, a2 = (max(r[i] for r in rounds) for i in range(3))
        c = max(xmlschema_rate(files[: args.sample]) for _ in range(max(1, args.repeat)))
    print(f"(a)  gateway validate --jobs 1 --format json : {a:9.0f} docs/s")
    print(f"(a') check_document in-process               : {a2:9.0f} docs/s")
    print(f"(b)  bare lxml parse + XSD validate           : {b:9.0f} docs/s")
    print(
        f"(c)  xmlschema XMLSchema10.is_valid           : {c:9.0f} docs/s "
        f"(sample of {min(args.sample, len(files))})"
    )
    print(f"a/b = {a / b:.2f} (target >= 0.80)   a/c = {a / c:.1f} (xmlschema, for information)")
    paired = ", ".join(f"{ra / rb:.2f}" for ra, rb, _ in rounds)
    print(f"a/b of each round (a and b measured back to back): {paired}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
