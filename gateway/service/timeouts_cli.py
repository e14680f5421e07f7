"""``gateway timeouts``, ``gateway clock`` and ``gateway calendar``: deadlines in motion.

* ``gateway timeouts [--once] [--interval S] [--batch N] [--metrics-bind HOST:PORT]`` runs the
  timeout worker (``gateway.service.timeouts``): one sweep with ``--once``, else a sweep every
  ``S`` seconds until SIGTERM or SIGINT, serving its metrics at ``/metrics`` if asked; the loop
  also runs the retention rules (``gateway.service.operator.retention``) once an hour.
* ``gateway clock show|advance|set|reset`` moves the sandbox clock (``gateway.service.sandbox``);
  refused with exit status 2 unless the deployment is a sandbox (``GATEWAY_SANDBOX=1``).
* ``gateway calendar import|list|add|remove`` maintains the bank-holiday table (lifecycle.md 5.1).

Exit status: 0 success, 1 nothing found, 2 usage, input or I/O error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from gateway.config import Settings
from gateway.domain.calendar import BusinessCalendar, parse_govuk_bank_holidays, statutory_holidays
from gateway.domain.deadlines import london
from gateway.service.claims.calendar_store import calendar_from_store
from gateway.service.unit_of_work import Database, UnitOfWork
from gateway.store.models import BankHoliday

USAGE = 2


class CommandError(Exception):
    """Bad input to one of these commands: printed to stderr, exit status 2."""


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.load(os.environ, getattr(args, "config", None))
    if getattr(args, "database_url", None):
        settings = settings.with_overrides(database_url=args.database_url)
    return settings


def _database(settings: Settings) -> Database:
    from gateway.store.db import make_engine

    return Database(make_engine(settings.database_url))


def _fail(command: str, message: str) -> int:
    print(f"gateway {command}: {message}", file=sys.stderr)
    return USAGE


# ---------------------------------------------------------------------------------- timeouts
def cmd_timeouts(args: argparse.Namespace) -> int:
    import logging
    import threading

    from gateway.app import build
    from gateway.service.timeouts import SweepReport, TimeoutWorker, stop_on_signals

    if args.batch < 1 or args.interval <= 0:
        return _fail("timeouts", "--batch must be >= 1 and --interval > 0")
    components = build(_settings(args))
    worker = TimeoutWorker(components)
    try:
        if args.once:
            report = worker.sweep(args.batch)
            print(f"{components.clock.now():%Y-%m-%d %H:%M:%S%z}: {report.summary()}")
            return 0
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
        stop = threading.Event()
        stop_on_signals(stop)
        if args.metrics_bind:
            _serve_metrics(args.metrics_bind)

        from gateway.service.operator.retention import RetentionSchedule

        retention = RetentionSchedule(components, args.retention_every)

        def said(report: SweepReport) -> None:
            if report.fired or report.skipped:
                print(
                    f"{components.clock.now():%Y-%m-%d %H:%M:%S%z}: {report.summary()}", flush=True
                )
            try:  # security.md 6.2 and 6.4: purges, archive, notifications
                kept = retention.maybe_run()
            except Exception:  # the next period retries; timeouts keep firing meanwhile
                logging.getLogger("gateway.retention").exception("retention run failed")
            else:
                if kept is not None and (kept.purged_count or kept.archived or kept.notifications):
                    print(f"{kept.today}: retention {kept.summary()}", flush=True)

        print(
            f"timeout worker: sweeping every {args.interval:g} s (batches of {args.batch})",
            flush=True,
        )
        worker.run(args.interval, args.batch, stop, said)
        print("timeout worker stopped", flush=True)
        return 0
    finally:
        components.database.dispose()


def _serve_metrics(bind: str) -> None:
    """The worker's counts (timeouts fired, warnings) on ``http://HOST:PORT/metrics``."""
    from prometheus_client import start_http_server

    host, _, port = bind.rpartition(":")
    server, _thread = start_http_server(int(port), host or "127.0.0.1")
    print(
        f"timeout worker: metrics at http://{host or '127.0.0.1'}:{server.server_port}/metrics",
        flush=True,
    )


