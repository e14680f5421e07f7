"""``gateway validate`` (the offline pack validator) and ``gateway schemas`` (list, export).

``register(subparsers)`` adds both sub-commands to the ``gateway`` command; each sets ``func`` to a
handler taking the parsed namespace and returning the exit status: 0 every document valid, 1 some
invalid, 2 a usage or I/O error (missing path, unreadable file, unknown release, broken schema).
Output order is input order whatever ``--jobs`` says, so the output is deterministic.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from gateway.config import Settings
from gateway.domain.services import Service
from gateway.errors import StartupError
from gateway.validation.context import RuleContext, today_in_london
from gateway.validation.engine import check_document
from gateway.validation.packs import Pack
from gateway.validation.registry import (
    PackNotInRelease,
    Release,
    ReleaseRegistry,
    UnknownRelease,
)
from gateway.validation.report import Report, json_line, junit_xml, summary, text_lines

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
PROGRESS_MIN_FILES = 20
STDIN = "-"


class UsageError(Exception):
    """A mistake in the command line or its inputs: exit status 2."""


@dataclass(frozen=True)
class IOFailure:
    """A document that could not be read."""

    file: str
    reason: str


@dataclass(frozen=True)
class Job:
    """What every worker needs to check documents; small and picklable."""

    schema_root: Path
    service: Service
    release: str
    pack: Pack | None
    sent_date: date


# ------------------------------------------------------------------------------ registration
def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``validate`` and ``schemas`` sub-commands (``func`` returns the exit status)."""
    validate = subparsers.add_parser(
        "validate", help="validate embedded A2A packs offline (XSD and business rules)",
        description="Validate pack documents against the XSD of a release and the business "
                    "rules that need no server state.")
    validate.add_argument("paths", nargs="+", metavar="PATH",
                          help="XML files, directories (searched for *.xml) or - for stdin")
    validate.add_argument("--service", choices=[s.value for s in Service], default="rta")
    validate.add_argument("--release", help="release name (default: the service's current one)")
    validate.add_argument("--pack", choices=[p.value for p in Pack],
                          help="pack kind (default: detected from the root element)")
    validate.add_argument("--sent-date", type=_iso_date, metavar="YYYY-MM-DD",
                          help="date the rules judge against (default: today, Europe/London)")
    validate.add_argument("--format", choices=["text", "json", "junit"], default="text")
    validate.add_argument("--jobs", type=_positive, default=1, metavar="N",
                          help="validate with N processes")
    _schemas_option(validate)
    validate.set_defaults(func=run_validate)

    schemas = subparsers.add_parser("schemas", help="list or export the pack schemas")
    actions = schemas.add_subparsers(dest="schemas_action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="releases, process versions and files per pack")
    listing.add_argument("--format", choices=["text", "json"], default="text")
    _schemas_option(listing)
    listing.set_defaults(func=run_schemas_list)
    export = actions.add_parser("export", help="copy every release's schemas and the WSDLs")
    export.add_argument("target", type=Path, metavar="DIR")
    export.add_argument("--wsdl", type=Path, metavar="DIR",
                        help="folder of the *.wsdl files (default: wsdl/ next to schemas/)")
    _schemas_option(export)
    export.set_defaults(func=run_schemas_export)


def _schemas_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--schemas", type=Path, metavar="DIR",
                        help="schema root (default: the repository's schemas/)")


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive number: {text!r}")
    return int(text)


def default_schema_root() -> Path:
    """``schemas/`` of the source tree the package runs from, else of the working directory."""
    candidates = (Path(__file__).resolve().parents[2] / "schemas", Path.cwd() / "schemas")
    return next((c for c in candidates if c.is_dir()), candidates[0])


def _fail(message: str) -> int:
    print(f"gateway: error: {message}", file=sys.stderr)
    return EXIT_USAGE


# ---------------------------------------------------------------------------------- validate
def run_validate(args: argparse.Namespace) -> int:
    """``gateway validate``."""
    try:
        job, registry = _prepare(args)
        inputs = list(_expand(args.paths))
    except (UsageError, StartupError) as exc:
        return _fail(str(exc))
    stdin_data = sys.stdin.buffer.read() if STDIN in inputs else b""
    outcomes = _outcomes(job, registry, inputs, stdin_data, args.jobs)
    return _emit(outcomes, len(inputs), args.format, sys.stdout, sys.stderr)


