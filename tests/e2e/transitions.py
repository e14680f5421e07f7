"""Lifecycle transition coverage of the tests that run a live server: which rows of each service's
table (lifecycle.md 2.2 and 3.2) the servers' journals show a workflow step or a timeout took.

* ``record(components)``: at the teardown of a live server (the ``live`` fixture), the distinct
  ``transition`` values of its journal rows with outcome ``Ok``, kept per service in this process.
* Under pytest-xdist each worker hands what it recorded to the controller through
  ``workeroutput`` (the channel pytest-xdist gives every worker back at its end, so concurrent runs
  cannot mix and no file is shared); ``node_down`` merges it on the controller.
* ``finish`` (``pytest_sessionfinish`` on the controller) compares them with the table: every row,
  ``GDPR_DELETE`` (R95, E78) included: an administration event, driven by the operator function
  against the live server's database (tests/e2e/test_gdpr_delete.py) and journaled with its row.
  With ``GATEWAY_TRANSITION_COVERAGE=1`` (``make test``) a shortfall of an enforced service fails
  a session that otherwise passed; a developer running one file only sees the count.
* ``summary`` (``pytest_terminal_summary``) prints "RTA transitions driven: N of M" and the ids
  still missing, for each service.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import pytest
from sqlalchemy import select

from gateway.app import Components
from gateway.domain.lifecycle import LIFECYCLES
from gateway.domain.services import Service
from gateway.store.models import JournalEntry

#: The variable that makes a shortfall fail the session (set by ``make test``).
ENFORCE_VARIABLE: Final = "GATEWAY_TRANSITION_COVERAGE"
#: Services whose shortfall fails the session when enforced: both.
ENFORCED: Final = frozenset({Service.RTA, Service.ELPL})
LABELS: Final[Mapping[Service, str]] = {Service.RTA: "RTA", Service.ELPL: "EL/PL"}

_WORKER_KEY: Final = "gateway_transitions"
_BY_PROCESS_NAME: Final = {service.process_name: service for service in Service}


@dataclass
class Driven:
    """What this process (or, on the controller, the whole session) saw driven."""

    servers: int = 0
    rules: dict[Service, set[str]] = field(default_factory=dict)

    def add(self, service: Service, rules: Iterable[str]) -> None:
        self.rules.setdefault(service, set()).update(rules)

    def as_output(self) -> dict[str, Any]:
        """Plain values for ``workeroutput`` (sent over the execnet channel)."""
        return {
            "servers": self.servers,
            "rules": {service.value: sorted(rules) for service, rules in self.rules.items()},
        }

    def merge(self, output: Mapping[str, Any]) -> None:
        self.servers += int(output.get("servers", 0))
        for service, rules in output.get("rules", {}).items():
            self.add(Service(service), rules)


_DRIVEN = Driven()


def expected(service: Service) -> list[str]:
    """Every row of the table: an A2A operation, a timeout or the operator's GDPR deletion."""
    rows = {row.rule for row in LIFECYCLES[service].transitions}
    return sorted(rows, key=_order)


def _order(rule: str) -> tuple[str, int]:
    match = re.fullmatch(r"([A-Z]+)(\d+)", rule)
    return (match[1], int(match[2])) if match else (rule, 0)


def journal_transitions(components: Components) -> dict[Service, set[str]]:
    """The rows the journal of this server's database shows taken (outcome ``Ok``)."""
    query = (
        select(JournalEntry.service, JournalEntry.transition)
        .where(JournalEntry.outcome == "Ok", JournalEntry.transition.is_not(None))
        .distinct()
    )
    found: dict[Service, set[str]] = {}
    with components.database.unit_of_work() as uow:
        for process_name, rule in uow.session.execute(query):
            service = _BY_PROCESS_NAME.get(process_name or "")
            if service is not None and rule:
                found.setdefault(service, set()).add(rule)
    return found


def record(components: Components) -> None:
    """Called at the teardown of a live server, before its database goes."""
    _DRIVEN.servers += 1
    for service, rules in journal_transitions(components).items():
        _DRIVEN.add(service, rules)


# ------------------------------------------------------------------------------- pytest glue
def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def node_down(node: Any) -> None:
    """``pytest_testnodedown`` on the controller: merge what the worker recorded."""
    output = getattr(node, "workeroutput", None) or {}
    if _WORKER_KEY in output:
        _DRIVEN.merge(output[_WORKER_KEY])


@dataclass(frozen=True)
class Coverage:
    service: Service
    driven: list[str]
    missing: list[str]

    @property
    def line(self) -> str:
        total = len(self.driven) + len(self.missing)
        return f"{LABELS[self.service]} transitions driven: {len(self.driven)} of {total}"


def coverage(driven: Driven = _DRIVEN) -> list[Coverage]:
    report = []
    for service in Service:
        rows = expected(service)
        seen = driven.rules.get(service, set())
        report.append(
            Coverage(
                service,
                [rule for rule in rows if rule in seen],
                [rule for rule in rows if rule not in seen],
            )
        )
    return report


def finish(session: pytest.Session) -> None:
    """``pytest_sessionfinish``: a worker sends its rows; the controller may fail the session."""
    config = session.config
    if _is_worker(config):
        config.workeroutput[_WORKER_KEY] = _DRIVEN.as_output()  # type: ignore[attr-defined]
        return
    if os.environ.get(ENFORCE_VARIABLE) != "1" or session.exitstatus != pytest.ExitCode.OK:
        return
    if any(c.missing for c in coverage() if c.service in ENFORCED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def summary(reporter: Any) -> None:
    """``pytest_terminal_summary`` on the controller, once any live server ran."""
    if _is_worker(reporter.config):
        return
    enforced = os.environ.get(ENFORCE_VARIABLE) == "1"
    if not _DRIVEN.servers and not enforced:
        return
    reporter.write_sep("-", "lifecycle transitions driven by the live-server tests")
    for c in coverage():
        reporter.write_line(c.line + ("" if c.service in ENFORCED else " (not enforced yet)"))
        if c.missing:
            failing = enforced and c.service in ENFORCED
            note = f" ({ENFORCE_VARIABLE}=1: the session fails)" if failing else ""
            reporter.write_line(f"  missing{note}: {' '.join(c.missing)}")
