"""Mermaid state diagrams rendered from the lifecycle tables, so the docs cannot drift.

``render_mermaid(service)`` draws every phase (end phases marked and linked to ``[*]``) and every
transition of ``LIFECYCLES[service]``, one edge per row, labelled with the rule id, the trigger, the
caller side(s) and the condition facts. The ``GDPR_DELETE`` rows (from every phase to
``ClaimDeleted``) are drawn as one note on ``ClaimDeleted`` instead of one edge per phase.
``render_markdown`` wraps the diagram in the page committed as ``docs/lifecycle-<service>.md``;
``main`` is the command behind ``gateway lifecycle diagram --service rta``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from gateway.domain.lifecycle import DELETED_PHASE, GDPR_DELETE, LIFECYCLES, NEW, Transition
from gateway.domain.services import Service

_TITLES = {Service.RTA: "RTA claim lifecycle", Service.ELPL: "EL/PL claim lifecycle"}
_SOURCES = {
    Service.RTA: "gateway/domain/lifecycle_rta.py",
    Service.ELPL: "gateway/domain/lifecycle_elpl.py",
}


def edge_label(row: Transition) -> str:
    """``R10 sendLiabilityDecision (COMP) LiabilityDecision=A, child=false``."""
    callers = "/".join(sorted(str(side) for side in row.callers))
    facts = ", ".join(f"{key}={_value(value)}" for key, value in row.when.items())
    return " ".join(part for part in (row.rule, row.trigger, f"({callers})", facts) if part)


def _value(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def render_mermaid(service: Service) -> str:
    """The ``stateDiagram-v2`` source of ``service``'s lifecycle."""
    lifecycle = LIFECYCLES[service]
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{phase.name}" as {phase.id}' for phase in lifecycle.phases]
    gdpr: list[str] = []
    for row in lifecycle.transitions:
        if row.trigger == GDPR_DELETE:
            gdpr.append(row.rule)
            continue
        source = "[*]" if row.source == NEW else row.source
        lines.append(f"    {source} --> {row.target}: {edge_label(row)}")
    ends = [phase.id for phase in lifecycle.phases if phase.end]
    lines += [f"    {phase_id} --> [*]" for phase_id in ends]
    if gdpr:
        rules = "/".join(sorted(set(gdpr)))
        note = f"{rules} {GDPR_DELETE} (SYSTEM) from every other phase"
        lines.append(f"    note left of {DELETED_PHASE} : {note}")
    lines.append("    classDef endPhase fill:#e8e8e8,stroke:#555,font-style:italic")
    lines.append(f"    class {','.join(ends)} endPhase")
    return "\n".join(lines) + "\n"


def render_markdown(service: Service) -> str:
    """The committed documentation page: a short header and the Mermaid diagram."""
    lifecycle = LIFECYCLES[service]
    active = sum(not phase.end for phase in lifecycle.phases)
    header = (
        f"# {_TITLES[service]}\n\n"
        f"Generated from `{_SOURCES[service]}` by `gateway lifecycle diagram --service "
        f"{service.value}`; do not edit by hand (a unit test compares this page with the table).\n"
        f"{len(lifecycle.phases)} phases ({active} active, {len(lifecycle.phases) - active} end), "
        f"{len(lifecycle.transitions)} transitions with the wildcard rows expanded. "
        f"Edge labels: rule id, trigger, caller side(s), condition facts.\n\n"
    )
    return f"{header}```mermaid\n{render_mermaid(service)}```\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Print (or write with ``--output``) the lifecycle diagram of one service."""
    parser = argparse.ArgumentParser(prog="gateway lifecycle diagram", description=__doc__)
    parser.add_argument("--service", required=True, choices=[s.value for s in Service])
    parser.add_argument("--format", choices=("markdown", "mermaid"), default="markdown")
    parser.add_argument("--output", type=Path, help="write to this file instead of stdout")
    args = parser.parse_args(argv)
    service = Service(args.service)
    text = render_markdown(service) if args.format == "markdown" else render_mermaid(service)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
