"""Writing the shipped samples to a directory, each validated on the way (``gateway samples``).

``export`` writes ``DIR/<service>/<release>/<name>.xml`` for the chosen services and releases, with
their dates moved to ``today`` (``tailor.shift_dates``), and ``DIR/README.txt``, an index of what
it wrote. Every file is judged exactly as ``gateway validate`` judges it (the release's XSD, then
the business rules with an empty ``RuleContext`` dated ``today``); one invalid sample stops the
export with ``SampleInvalid`` naming the file and its findings: the shipped samples are a promise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gateway.domain.services import Service
from gateway.errors import GatewayError
from gateway.samples.catalogue import REFERENCE_DATE, RELEASES, Sample, samples, text
from gateway.samples.tailor import shift_dates
from gateway.validation.context import RuleContext
from gateway.validation.engine import check_document
from gateway.validation.registry import ReleaseRegistry
from gateway.validation.report import text_lines


class SampleInvalid(GatewayError):
    """A shipped sample failed its release's validation: a defect of the package."""

    def __init__(self, file: str, findings: Sequence[str]) -> None:
        super().__init__(f"shipped sample {file} is invalid: " + "; ".join(findings))
        self.file = file
        self.findings = tuple(findings)


@dataclass(frozen=True)
class Written:
    path: Path
    service: Service
    release: str
    sample: Sample


def dated(service: Service, release: str, name: str, today: date) -> str:
    """The sample ``name`` with its dates moved from the reference date to ``today``."""
    return shift_dates(text(service, release, name), (today - REFERENCE_DATE).days)


def export(
    target: Path,
    registry: ReleaseRegistry,
    today: date,
    services: Sequence[Service] = tuple(Service),
    releases: Sequence[str] | None = None,
) -> list[Written]:
    """Write, validate and index the samples; ``releases`` None means every release."""
    written: list[Written] = []
    for service in services:
        for release in RELEASES[service]:
            if releases is not None and release not in releases:
                continue
            folder = target / service.value / release
            folder.mkdir(parents=True, exist_ok=True)
            for sample in samples(service):
                body = dated(service, release, sample.name, today)
                _check(registry, body, service, release, sample, today)
                path = folder / sample.file_name()
                path.write_text(body, encoding="utf-8")
                written.append(Written(path, service, release, sample))
    (target / "README.txt").write_text(index(written, target, today), encoding="utf-8")
    return written


def _check(
    registry: ReleaseRegistry,
    body: str,
    service: Service,
    release: str,
    sample: Sample,
    today: date,
) -> None:
    source = f"{service.value}/{release}/{sample.file_name()}"
    report = check_document(
        registry, body, service, release, sample.pack, RuleContext(sent_date=today), source=source
    )
    if not report.valid:
        raise SampleInvalid(source, text_lines(report))


def index(written: Sequence[Written], target: Path, today: date) -> str:
    lines = [
        "A2A claims gateway: sample packs",
        "",
        f"Written {today.isoformat()} by `gateway samples export`; every date in them is relative",
        "to that day. All people, places, references and amounts are invented. Each CNF is",
        "addressed to the demo insurer COMP001 (`gateway demo`); give each claim you send a CR",
        "reference of its own (ClaimantRepresentative/CompanyDetails/@ReferenceNumber).",
        "",
        "Check a file as the gateway will (the release's XSD and business rules):",
        "    gateway validate --service rta --release R7 rta/R7/cnf-rta.xml",
        "    gateway validate --service rta --release R7 --pack cnf-resend rta/R7/cnf-resend.xml",
        "",
        f"{'file':58} {'pack':22} {'operation':34} description",
    ]
    for item in written:
        relative = item.path.relative_to(target).as_posix()
        lines.append(
            f"{relative:58} {item.sample.pack.value:22} {item.sample.operation:34} "
            f"{item.sample.description}"
        )
    return "\n".join(lines) + "\n"
