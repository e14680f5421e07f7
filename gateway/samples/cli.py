"""``gateway samples export DIR [--service rta|elpl] [--release R5|R6|R7] [--schemas DIR]``.

Writes the shipped sample packs (``gateway.samples.export``) and their README.txt index. Exit
status: 0 written, 1 a shipped sample failed validation (a defect: nothing more is written), 2
usage or I/O error (unknown release for the service, unwritable directory).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gateway.domain.services import Service
from gateway.samples.catalogue import RELEASES


def cmd_samples_export(args: argparse.Namespace) -> int:
    from gateway.samples.export import SampleInvalid, export
    from gateway.validation.cli import default_schema_root
    from gateway.validation.context import today_in_london
    from gateway.validation.registry import ReleaseRegistry

    services = [Service(args.service)] if args.service else list(Service)
    if args.release and not any(args.release in RELEASES[s] for s in services):
        names = ", ".join(s.value for s in services)
        print(f"gateway samples: no release {args.release} of {names}", file=sys.stderr)
        return 2
    registry = ReleaseRegistry.load(args.schemas or default_schema_root(), eager=False)
    target: Path = args.target
    try:
        written = export(
            target,
            registry,
            today_in_london(),
            services,
            [args.release] if args.release else None,
        )
    except SampleInvalid as exc:
        print(f"gateway samples: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"gateway samples: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"{len(written)} sample packs written to {target} (index: {target / 'README.txt'})")
    return 0


def register(sub: Any) -> None:
    """Add ``samples`` to the ``gateway`` command."""
    samples = sub.add_parser("samples", help="the sample packs shipped for users")
    ssub = samples.add_subparsers(dest="samples_action", required=True)
    export = ssub.add_parser(
        "export", help="write a valid sample of every pack of every release, and an index"
    )
    export.add_argument("target", type=Path, metavar="DIR")
    export.add_argument("--service", choices=[s.value for s in Service])
    export.add_argument("--release", help="R5, R6 or R7 (default: every release)")
    export.add_argument("--schemas", type=Path, help="schema root (default: the shipped schemas)")
    export.set_defaults(func=cmd_samples_export)
