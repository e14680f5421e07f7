"""What each shipped sample is: its file name, its pack, the releases it exists in, a line of text.

The files themselves are ``data/<service>/<release>/<name>.xml``. A test checks that the catalogue
and the files agree, so a sample cannot be added or dropped on one side only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Final

from gateway.domain.services import Service
from gateway.validation.packs import Pack

#: The day the samples' dates are written for; ``export`` moves every date by (today - this).
REFERENCE_DATE: Final = date(2026, 11, 24)
RELEASES: Final[dict[Service, tuple[str, ...]]] = {
    Service.RTA: ("R5", "R6", "R7"),
    Service.ELPL: ("R5", "R6"),
}


@dataclass(frozen=True)
class Sample:
    name: str  # the file name without ``.xml``
    pack: Pack
    operation: str  # the A2A operation that carries it
    description: str
    services: frozenset[Service] = frozenset(Service)

    def file_name(self) -> str:
        return f"{self.name}.xml"


_RTA, _ELPL = frozenset({Service.RTA}), frozenset({Service.ELPL})

SAMPLES: Final[tuple[Sample, ...]] = (
    Sample("cnf-rta", Pack.CNF, "addClaim", "CNF, RTA claim: adult driver, rear-end shunt", _RTA),
    Sample(
        "cnf-rta-child", Pack.CNF, "addClaim", "CNF, RTA claim: child claimant (ChildClaim 1)", _RTA
    ),
    Sample("cnf-el", Pack.CNF, "addClaim", "CNF, EL claim: injury at work", _ELPL),
    Sample("cnf-eld", Pack.CNF, "addClaim", "CNF, ELD claim: industrial disease", _ELPL),
    Sample("cnf-pl", Pack.CNF, "addClaim", "CNF, PL claim: trip in a public place", _ELPL),
    Sample(
        "cnf-resend",
        Pack.CNF_RESEND,
        "resendRejectedClaim",
        "CNF sent again after a rejection (validate with --pack cnf-resend)",
    ),
    Sample(
        "insurer-response-admitted",
        Pack.INSURER_RESPONSE,
        "sendLiabilityDecision",
        "insurer response A: liability admitted",
    ),
    Sample(
        "insurer-response-admitted-with-negligence",
        Pack.INSURER_RESPONSE,
        "sendLiabilityDecision",
        "insurer response AN: admitted, contributory negligence alleged",
    ),
    Sample(
        "insurer-response-not-admitted",
        Pack.INSURER_RESPONSE,
        "sendLiabilityDecision",
        "insurer response N: liability not admitted, with reasons",
    ),
    Sample(
        "isp-request", Pack.ISP_REQUEST, "addInterimSPFRequest", "interim settlement pack request"
    ),
    Sample(
        "isp-response-full",
        Pack.ISP_RESPONSE,
        "addInterimSPFResponse",
        "interim offer, full: every line of isp-request agreed",
    ),
    Sample(
        "isp-response-partial",
        Pack.ISP_RESPONSE,
        "addInterimSPFResponse",
        "interim offer, partial: earnings agreed in part",
    ),
    Sample("s2sp-request", Pack.S2SP_REQUEST, "addStage2SPFRequest", "Stage 2 settlement pack"),
    Sample(
        "s2sp-response-confirm",
        Pack.S2SP_RESPONSE,
        "addStage2SPFResponse",
        "S2SP response C: every line agreed",
    ),
    Sample(
        "s2sp-response-counter-offer",
        Pack.S2SP_RESPONSE,
        "addStage2SPFResponse",
        "S2SP response CO: counter offer on general damages and earnings",
    ),
    Sample(
        "s2sp-response-repudiation",
        Pack.S2SP_RESPONSE,
        "addStage2SPFResponse",
        "S2SP response R: repudiation, with its comment",
    ),
    Sample(
        "s2sp-counter-offer-cr",
        Pack.S2SP_COUNTER_OFFER_CR,
        "addStage2SPFCounterOfferByCR",
        "the claimant's counter offer",
    ),
    Sample(
        "s2sp-counter-offer-cm-accept",
        Pack.S2SP_COUNTER_OFFER_CM,
        "addStage2SPFCounterOfferByCM",
        "the compensator accepts the claimant's counter offer (ACO)",
    ),
    Sample(
        "s2sp-counter-offer-cm-new-offer",
        Pack.S2SP_COUNTER_OFFER_CM,
        "addStage2SPFCounterOfferByCM",
        "the compensator makes a new counter offer (NEWCO)",
    ),
    Sample(
        "ad-request",
        Pack.AD_REQUEST,
        "addS2SPFAdditionalDamagesRequest",
        "additional damages request",
        _RTA,
    ),
    Sample(
        "ad-response-agree",
        Pack.AD_RESPONSE,
        "addS2SPFAdditionalDamagesResponse",
        "additional damages response A: agreed",
        _RTA,
    ),
    Sample(
        "ad-response-counter-offer",
        Pack.AD_RESPONSE,
        "addS2SPFAdditionalDamagesResponse",
        "additional damages response CO: counter offer",
        _RTA,
    ),
    Sample("cpp-request", Pack.CPP_REQUEST, "addCPPFRequest", "Court Proceedings Pack request"),
    Sample(
        "cpp-response",
        Pack.CPP_RESPONSE,
        "addCPPFResponse",
        "Court Proceedings Pack response, answering cpp-request",
    ),
)

#: Which request a response answers, for the rules that compare them (ISP-04, CPP-01).
ANSWERS: Final[dict[str, str]] = {
    "isp-response-full": "isp-request",
    "isp-response-partial": "isp-request",
    "cpp-response": "cpp-request",
}


def samples(service: Service) -> tuple[Sample, ...]:
    return tuple(s for s in SAMPLES if service in s.services)


def by_name(name: str) -> Sample:
    for sample in SAMPLES:
        if sample.name == name:
            return sample
    raise KeyError(f"no shipped sample {name!r}")


def data_root() -> Traversable:
    return resources.files("gateway.samples").joinpath("data")


def text(service: Service, release: str, name: str) -> str:
    """The shipped sample ``name`` of ``service`` and ``release``, as stored (reference dates)."""
    if release not in RELEASES[service] or service not in by_name(name).services:
        raise KeyError(f"no sample {name!r} for {service.value} {release}")
    return data_root().joinpath(service.value, release, f"{name}.xml").read_text("utf-8")


def every() -> Iterator[tuple[Service, str, Sample]]:
    for service, releases in RELEASES.items():
        for release in releases:
            for sample in samples(service):
                yield service, release, sample
