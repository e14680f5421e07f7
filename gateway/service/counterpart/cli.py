"""``gateway sandbox ...``: the sandbox counterpart (``gateway.service.counterpart``).

* ``gateway sandbox scenarios`` lists the shipped scenarios (allowed anywhere: it only reads files).
* ``gateway sandbox enable ORG --scenario NAME|FILE.toml`` / ``disable ORG`` / ``status``: which
  organisations the counterpart plays (stored in ``system_settings``; refused unless
  ``GATEWAY_SANDBOX=1``).
* ``gateway sandbox run [--once] [--interval S]``: the counterpart's loop, a pass every ``S``
  seconds (default 10) until SIGTERM or SIGINT; one pass with ``--once``. It runs beside
  ``gateway timeouts`` (its own process), not inside it: deadlines fire whether or not a
  counterpart plays, and a scenario's mistake never holds up a timeout.

Exit status: 0 success, 1 nothing found (disable of an organisation not played), 2 usage error or
refused (not a sandbox, unknown organisation or scenario).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from gateway.config import Settings
from gateway.errors import GatewayError


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.load(os.environ, getattr(args, "config", None))
    if getattr(args, "database_url", None):
        settings = settings.with_overrides(database_url=args.database_url)
    return settings


def _fail(message: str) -> int:
    print(f"gateway sandbox: {message}", file=sys.stderr)
    return 2


def cmd_scenarios(args: argparse.Namespace) -> int:
    from gateway.service.counterpart.scenario import shipped

    for scenario in shipped():
        print(f"{scenario.name:22} {scenario.description}")
    return 0


def cmd_switch(args: argparse.Namespace) -> int:
    from gateway.service.counterpart import switch
    from gateway.service.counterpart.scenario import ScenarioError
    from gateway.service.unit_of_work import Database
    from gateway.store.db import make_engine

    settings = _settings(args)
    if not settings.sandbox:
        return _fail(str(switch.NotASandbox()))
    database = Database(make_engine(settings.database_url))
    try:
        with database.unit_of_work() as uow:
            if args.sandbox_action == "status":
                played = switch.switches(uow)
                for item in played:
                    print(f"{item.organisation_id}\t{item.scenario}")
                if not played:
                    print("no organisation is played by the counterpart")
                return 0
            if args.sandbox_action == "enable":
                item = switch.enable(uow, settings, args.org, args.scenario)
                uow.commit()
                print(f"{item.organisation_id}: played by scenario {item.scenario}")
                return 0
            found = switch.disable(uow, settings, args.org)
            uow.commit()
            print(f"{args.org}: " + ("no longer played" if found else "was not played"))
            return 0 if found else 1
    except (ScenarioError, GatewayError) as exc:
        return _fail(str(exc))
    finally:
        database.dispose()


def cmd_run(args: argparse.Namespace) -> int:
    import logging
    import threading

    from gateway.app import build
    from gateway.service.counterpart.engine import Counterpart
    from gateway.service.timeouts import stop_on_signals

    settings = _settings(args)
    if not settings.sandbox:
        from gateway.service.counterpart.switch import NotASandbox

        return _fail(str(NotASandbox()))
    if args.interval <= 0:
        return _fail("--interval must be > 0")
    components = build(settings)
    counterpart = Counterpart(components)
    try:
        if args.once:
            report = counterpart.run_once()
            for step in report.steps:
                print(step)
            print(f"{components.clock.now():%Y-%m-%d %H:%M:%S%z}: {report.summary()}")
            return 0
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
        stop = threading.Event()
        stop_on_signals(stop)
        print(f"sandbox counterpart: a pass every {args.interval:g} s", flush=True)
        while not stop.is_set():
            report = counterpart.run_once()
            if report.steps:
                print(f"{components.clock.now():%Y-%m-%d %H:%M:%S%z}: {report.summary()}")
            stop.wait(args.interval)
        print("sandbox counterpart stopped", flush=True)
        return 0
    finally:
        components.database.dispose()


def register(sub: Any) -> None:
    """Add ``sandbox`` to the ``gateway`` command."""
    sandbox = sub.add_parser("sandbox", help="the sandbox counterpart (GATEWAY_SANDBOX=1 only)")
    ssub = sandbox.add_subparsers(dest="sandbox_action", required=True)
    ssub.add_parser("scenarios", help="list the shipped scenarios").set_defaults(func=cmd_scenarios)
    enable = ssub.add_parser("enable", help="have the counterpart play an organisation")
    enable.add_argument("org", help="organisation id, e.g. COMP001")
    enable.add_argument(
        "--scenario", required=True, help="a shipped scenario's name or a .toml file"
    )
    disable = ssub.add_parser("disable", help="stop playing an organisation")
    disable.add_argument("org")
    status = ssub.add_parser("status", help="the organisations played and their scenarios")
    for parser in (enable, disable, status):
        parser.set_defaults(func=cmd_switch)
    run = ssub.add_parser("run", help="the counterpart's loop")
    run.add_argument("--once", action="store_true", help="one pass, then exit")
    run.add_argument(
        "--interval", type=float, default=10.0, help="seconds between passes (default 10)"
    )
    run.set_defaults(func=cmd_run)
