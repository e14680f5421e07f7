"""Scenarios: which decision an organisation takes in which phase, after how long, with which pack.

A scenario is a TOML file::

    description = "one line"
    [comp.LiabilityDecision]                  # the side (comp or cr) and the phase
    do = "sendLiabilityDecision"              # the operation; a phase not listed is left alone.
                                              # A list: the first one the claim's service allows
                                              # there (RTA accepts where EL/PL acknowledges)
    after = "2 bd"                            # "N bd" business days or "N min" minutes of the
                                              # sandbox clock since the claim entered the phase
    pack = "insurer-response-admitted"        # a shipped sample (gateway.samples); a list is
                                              # taken in turn, one per time the step was taken
    set = { is_article75 = false }            # the operation's other fields (typed names)

``[cr.submit]`` (law firms only) sends a claim: ``pack`` is a CNF sample, ``insurer`` the
compensator, ``service`` rta or elpl, ``every`` how often ("N bd" or "N min"), ``count`` at most
how many. A scenario is checked when it loads: every operation must be allowed to that side from
that phase by the lifecycle table of a service, every pack shipped and every field a field of the
operation's request; a bad scenario never starts the loop.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Final

from gateway.domain.calendar import BusinessCalendar
from gateway.domain.lifecycle import LIFECYCLES
from gateway.domain.services import Service, Side
from gateway.errors import GatewayError
from gateway.samples.catalogue import by_name
from gateway.service import messages as m
from gateway.service.sandbox import advance_business_days

_DELAY: Final = re.compile(r"\s*(\d+)\s*(bd|min)\s*")
SIDES: Final = {"comp": Side.COMP, "cr": Side.CR}


class ScenarioError(GatewayError):
    """A scenario that cannot be run: unknown, unreadable, or naming what does not exist."""


@dataclass(frozen=True)
class Delay:
    amount: int
    unit: str  # "bd" or "min"

    @classmethod
    def parse(cls, text: str | int) -> Delay:
        if isinstance(text, int) or str(text).strip() == "0":
            return cls(int(text), "min")
        found = _DELAY.fullmatch(text)
        if found is None:
            raise ScenarioError(f"delay {text!r} is not 'N bd' or 'N min'")
        return cls(int(found.group(1)), found.group(2))

    def due(self, since: datetime, calendar: BusinessCalendar) -> datetime:
        if self.unit == "bd":
            return advance_business_days(since, calendar, self.amount)
        return since + timedelta(minutes=self.amount)

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"


@dataclass(frozen=True)
class Decision:
    """What the organisation does in one phase."""

    side: Side
    phase: str
    operations: tuple[str, ...]
    after: Delay
    packs: tuple[str, ...] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)

    def operation(self, service: Service) -> str | None:
        """The first of ``operations`` that ``service``'s lifecycle opens to the side here."""
        lifecycle = LIFECYCLES[service]
        for operation in self.operations:
            if lifecycle.allows(self.phase, operation, self.side):
                return operation
        return None

    def pack(self, taken: int) -> str | None:
        """The sample for the ``taken``-th time (0-based) this step is taken; the last repeats."""
        return self.packs[min(taken, len(self.packs) - 1)] if self.packs else None


@dataclass(frozen=True)
class Submission:
    """A law firm sending claims of its own."""

    pack: str
    insurer: str
    service: Service
    every: Delay
    count: int


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    decisions: Mapping[tuple[Side, str], Decision]
    submission: Submission | None = None

    def decision(self, side: Side, phase: str) -> Decision | None:
        return self.decisions.get((side, phase))


# ------------------------------------------------------------------------------------ loading
def shipped_root() -> Path:
    return Path(str(resources.files("gateway.service.counterpart").joinpath("scenarios")))


def shipped() -> list[Scenario]:
    """The scenarios shipped with the gateway, by name."""
    return [load(p.stem) for p in sorted(shipped_root().glob("*.toml"))]


def load(name: str) -> Scenario:
    """A shipped scenario by name, or a TOML file by path (``.toml``)."""
    path = Path(name) if name.endswith(".toml") else shipped_root() / f"{name}.toml"
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        known = ", ".join(p.stem for p in sorted(shipped_root().glob("*.toml")))
        raise ScenarioError(f"no scenario {name!r} (shipped: {known})") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"scenario {name!r}: {exc}") from None
    return parse(path.stem if name.endswith(".toml") else name, data)


def parse(name: str, data: Mapping[str, Any]) -> Scenario:
    decisions: dict[tuple[Side, str], Decision] = {}
    submission = None
    for key, table in data.items():
        if key == "description":
            continue
        if key not in SIDES or not isinstance(table, dict):
            raise ScenarioError(f"scenario {name}: unknown key {key!r} (comp, cr, description)")
        for phase, spec in table.items():
            where = f"scenario {name}: [{key}.{phase}]"
            if key == "cr" and phase == "submit":
                submission = _submission(where, spec)
                continue
            decision = _decision(where, SIDES[key], phase, spec)
            decisions[(decision.side, phase)] = decision
    return Scenario(name, str(data.get("description", "")), decisions, submission)


def _decision(where: str, side: Side, phase: str, spec: Mapping[str, Any]) -> Decision:
    unknown = set(spec) - {"do", "after", "pack", "set"}
    if unknown or "do" not in spec:
        raise ScenarioError(f"{where}: needs 'do'; unknown keys {sorted(unknown)}")
    raw = spec["do"]
    operations = (str(raw),) if isinstance(raw, str) else tuple(str(o) for o in raw)
    for operation in operations:
        if operation not in m.OPERATIONS or not any(
            phase in {p.id for p in lc.phases} and lc.allows(phase, operation, side)
            for lc in (LIFECYCLES[s] for s in Service)
        ):
            raise ScenarioError(f"{where}: {operation} is not open to {side.value} in {phase}")
    packs = spec.get("pack", ())
    packs = (packs,) if isinstance(packs, str) else tuple(packs)
    for pack in packs:
        _sample(where, pack)
    fields = dict(spec.get("set", {}))
    names = {f.name for o in operations for f in dataclasses.fields(m.OPERATIONS[o][0])}
    if set(fields) - names:
        raise ScenarioError(f"{where}: no field {sorted(set(fields) - names)} in {operations}")
    return Decision(side, phase, operations, Delay.parse(spec.get("after", "0")), packs, fields)


def _submission(where: str, spec: Mapping[str, Any]) -> Submission:
    try:
        service = Service(spec.get("service", "rta"))
        return Submission(
            _sample(where, str(spec["pack"])),
            str(spec.get("insurer", "COMP001")),
            service,
            Delay.parse(spec.get("every", "1 bd")),
            int(spec.get("count", 1)),
        )
    except (KeyError, ValueError) as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def _sample(where: str, name: str) -> str:
    try:
        by_name(name)
    except KeyError:
        raise ScenarioError(f"{where}: no shipped sample {name!r}") from None
    return name