# ---------------------------------------------------------------------------------- clock
def cmd_clock(args: argparse.Namespace) -> int:
    from gateway.service import sandbox

    settings = _settings(args)
    if not settings.sandbox:
        return _fail(
            "clock",
            "refused: this deployment is not a sandbox (set GATEWAY_SANDBOX=1 "
            "on a test deployment); production runs on real time",
        )
    database = _database(settings)
    try:
        real = datetime.now(UTC)
        with database.unit_of_work() as uow:
            offset = sandbox.read_offset(uow)
            current = real.timestamp() + offset
            now = datetime.fromtimestamp(current, UTC)
            action = args.clock_action
            if action == "advance":
                if args.business_days is not None:
                    if args.business_days < 0:
                        return _fail("clock", "--business-days must be >= 0")
                    target = sandbox.advance_business_days(
                        now, calendar_from_store(uow), args.business_days
                    )
                else:
                    target = sandbox.advance_days(now, args.days)
            elif action == "set":
                try:
                    target = sandbox.parse_moment(args.when, now)
                except ValueError as exc:
                    return _fail("clock", str(exc))
            elif action == "reset":
                target = real
            else:
                target = now
            if action != "show":
                offset = sandbox.offset_for(target, real)
                sandbox.write_offset(uow, offset)
                uow.commit()
        local = target.astimezone(london())
        print(
            f"sandbox now {local:%Y-%m-%d %H:%M:%S %Z} (Europe/London); "
            f"offset {offset / 86400:+.4f} days ({offset:+.0f} s)"
        )
        return 0
    finally:
        database.dispose()


# ---------------------------------------------------------------------------------- calendar
def import_holidays(uow: UnitOfWork, events: Iterable[tuple[date, str]]) -> list[int]:
    """Replace the stored holidays of every year ``events`` covers. Returns those years."""
    found = list(events)
    years = sorted({day.year for day, _ in found})
    uow.calendar.replace_years(years, found)
    return years


def _stored(uow: UnitOfWork, year: int | None = None) -> list[BankHoliday]:
    return list(uow.calendar.in_year(year))


def _materialise(uow: UnitOfWork, year: int) -> bool:
    """Store ``year``'s statutory holidays if it has no imported data (so that one added or
    removed date does not leave the rest of the year without its holidays)."""
    if _stored(uow, year):
        return False
    import_holidays(uow, sorted(statutory_holidays(year).items()))
    uow.flush()
    return True


def _parse_day(raw: str) -> date:
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"{raw!r} is not a YYYY-MM-DD date") from None


def cmd_calendar(args: argparse.Namespace) -> int:
    try:
        return _calendar(args)
    except CommandError as exc:
        return _fail("calendar", str(exc))


