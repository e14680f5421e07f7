"""The ``gateway`` command: serve, db, demo, admin, journal, validate, schemas, lifecycle.

Exit status: 0 success, 1 a finding (invalid documents, nothing found), 2 usage or I/O error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.config import Settings
from gateway.errors import GatewayError, StartupError


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.load(os.environ, getattr(args, "config", None))
    if getattr(args, "database_url", None):
        settings = settings.with_overrides(database_url=args.database_url)
    return settings


def _now() -> datetime:
    return datetime.now(UTC)


# ------------------------------------------------------------------------------------- serve
def cmd_serve(args: argparse.Namespace) -> int:
    from gateway.serve import serve

    settings = _settings(args)
    if args.bind:
        settings = settings.with_overrides(bind=args.bind)
    if args.workers:
        settings = settings.with_overrides(workers=args.workers)
    if args.threads:
        settings = settings.with_overrides(threads=args.threads)
    if args.certfile:
        settings = settings.with_overrides(certfile=args.certfile)
    if args.keyfile:
        settings = settings.with_overrides(keyfile=args.keyfile)
    if args.allow_plain_http:
        settings = settings.with_overrides(allow_plain_http=True)
    if args.run_dir:
        settings = settings.with_overrides(run_dir=args.run_dir)
    return serve(settings)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from gateway.store.db import current_revision, upgrade

    settings = _settings(args)
    upgrade(settings.database_url)
    print(f"database at revision {current_revision(settings.database_url)}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from gateway.app import build
    from gateway.service.demo import ORGANISATIONS, credentials, seed

    c = build(_settings(args))
    with c.database.unit_of_work() as uow:
        if args.if_empty and uow.organisations.all():
            if uow.organisations.get(ORGANISATIONS[0].organisation_id) is None:
                print("database already has organisations; demo world not seeded", file=sys.stderr)
                return 0
            creds = credentials()  # seeded before: show the same credentials again
        else:
            creds = seed(uow, c.auth, _now())
            uow.commit()
    if args.json:
        print(json.dumps(creds, indent=2))
    else:
        print("Demo world ready. A2A credentials (userID / userAsID / password):")
        for row in creds["a2a"]:
            print(
                f"  {row['organisationId']:8} {row['profile']:15} {row['userID']:9} "
                f"{row['userAsID']:15} {row['password']}"
            )
    return 0


# ------------------------------------------------------------------------------------- admin
def cmd_admin(args: argparse.Namespace) -> int:
    from gateway.app import build
    from gateway.service import admin

    c = build(_settings(args))
    now = _now()
    with c.database.unit_of_work() as uow:
        action = args.admin_action
        if action == "org-create":
            outcome = admin.ensure_organisation(
                uow,
                admin.OrganisationSpec(
                    args.id,
                    args.type,
                    args.name,
                    args.compensator_type,
                    rta="rta" in args.services,
                    elpl="elpl" in args.services,
                ),
                now,
            )
            print(f"organisation {args.id}: {outcome}")
        elif action == "org-list":
            for org in uow.organisations.all():
                print(
                    f"{org.organisation_id}\t{org.kind}\t{org.compensator_type or '-'}\t{org.name}"
                )
        elif action == "branch-create":
            print(
                f"branch /{args.org}/{args.id}: "
                f"{admin.ensure_branch(uow, args.org, args.id, args.name)}"
            )
        elif action == "branch-list":
            for b in uow.organisations.branches(args.org):
                print(f"/{b.organisation_id}/{b.branch_id}\t{b.name}")
        elif action == "user-create":
            password = os.environ.get(args.password_env) if args.password_env else None
            if args.password_env and not password:
                raise admin.AdminError(f"environment variable {args.password_env} is empty")
            outcome = admin.ensure_user(
                uow,
                c.auth,
                admin.UserSpec(
                    args.id,
                    args.org,
                    args.first_name,
                    args.surname,
                    args.profiles,
                    args.branch,
                    args.middle_name,
                ),
                now,
                password,
                password_expired=True,
            )
            print(f"user {args.id}: {outcome}")
        elif action == "user-list":
            users = uow.users.of_organisation(args.org) if args.org else uow.users.all()
            for u in users:
                state = "enabled" if u.enabled else "disabled"
                print(f"{u.user_id}\t{u.organisation_id}/{u.branch_id}\t{u.profiles}\t{state}")
        elif action == "user-unlock":
            admin.unlock_user(uow, args.id)
            print(f"user {args.id}: unlocked")
        elif action == "user-enable":
            admin.enable_user(uow, args.id, now)
            print(f"user {args.id}: enabled")
        elif action == "user-disable":
            admin.disable_user(uow, args.id, now)
            print(f"user {args.id}: disabled, tokens revoked")
        elif action == "import-hospitals":
            print(f"{admin.import_hospitals(uow, Path(args.file))} hospitals imported")
        uow.commit()
    return 0


# ------------------------------------------------------------------------------------ journal
def cmd_journal(args: argparse.Namespace) -> int:
    from gateway.app import build

    c = build(_settings(args))
    with c.database.unit_of_work() as uow:
        if args.journal_action == "purge":
            messages = uow.journal.purge_messages(_now())
            tokens = uow.tokens.purge_expired(_now())
            uow.commit()
            print(
                f"{messages} stored messages past their retention and {tokens} expired tokens "
                "deleted"
            )
            return 0
        if args.journal_action == "show":
            entry = uow.journal.by_correlation(args.correlation_id)
            if entry is None:
                print(f"no journal entry {args.correlation_id}", file=sys.stderr)
                return 1
            print(json.dumps(_entry_dict(entry), indent=2))
            if args.message:
                stored = uow.journal.message(args.correlation_id)
                print(
                    stored.body.decode("utf-8", "replace")
                    if stored
                    else "(message no longer stored)"
                )
            return 0
        since = datetime.fromisoformat(args.since) if args.since else None
        entries = uow.journal.search(
            user_id=args.user,
            application_id=args.claim,
            operation=args.operation,
            outcome=args.outcome,
            since=since,
            limit=args.limit,
        )
        for entry in entries:
            if args.json:
                print(json.dumps(_entry_dict(entry)))
            else:
                print(
                    f"{entry.at:%Y-%m-%d %H:%M:%S} {entry.correlation_id} {entry.outcome:7} "
                    f"{entry.error_key or '-':22} {entry.operation or '-':30} "
                    f"{entry.user_id or '-'}/{entry.as_user_id or '-'} "
                    f"{entry.application_id or ''}"
                )
    return 0


def _entry_dict(entry: Any) -> dict[str, Any]:
    out = {}
    for column in entry.__table__.columns:
        value = getattr(entry, column.name)
        out[column.name] = value.isoformat() if isinstance(value, datetime) else value
    return out


# ------------------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, help="TOML settings file (GATEWAY_CONFIG)")
    parser.add_argument("--database-url", help="override GATEWAY_DATABASE_URL")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the gateway under gunicorn")
    serve.add_argument("--bind", help="HOST:PORT (default GATEWAY_BIND or 127.0.0.1:8080)")
    serve.add_argument("--workers", type=int, help="worker processes (default 2)")
    serve.add_argument("--threads", type=int, help="request threads per worker (default 8)")
    serve.add_argument("--certfile", help="TLS certificate chain, PEM (GATEWAY_CERTFILE)")
    serve.add_argument("--keyfile", help="TLS private key, PEM (GATEWAY_KEYFILE)")
    serve.add_argument(
        "--allow-plain-http",
        action="store_true",
        help="serve plain HTTP on a non-loopback address (behind a TLS-terminating proxy)",
    )
    serve.add_argument(
        "--run-dir", help="control socket and PID file (default <repo>/var/run/<port>)"
    )
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database schema").add_subparsers(
        dest="db_action", required=True
    )
    db.add_parser("upgrade", help="migrate to the newest schema").set_defaults(func=cmd_db_upgrade)

    demo = sub.add_parser("demo", help="seed the demo world and print its credentials")
    demo.add_argument("--json", action="store_true", help="print credentials as JSON")
    demo.add_argument(
        "--if-empty", action="store_true", help="seed only a database without organisations"
    )
    demo.set_defaults(func=cmd_demo)

    _admin_parser(sub)

    journal = sub.add_parser("journal", help="the audit journal")
    jsub = journal.add_subparsers(dest="journal_action", required=True)
    jlist = jsub.add_parser("list", help="list entries, newest first")
    jlist.add_argument("--user", help="A2A user or asUser")
    jlist.add_argument("--claim", help="applicationId")
    jlist.add_argument("--operation")
    jlist.add_argument("--outcome", choices=["Ok", "Failure", "Error", "Fault"])
    jlist.add_argument("--since", help="ISO date or date-time")
    jlist.add_argument("--limit", type=int, default=50)
    jlist.add_argument("--json", action="store_true", help="one JSON object per line")
    jshow = jsub.add_parser("show", help="one entry by correlation id")
    jshow.add_argument("correlation_id")
    jshow.add_argument(
        "--message", action="store_true", help="also print the stored request (credentials masked)"
    )
    jpurge = jsub.add_parser(
        "purge", help="delete stored messages past their retention and expired tokens (run daily)"
    )
    for p in (jlist, jshow, jpurge):
        p.set_defaults(func=cmd_journal)

    lifecycle = sub.add_parser("lifecycle", help="the claim lifecycle tables")
    lsub = lifecycle.add_subparsers(dest="lifecycle_action", required=True)
    diagram = lsub.add_parser(
        "diagram", help="render a service's lifecycle as a Mermaid diagram", add_help=False
    )
    diagram.add_argument("rest", nargs=argparse.REMAINDER)
    diagram.set_defaults(func=cmd_lifecycle_diagram)

    for register in _plugins():
        register(sub)
    return parser


def cmd_lifecycle_diagram(args: argparse.Namespace) -> int:
    from gateway.domain.diagram import main as diagram_main

    return diagram_main(args.rest)


def _admin_parser(sub: Any) -> None:
    admin = sub.add_parser("admin", help="organisations, branches, users, reference data")
    asub = admin.add_subparsers(dest="admin_action", required=True)
    org = asub.add_parser("org-create", help="create or update an organisation")
    org.add_argument("id", help="CR00009 or COMP009")
    org.add_argument("--type", required=True, choices=["CR", "COMP"])
    org.add_argument("--name", required=True)
    org.add_argument("--compensator-type", choices=["I", "M", "S"])
    org.add_argument("--services", default="rta,elpl", help="rta,elpl (default both)")
    asub.add_parser("org-list", help="list organisations")
    br = asub.add_parser("branch-create", help="create or rename a branch")
    br.add_argument("org")
    br.add_argument("id", help="three digits, e.g. 002")
    br.add_argument("--name", required=True)
    bl = asub.add_parser("branch-list", help="list an organisation's branches")
    bl.add_argument("org")
    user = asub.add_parser("user-create", help="create or update a user")
    user.add_argument("id")
    user.add_argument("--org", required=True)
    user.add_argument("--first-name", required=True)
    user.add_argument("--surname", required=True)
    user.add_argument("--middle-name")
    user.add_argument("--profiles", required=True, help="comma-separated profile codes")
    user.add_argument("--branch", help="branch id (default 001)")
    user.add_argument(
        "--password-env",
        help="variable holding the initial password "
        "(created expired: the first call is changePassword)",
    )
    ul = asub.add_parser("user-list", help="list users")
    ul.add_argument("--org")
    uu = asub.add_parser("user-unlock", help="lift a lockout")
    uu.add_argument("id")
    ue = asub.add_parser("user-enable", help="enable a user (also after 90 days' inactivity)")
    ue.add_argument("id")
    ud = asub.add_parser("user-disable", help="disable a user and revoke its tokens")
    ud.add_argument("id")
    hosp = asub.add_parser("import-hospitals", help="replace hospitals from a CSV file")
    hosp.add_argument("file")
    link = asub.add_parser("link-compensators", help="same group / TPA link for reassignment")
    link.add_argument("org")
    link.add_argument("other")
    for p in asub.choices.values():
        p.set_defaults(func=cmd_admin)


def _plugins() -> list[Callable[[Any], None]]:
    """Sub-commands owned by other packages (validation, lifecycle)."""
    found: list[Callable[[Any], None]] = []
    for module_name in (
        "gateway.validation.cli",
        "gateway.service.timeouts_cli",
        "gateway.service.operator.retention_cli",  # gateway retention ...
        "gateway.service.operator.admin_cli",  # gateway admin gdpr-delete, transfer, audit ...
        "gateway.samples.cli",  # gateway samples export
        "gateway.service.counterpart.cli",  # gateway sandbox ...
    ):
        try:
            module = __import__(module_name, fromlist=["register"])
        except ModuleNotFoundError:
            continue
        found.append(module.register)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:2] == ["admin", "calendar"]:
        args_list = args_list[1:]  # the bank-holiday calendar is administration too
    if args_list[:2] == ["lifecycle", "diagram"]:
        from gateway.domain.diagram import main as diagram_main

        return diagram_main(args_list[2:])
    parser = build_parser()
    args = parser.parse_args(args_list)
    try:
        result: int = args.func(args)
        return result
    except StartupError as exc:
        print(f"gateway: cannot start: {exc}", file=sys.stderr)
        return 2
    except GatewayError as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