def _prepare(args: argparse.Namespace) -> tuple[Job, ReleaseRegistry]:
    service = Service(args.service)
    root: Path = args.schemas or default_schema_root()
    registry = ReleaseRegistry.load(root, eager=False)
    name = args.release or Settings().current_release(service)
    try:
        release = registry.release(service, name)
    except UnknownRelease as exc:
        raise UsageError(str(exc)) from None
    pack = Pack(args.pack) if args.pack else None
    _compile(registry, release, pack)
    job = Job(root, service, release.name, pack, args.sent_date or today_in_london())
    _set_state(job, registry)
    return job, registry


def _compile(registry: ReleaseRegistry, release: Release, pack: Pack | None) -> None:
    # A broken schema is a usage error found before any document; compiled once, workers fork.
    packs: Iterable[Pack] = release.files if pack is None else (pack,)
    for each in packs:
        try:
            registry.schema_for(release.service, release, each)
        except PackNotInRelease as exc:
            raise UsageError(str(exc)) from None


def _expand(paths: Sequence[str]) -> Iterator[str]:
    for raw in paths:
        if raw == STDIN:
            yield STDIN
            continue
        path = Path(raw)
        if path.is_dir():
            yield from (str(p) for p in sorted(path.rglob("*.xml")) if p.is_file())
        elif path.exists():
            yield raw
        else:
            raise UsageError(f"no such file or directory: {raw}")


# Per process: the job and its registry, built once (inherited by forked workers).
_STATE: dict[str, Any] = {}


def _set_state(job: Job, registry: ReleaseRegistry) -> None:
    _STATE.update(job=job, registry=registry, ctx=RuleContext(sent_date=job.sent_date))


def _init_worker(job: Job) -> None:
    if _STATE.get("job") != job:
        _set_state(job, ReleaseRegistry.load(job.schema_root, eager=False))


def _check_file(path: str) -> Report | IOFailure:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return IOFailure(path, exc.strerror or str(exc))
    return _check(data, path)


def _check(data: bytes, source: str) -> Report:
    job: Job = _STATE["job"]
    return check_document(_STATE["registry"], data, job.service, job.release, job.pack,
                          _STATE["ctx"], source=source)