def _calendar(args: argparse.Namespace) -> int:
    action = args.calendar_action
    events: list[tuple[date, str]] = []
    if action == "import":
        try:
            events = parse_govuk_bank_holidays(Path(args.file).read_bytes())
        except OSError as exc:
            raise CommandError(f"cannot read {args.file}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if not events:
            raise CommandError(f"{args.file}: no england-and-wales events")
    day = _parse_day(args.date) if action in ("add", "remove") else None
    if action == "add" and not args.title.strip():
        raise CommandError("the title must not be empty")
    database = _database(_settings(args))
    try:
        with database.unit_of_work() as uow:
            code = _calendar_action(uow, args, events, day)
            uow.commit()
        return code
    finally:
        database.dispose()


def _calendar_action(
    uow: UnitOfWork, args: argparse.Namespace, events: list[tuple[date, str]], day: date | None
) -> int:
    action = args.calendar_action
    if action == "import":
        years = import_holidays(uow, events)
        print(
            f"{len(events)} bank holidays imported for {', '.join(map(str, years))} "
            "(england-and-wales; those years replaced)"
        )
    elif action == "list":
        _list(uow, args.year)
    elif action == "add" and day is not None:
        if _materialise(uow, day.year):
            print(f"{day.year} had no imported data: its statutory holidays were stored first")
        uow.calendar.put(day, args.title.strip())
        print(f"{day}\t{args.title.strip()}\tadded")
    elif action == "remove" and day is not None:
        if _materialise(uow, day.year):
            print(f"{day.year} had no imported data: its statutory holidays were stored first")
        row = uow.calendar.get(day)
        if row is None:
            print(f"gateway calendar: {day} is not a stored bank holiday", file=sys.stderr)
            return 1
        uow.calendar.remove(row)
        print(f"{day}\t{row.title}\tremoved")
    return 0


def _list(uow: UnitOfWork, year: int | None) -> None:
    rows = _stored(uow, year)
    for row in rows:
        print(f"{row.day}\t{row.title}")
    if year is not None and not rows:
        calendar = BusinessCalendar()
        print(f"# {year}: no imported data; the statutory holidays apply:")
        for day, title in sorted(calendar.holidays_in(year).items()):
            print(f"{day}\t{title}\t(statutory)")


# ---------------------------------------------------------------------------------- parser
def register(sub: Any) -> None:
    """Add ``timeouts``, ``clock`` and ``calendar`` to the ``gateway`` command."""
    timeouts = sub.add_parser("timeouts", help="fire due deadlines (timeouts and warnings)")
    timeouts.add_argument("--once", action="store_true", help="one sweep, then exit")
    timeouts.add_argument(
        "--interval", type=float, default=30.0, help="seconds between sweeps (default 30)"
    )
    timeouts.add_argument(
        "--batch", type=int, default=100, help="timers per transaction (default 100)"
    )
    timeouts.add_argument(
        "--metrics-bind", help="HOST:PORT to serve the worker's Prometheus metrics on (loop only)"
    )
    timeouts.add_argument(
        "--retention-every",
        type=float,
        default=3600.0,
        help="run the retention rules (gateway retention run) every S seconds, loop only; "
        "0: never (default 3600)",
    )
    timeouts.set_defaults(func=cmd_timeouts)

    clock = sub.add_parser("clock", help="the sandbox clock (GATEWAY_SANDBOX=1 only)")
    csub = clock.add_subparsers(dest="clock_action", required=True)
    csub.add_parser("show", help="print the sandbox's now")
    advance = csub.add_parser("advance", help="move the sandbox's now forward")
    how = advance.add_mutually_exclusive_group(required=True)
    how.add_argument("--business-days", type=int, help="N business days, same time of day")
    how.add_argument("--days", type=int, help="N calendar days, same time of day")
    at = csub.add_parser("set", help="set the sandbox's now (Europe/London)")
    at.add_argument("when", help="YYYY-MM-DD (keeps the time of day) or YYYY-MM-DDTHH:MM")
    csub.add_parser("reset", help="back to real time")
    for parser in csub.choices.values():
        parser.set_defaults(func=cmd_clock)

    calendar = sub.add_parser("calendar", help="the bank-holiday calendar (england-and-wales)")
    ksub = calendar.add_subparsers(dest="calendar_action", required=True)
    imp = ksub.add_parser(
        "import", help="import a gov.uk bank-holidays.json; replaces the years it covers"
    )
    imp.add_argument("file")
    lst = ksub.add_parser("list", help="list stored bank holidays")
    lst.add_argument("--year", type=int)
    add = ksub.add_parser("add", help="add (or rename) a bank holiday")
    add.add_argument("date", help="YYYY-MM-DD")
    add.add_argument("title")
    rem = ksub.add_parser("remove", help="remove a bank holiday")
    rem.add_argument("date", help="YYYY-MM-DD")
    for parser in ksub.choices.values():
        parser.set_defaults(func=cmd_calendar)
