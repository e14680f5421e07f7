"""``gateway retention run|report``: the retention rules of security.md 6.2 and 6.4 by hand.

* ``gateway retention run [--dry-run] [--list] [--batch N]`` purges and archives what the rules
  say is due today (the sandbox clock's today on a sandbox), and deletes notifications older than
  15 days; ``--dry-run`` changes nothing and says what would go; ``--list`` prints each claim.
* ``gateway retention report [--limit N]`` lists claims in an active phase without activity for
  12 months (tab-separated: applicationId, service, phase, CR, compensator, last activity).

The timeout worker (``gateway timeouts``) runs the same rules every ``--retention-every`` seconds.
Exit status: 0 success, 1 nothing to report, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from typing import Any

from gateway.config import Settings
from gateway.service.clock import Clock, SystemClock
from gateway.service.operator import Operator, OperatorRefused
from gateway.service.operator.retention import (
    DEFAULT_BATCH,
    DEFAULT_YIELD,
    Retention,
    RetentionReport,
)
from gateway.service.timeouts_cli import _settings
from gateway.service.unit_of_work import Database


@dataclass(frozen=True)
class _Parts:
    """The database and clock of a run, without the rest of the gateway (no schemas compiled)."""

    settings: Settings
    database: Database
    clock: Clock


def _parts(args: argparse.Namespace) -> _Parts:
    from gateway.service.sandbox import SandboxClock
    from gateway.store.db import make_engine

    settings = _settings(args)
    database = Database(make_engine(settings.database_url))
    clock: Clock = SandboxClock(database) if settings.sandbox else SystemClock()
    return _Parts(settings, database, clock)


def cmd_run(args: argparse.Namespace) -> int:
    components = _parts(args)
    pause = args.pause_in_batch
    try:
        retention = Retention(
            components,
            Operator.platform(),
            batch=args.batch,
            yield_ratio=args.yield_ratio,
            in_batch=(lambda: time.sleep(pause)) if pause else None,
        )
        report = retention.run(dry_run=args.dry_run)
    except OperatorRefused as exc:
        print(f"gateway retention: {exc}", file=sys.stderr)
        return 2
    finally:
        components.database.dispose()
    if args.list:
        _print_claims(report)
    print(f"{report.today}: {report.summary()}")
    return 0


def _print_claims(report: RetentionReport) -> None:
    for rule, ids in report.purged.items():
        for application_id in ids:
            print(f"{'would purge' if report.dry_run else 'purged'}\t{rule}\t{application_id}")
    for application_id in report.archived:
        print(f"{'would archive' if report.dry_run else 'archived'}\tarchive\t{application_id}")


def cmd_report(args: argparse.Namespace) -> int:
    components = _parts(args)
    found = 0
    try:
        for app_id, service, phase, cr, comp, at in Retention(components).inactive(args.limit):
            print(f"{app_id}\t{service}\t{phase}\t{cr}\t{comp}\t{at:%Y-%m-%d %H:%M:%S%z}")
            found += 1
    finally:
        components.database.dispose()
    print(f"{found} claims without activity for 12 months", file=sys.stderr)
    return 0 if found else 1


def register(sub: Any) -> None:
    """Add ``retention`` to the ``gateway`` command."""
    retention = sub.add_parser("retention", help="purge, archive and report (security.md 6.2)")
    rsub = retention.add_subparsers(dest="retention_action", required=True)
    run = rsub.add_parser("run", help="purge and archive what is due today")
    run.add_argument("--dry-run", action="store_true", help="change nothing; say what would go")
    run.add_argument("--list", action="store_true", help="print each claim purged or archived")
    run.add_argument(
        "--batch", type=int, default=DEFAULT_BATCH, help="claims per transaction (default 500)"
    )
    run.add_argument(
        "--yield",
        dest="yield_ratio",
        type=float,
        default=DEFAULT_YIELD,
        help="after each batch, wait this many times as long as it took, leaving the database "
        "to live requests (default 1; 0: full speed)",
    )
    # Tests kill a run in the middle of a batch: each batch waits this long before it commits.
    run.add_argument("--pause-in-batch", type=float, default=0.0, help=argparse.SUPPRESS)
    run.set_defaults(func=cmd_run)
    report = rsub.add_parser("report", help="claims without activity for 12 months")
    report.add_argument("--limit", type=int, default=10_000)
    report.set_defaults(func=cmd_report)