def _outcomes(job: Job, registry: ReleaseRegistry, inputs: list[str], stdin_data: bytes,
              jobs: int) -> Iterator[Report | IOFailure]:
    files = [p for p in inputs if p != STDIN]
    if jobs == 1 or len(files) < 2:
        checked: Iterator[Report | IOFailure] = map(_check_file, files)
        yield from _merge(inputs, checked, stdin_data)
        return
    chunk = max(1, min(256, len(files) // (jobs * 8)))
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                             initargs=(job,)) as pool:
        yield from _merge(inputs, pool.map(_check_file, files, chunksize=chunk), stdin_data)


def _merge(inputs: list[str], checked: Iterator[Report | IOFailure],
           stdin_data: bytes) -> Iterator[Report | IOFailure]:
    for item in inputs:
        yield _check(stdin_data, STDIN) if item == STDIN else next(checked)


def _emit(outcomes: Iterable[Report | IOFailure], total: int, fmt: str, out: TextIO,
          err: TextIO) -> int:
    reports: list[Report] = []
    io_failed = False
    progress = Progress(total, err)
    write_one: Callable[[Report], str] = (
        (lambda r: "".join(f"{line}\n" for line in text_lines(r))) if fmt == "text"
        else (lambda r: json_line(r) + "\n") if fmt == "json"
        else (lambda r: "")
    )
    for outcome in outcomes:
        progress.advance()
        if isinstance(outcome, IOFailure):
            io_failed = True
            progress.clear()
            print(f"gateway: error: cannot read {outcome.file}: {outcome.reason}", file=err)
            continue
        reports.append(outcome)
        chunk = write_one(outcome)
        if chunk:
            out.write(chunk)
    progress.clear()
    if fmt == "junit":
        out.write(junit_xml(reports).decode("utf-8"))
    out.flush()
    print(summary(reports), file=err)
    if io_failed:
        return EXIT_USAGE
    return EXIT_VALID if all(r.valid for r in reports) else EXIT_INVALID


class Progress:
    """A one-line progress bar on a terminal's stderr; silent when piped or for few files."""

    WIDTH = 30
    INTERVAL = 0.1

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        self.done = 0
        self.enabled = total > PROGRESS_MIN_FILES and stream.isatty()
        self._drawn_at = 0.0

    def advance(self) -> None:
        self.done += 1
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._drawn_at >= self.INTERVAL or self.done == self.total:
            self._drawn_at = now
            filled = self.WIDTH * self.done // self.total
            bar = "#" * filled + "." * (self.WIDTH - filled)
            self.stream.write(f"\r[{bar}] {self.done}/{self.total}")
            self.stream.flush()

    def clear(self) -> None:
        if self.enabled and self._drawn_at:
            self.stream.write("\r" + " " * (self.WIDTH + 30) + "\r")
            self.stream.flush()
            self._drawn_at = 0.0


# ----------------------------------------------------------------------------------- schemas
def release_index(registry: ReleaseRegistry) -> list[dict[str, Any]]:
    """Service, release, process version and pack -> file of every release (``index.json``)."""
    return [
        {
            "service": r.service.value,
            "release": r.name,
            "processName": r.process_name,
            "processVersion": r.version,
            "closedToNewClaims": r.closed_to_new_claims,
            "packs": {p.value: f"{r.folder.as_posix()}/{f}" for p, f in r.files.items()},
            "judgedBy": {p.value: f"{r.folder.as_posix()}/{f}" for p, f in r.judged_by.items()},
        }
        for r in registry.releases()
    ]


def run_schemas_list(args: argparse.Namespace) -> int:
    """``gateway schemas list``."""
    root: Path = args.schemas or default_schema_root()
    try:
        registry = ReleaseRegistry.load(root, eager=False)
    except StartupError as exc:
        return _fail(str(exc))
    if args.format == "json":
        print(json.dumps({"schemaRoot": str(root), "releases": release_index(registry)},
                         indent=2))
        return EXIT_VALID
    for release in registry.releases():
        print(f"{release.service.value} {release.name}  processName {release.process_name}  "
              f"version {release.version}")
        for pack, name in release.files.items():
            present = "" if (root / release.folder / name).is_file() else "  (missing)"
            judged = release.judged_by.get(pack)
            note = f"  (judged by {judged})" if judged else ""
            print(f"  {pack.value:<24}{name}{note}{present}")
    return EXIT_VALID


def run_schemas_export(args: argparse.Namespace) -> int:
    """``gateway schemas export DIR``: every release folder, the WSDLs and ``index.json``."""
    root: Path = args.schemas or default_schema_root()
    target: Path = args.target
    try:
        registry = ReleaseRegistry.load(root)  # refuse to export schemas that do not compile
        for release in registry.releases():
            shutil.copytree(root / release.folder, target / release.folder, dirs_exist_ok=True)
        wsdl_dir: Path = args.wsdl or root.parent / "wsdl"
        wsdls = sorted(wsdl_dir.glob("*.wsdl")) if wsdl_dir.is_dir() else []
        if wsdls:
            (target / "wsdl").mkdir(parents=True, exist_ok=True)
        for wsdl in wsdls:
            shutil.copy2(wsdl, target / "wsdl" / wsdl.name)
        index = {"releases": release_index(registry),
                 "wsdl": [f"wsdl/{w.name}" for w in wsdls]}
        (target / "index.json").write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    except StartupError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot export to {target}: {exc}")
    print(f"exported {len(registry.releases())} releases and {len(wsdls)} WSDLs to {target}",
          file=sys.stderr)
    return EXIT_VALID


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point (``python -m gateway.validation.cli``)."""
    parser = argparse.ArgumentParser(prog="gateway")
    register(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    status: int = args.func(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
