"""The operator's commands (security.md 8): ``gateway admin gdpr-delete | transfer | user-extend |
user-delete-stale | index-* | unlink-compensators | compensator-links | release-* | warnings`` and
``gateway audit report``. Each runs an operator function of this package as the platform operator,
or, with ``--as USER``, as that named user with that user's rights (what the administration
console will do). Exit status: 0 done, 1 a finding (skipped claims, warnings), 2 refused.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from gateway.config import Settings
from gateway.domain.deadlines import london_midnight
from gateway.domain.services import Service
from gateway.service.operator import Operator, OperatorRefused


def _settings(args: argparse.Namespace) -> Settings:
    from gateway import cli  # the environment is read by the command's own factory

    return cli._settings(args)


def _operator(components: Any, args: argparse.Namespace) -> Operator:
    user_id = getattr(args, "as_user", None)
    if not user_id:
        return Operator.platform()
    with components.database.unit_of_work() as uow:
        return Operator.user(uow, user_id)


def _run(args: argparse.Namespace, body: Callable[[Any, Operator], int]) -> int:
    from gateway.app import build

    components = build(_settings(args))
    try:
        return body(components, _operator(components, args))
    except OperatorRefused as exc:
        print(f"gateway {args.command}: {exc}", file=sys.stderr)
        return 2
    finally:
        components.database.dispose()


def _ids(args: argparse.Namespace) -> list[str]:
    found: list[str] = []
    for part in getattr(args, "claims", None) or []:
        found.extend(p for p in part.replace(",", " ").split() if p)
    claims_file = getattr(args, "claims_file", None)
    if claims_file:
        try:
            text = Path(claims_file).read_text("utf-8")
        except OSError as exc:
            raise OperatorRefused(f"cannot read {claims_file}: {exc.strerror}") from None
        found.extend(line.split("#")[0].strip() for line in text.splitlines())
    return [f for f in found if f]


# ------------------------------------------------------------------------------ GDPR deletion
def cmd_gdpr_delete(args: argparse.Namespace) -> int:
    from gateway.service.operator.gdpr import gdpr_delete

    def body(components: Any, operator: Operator) -> int:
        report = gdpr_delete(components, operator, _ids(args), args.reason)
        for line in report.lines("deleted"):
            print(line)
        return 1 if report.skipped else 0

    return _run(args, body)


# ------------------------------------------------------------------------------ bulk transfer
class ProgressBar:
    """``[#####.....] 400/1000`` on a terminal (stderr), nothing elsewhere."""

    def __init__(self, stream: IO[str], width: int = 40) -> None:
        self.stream, self.width = stream, width
        self.shown = stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.shown:
            return
        filled = self.width * done // total if total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done}/{total}")
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def cmd_transfer(args: argparse.Namespace) -> int:
    from gateway.service.operator.transfer import TransferFailed, TransferOrder, transfer

    def body(components: Any, operator: Operator) -> int:
        ids = _ids(args)
        if args.all == bool(ids):
            raise OperatorRefused("name the claims (--claims, --claims-file) or --all, not both")
        order = TransferOrder(
            args.from_org,
            args.to_org,
            args.reason,
            None if args.all else ids,
            Service(args.service) if args.service else None,
            args.batch,
        )
        bar = ProgressBar(sys.stderr)
        try:
            report = transfer(components, operator, order, bar)
        except TransferFailed as exc:
            bar.close()
            done = exc.report
            print(f"transfer {done.transfer_id}: {done.summary('transferred')} before it stopped")
            raise
        bar.close()
        print(f"transfer {report.transfer_id}: {args.from_org} -> {args.to_org}")
        for line in report.lines("transferred"):
            print(line)
        return 1 if report.skipped else 0

    return _run(args, body)


# ------------------------------------------------------------------------------ audit report
def _day_or_instant(text: str, end: bool) -> datetime:
    """``YYYY-MM-DD`` (a Europe/London day: from its start, or to the end of it) or an ISO
    date-time (UTC unless it names its zone)."""
    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip())
            return london_midnight(day + timedelta(days=1) if end else day).astimezone(UTC)
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise OperatorRefused(f"{text!r} is not YYYY-MM-DD or an ISO date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def cmd_audit_report(args: argparse.Namespace) -> int:
    from gateway.service.operator.audit import report
    from gateway.store.operator_queries import AuditFilter

    def body(components: Any, operator: Operator) -> int:
        f = AuditFilter(
            organisation_id=args.organisation,
            start=_day_or_instant(args.date_from, end=False),
            end=_day_or_instant(args.date_to, end=True),
            user_id=args.user,
            application_id=args.claim.zfill(16) if args.claim else None,
            operation=args.operation,
            claims_only=not args.all_requests,
        )
        if args.output:
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                count = report(components, operator, f, out, args.format)
            print(f"{count} rows written to {args.output}", file=sys.stderr)
        else:
            report(components, operator, f, sys.stdout, args.format)
        return 0

    return _run(args, body)


# ------------------------------------------------------------------------------------ upkeep
def cmd_upkeep(args: argparse.Namespace) -> int:
    from gateway.service.operator import releases, upkeep

    def body(components: Any, operator: Operator) -> int:
        settings, action = components.settings, args.admin_action
        now = components.clock.now()
        with components.database.unit_of_work() as uow:
            code = 0
            if action == "user-extend":
                until = date.fromisoformat(args.until) if args.until else None
                print(upkeep.extend_account(uow, settings, operator, args.id, now, until))
            elif action == "user-delete-stale":
                report = upkeep.delete_stale_accounts(
                    uow, settings, operator, now, dry_run=args.dry_run
                )
                verb = "would be deleted (dry run)" if args.dry_run else "deleted"
                for line in report.lines(verb):
                    print(line)
                for user_id in report.done:
                    print(f"  {'would delete' if args.dry_run else 'deleted'} {user_id}")
            elif action == "index-add":
                print(
                    upkeep.add_index_entry(
                        uow, settings, operator, args.name, args.contact or "", args.org, now
                    )
                )
            elif action == "index-remove":
                print(upkeep.remove_index_entry(uow, settings, operator, args.name, now))
            elif action == "index-list":
                from gateway.store.operator_queries import insurer_index

                for entry in insurer_index(uow.session):
                    print(
                        f"{entry.insurer_name}\t{entry.organisation_id}\t{entry.contact_name or ''}"
                    )
            elif action in ("link-compensators", "unlink-compensators"):
                linked = action == "link-compensators"
                print(upkeep.set_link(uow, settings, operator, args.org, args.other, linked, now))
            elif action == "compensator-links":
                from gateway.store.operator_queries import links

                for a, b in links(uow.session):
                    print(f"{a}\t{b}")
            elif action == "release-list":
                for row in releases.describe([releases.state(uow, settings, s) for s in Service]):
                    flags = [f for f in ("current", "closed") if row[f]]
                    print(f"{row['service']}\t{row['release']}\t{' '.join(flags)}")
            elif action in ("release-current", "release-close", "release-open"):
                service = Service(args.service)
                if action == "release-current":
                    print(releases.set_current(uow, settings, operator, service, args.release, now))
                else:
                    closed = action == "release-close"
                    print(
                        releases.set_closed(
                            uow, settings, operator, service, args.release, closed, now
                        )
                    )
            elif action == "warnings":
                found = upkeep.calendar_warnings(uow, settings, now)
                for warning in found:
                    print(f"warning: {warning}")
                code = 1 if found else 0
            uow.commit()
            return code

    return _run(args, body)


# ------------------------------------------------------------------------------------ parser
def _admin_subparsers(sub: Any) -> Any:
    admin = sub.choices["admin"]
    for action in admin._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise RuntimeError("the admin command has no sub-commands")


def _as_user(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as", dest="as_user", help="act as this named user, with its rights (default: platform)"
    )


def register(sub: Any) -> None:
    """Add the operator's commands under ``gateway admin`` and ``gateway audit``."""
    asub = _admin_subparsers(sub)
    gdpr = asub.add_parser("gdpr-delete", help="GDPR-delete claims (any phase; security.md 6.3)")
    gdpr.add_argument("claims", nargs="+", help="applicationIds")
    gdpr.add_argument("--reason", required=True, help="why (journaled)")
    gdpr.set_defaults(func=cmd_gdpr_delete)

    tr = asub.add_parser("transfer", help="move claims to another organisation of the same type")
    tr.add_argument("--from", dest="from_org", required=True, help="CR00001 or COMP001")
    tr.add_argument("--to", dest="to_org", required=True)
    tr.add_argument("--claims", action="append", help="applicationIds, comma-separated")
    tr.add_argument("--claims-file", help="a file of applicationIds, one a line")
    tr.add_argument("--all", action="store_true", help="every active claim of --from")
    tr.add_argument("--service", choices=[s.value for s in Service], help="with --all: only these")
    tr.add_argument("--reason", required=True, help="the organisations' request (journaled)")
    tr.add_argument("--batch", type=int, default=200, help="claims per transaction (200)")
    tr.set_defaults(func=cmd_transfer)

    upkeep_parsers: list[argparse.ArgumentParser] = []
    ext = asub.add_parser("user-extend", help="extend an account (2 years from today, or --until)")
    ext.add_argument("id")
    ext.add_argument("--until", help="YYYY-MM-DD")
    stale = asub.add_parser(
        "user-delete-stale", help="delete accounts disabled 12 months that no claim refers to"
    )
    stale.add_argument("--dry-run", action="store_true", help="only list what would go")
    ia = asub.add_parser("index-add", help="map an insurer brand to a compensator")
    ia.add_argument("name", help="brand or trading name")
    ia.add_argument("--org", required=True, help="the compensator handling it")
    ia.add_argument("--contact", help="contact name")
    ir = asub.add_parser("index-remove", help="remove a brand from the Insurer Index")
    ir.add_argument("name")
    il = asub.add_parser("index-list", help="the Insurer Index")
    un = asub.add_parser("unlink-compensators", help="remove a same group / TPA link")
    un.add_argument("org")
    un.add_argument("other")
    cl = asub.add_parser("compensator-links", help="list the same group / TPA links")
    rl = asub.add_parser("release-list", help="releases: current and closed, per service")
    upkeep_parsers += [ext, stale, ia, ir, il, un, cl, rl]
    for name, help_text in (
        ("release-current", "set the release new claims are created under"),
        ("release-close", "close a release to new claims (it keeps serving its claims)"),
        ("release-open", "open a closed release to new claims again"),
    ):
        rel = asub.add_parser(name, help=help_text)
        rel.add_argument("service", choices=[s.value for s in Service])
        rel.add_argument("release", help="R5, R6, R7")
        upkeep_parsers.append(rel)
    warn = asub.add_parser("warnings", help="administrator warnings (calendar); exit 1 if any")
    upkeep_parsers.append(warn)
    # link-compensators exists in gateway.cli; it is journaled here from now on.
    link = asub.choices.get("link-compensators")
    if link is not None:
        upkeep_parsers.append(link)
    for parser in upkeep_parsers:
        parser.set_defaults(func=cmd_upkeep)
    for parser in (gdpr, tr, *upkeep_parsers):
        if parser is not link:
            _as_user(parser)
    if link is not None:
        _as_user(link)

    audit = sub.add_parser("audit", help="user-access audit reports (security.md 6.1)")
    ausub = audit.add_subparsers(dest="audit_action", required=True)
    rep = ausub.add_parser("report", help="who accessed which claims, one row per request")
    rep.add_argument("--organisation", help="CR00001 or COMP001 (default: every organisation)")
    rep.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD (London) or ISO")
    rep.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD inclusive, or ISO")
    rep.add_argument("--format", choices=["csv", "json"], default="csv")
    rep.add_argument("--user", help="only requests by this user (claims accessed by user X)")
    rep.add_argument("--claim", help="only this applicationId (users who accessed claim Y)")
    rep.add_argument("--operation", help="only this operation")
    rep.add_argument(
        "--all-requests", action="store_true", help="every request, not only claim accesses"
    )
    rep.add_argument("--output", help="write to this file (default: standard output)")
    _as_user(rep)
    rep.set_defaults(func=cmd_audit_report)
