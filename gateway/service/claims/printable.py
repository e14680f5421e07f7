"""A claim's printable documents (operations.md 4.4): each stored pack is an event of one
document (``gateway.documents.kinds``), and each document is rendered from the claim's packs
when first asked for, then kept until what it prints changes (docs/decisions/0007).

``record_event`` runs in the step that stores the pack: a new event adds the document (and
counts it on the claim), a later one of the same document (a resend, an ISP's response, each
counter offer ...) records the SHA-256 of its new packs and drops the PDF kept for the old ones.
``pdf`` answers getPrintableDocument: the kept PDF while the fingerprint it was rendered from
(packs, heading, renderer) still matches, else a new one, kept with that fingerprint. So
``source_sha256`` holds the packs' SHA-256 after an event and the full fingerprint once
rendered; the two never coincide, so a document changed by an event is always rendered again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from gateway.documents.kinds import EVENT_OF, SOURCES, DocumentKind
from gateway.documents.render import (
    Heading,
    Printable,
    SourcePack,
    content_sha256,
    render,
    sources_sha256,
)
from gateway.domain.deadlines import london_date
from gateway.domain.services import Service
from gateway.service.claims import workflow as wf
from gateway.service.clock import as_utc
from gateway.service.gateway import Call
from gateway.store.documents import DocumentView
from gateway.store.models import Claim
from gateway.validation.hardened import parse_text
from gateway.validation.packs import Pack

_CNF = (Pack.CNF, Pack.CNF_RESEND)
_PACKS = frozenset(p.value for p in Pack)
SERVICE_NAMES = {Service.RTA: "RTA", Service.ELPL: "EL/PL"}


def record_event(
    call: Call[Any], claim: Claim, pack: Pack, text: str, *, first: bool = False
) -> None:
    """``pack`` (``text``) has just been stored for ``claim``: add its document, or give it the
    fingerprint of its new packs, which drops the PDF kept for the old ones. ``first``: the
    claim's first pack (addClaim), nothing stored before it; its text is used as is, so that
    the new claim is not written before the step has finished with it."""
    kind = EVENT_OF.get(pack)
    if kind is None:
        return
    if first:
        stored: Sequence[SourcePack] = (SourcePack(pack, 1, text, _day(call.now)),)
    else:
        stored = _stored(call, claim)
    number = _number(kind, stored)
    source = sources_sha256(sources(kind, number, stored))
    documents = call.uow.documents
    found = None if first else documents.event(claim.id, kind.value, number)
    if found is None:
        documents.add(
            guid=wf.new_guid(),
            claim_id=claim.id,
            kind=kind.value,
            number=number,
            title=kind.titled(number),
            source_sha256=source,
            at=call.now,
        )
        claim.documents_count = (claim.documents_count or 0) + 1
    elif found.source_sha256 != source:
        documents.new_source(found.id, source, call.now)


def pdf(call: Call[Any], claim: Claim, row: DocumentView) -> tuple[bytes, str]:
    """The document's PDF and its SHA-256: the one kept while the fingerprint it was rendered
    from (its packs, heading and renderer) is still what it would print, else rendered (once)
    and kept with that fingerprint."""
    doc = printable(call, claim, DocumentKind(row.kind), row.number, _stored(call, claim))
    fingerprint = doc.fingerprint()
    if row.content_sha256 is not None and row.source_sha256 == fingerprint:
        kept = call.uow.documents.content(row.id)
        if kept is not None:
            return kept, row.content_sha256
    content = render(doc)
    digest = content_sha256(content)
    call.uow.documents.keep(row.id, fingerprint, content, digest)
    call.facts.note = f"printable document {row.guid} rendered, {len(content)} bytes"
    return content, digest


def printable(
    call: Call[Any],
    claim: Claim,
    kind: DocumentKind,
    number: int,
    stored: Sequence[SourcePack],
) -> Printable:
    """What the document (kind, number) of ``claim`` prints, from the claim's ``stored`` packs."""
    return Printable(kind, number, _heading(call, claim, stored), sources(kind, number, stored))


def sources(
    kind: DocumentKind, number: int, stored: Sequence[SourcePack]
) -> tuple[SourcePack, ...]:
    """The packs a document is rendered from, in the order they were stored: the latest CNF
    (and the insurer response), the ISP request ``number`` with its response, or every pack of
    the settlement pack, additional damages or court proceedings pack."""
    if kind is DocumentKind.CNF:
        return _latest(stored, _CNF)
    if kind is DocumentKind.CNF_INSURER_RESPONSE:
        return _latest(stored, _CNF) + _latest(stored, (Pack.INSURER_RESPONSE,))
    if kind is DocumentKind.INTERIM_SETTLEMENT_PACK:
        return _interim(stored, number)
    wanted = SOURCES[kind]
    return tuple(p for p in stored if p.pack in wanted)


def _latest(stored: Sequence[SourcePack], packs: tuple[Pack, ...]) -> tuple[SourcePack, ...]:
    found = [p for p in stored if p.pack in packs]
    return (found[-1],) if found else ()


def _interim(stored: Sequence[SourcePack], number: int) -> tuple[SourcePack, ...]:
    """ISP request ``number`` and the response(s) stored after it, before the next request."""
    requests, picked = 0, []
    for source in stored:
        if source.pack is Pack.ISP_REQUEST:
            requests += 1
        if requests == number and source.pack in (Pack.ISP_REQUEST, Pack.ISP_RESPONSE):
            picked.append(source)
    return tuple(picked)


def _number(kind: DocumentKind, stored: Sequence[SourcePack]) -> int:
    """The document an event belongs to: ISP n for the n-th request and its response."""
    if not kind.numbered:
        return 1
    return max(1, sum(1 for p in stored if p.pack is Pack.ISP_REQUEST))


def _stored(call: Call[Any], claim: Claim) -> list[SourcePack]:
    return [
        SourcePack(Pack(row.kind), row.number, row.xml, _day(row.created_at))
        for row in call.uow.claims.packs(claim.id)
        if row.kind in _PACKS
    ]


def _day(at: datetime) -> date:
    return london_date(as_utc(at))


def _heading(call: Call[Any], claim: Claim, stored: Sequence[SourcePack]) -> Heading:
    service = Service(claim.service)
    cnf = _latest(stored, _CNF)
    return Heading(
        application_id=claim.application_id,
        service=SERVICE_NAMES[service],
        phase_name=wf.lifecycle(service).phase(claim.phase).name,
        claimant_name=claimant_name(cnf[0].xml) if cnf else "",
        representative_name=_organisation(call, claim.cr_org_id),
        representative_reference=claim.cr_reference or "",
        compensator_name=_organisation(call, claim.comp_org_id),
        compensator_reference=claim.insurer_reference or "",
    )


def claimant_name(cnf_xml: str) -> str:
    """The claimant's name as the CNF gives it: first, middle and surname."""
    root = parse_text(cnf_xml).getroot()
    person = root.find("ClaimAndClaimantDetails/ClaimantDetails/PersonalDetails")
    if person is None:
        return ""
    parts = (person.get(name, "").strip() for name in ("Name", "MiddleName", "Surname"))
    return " ".join(part for part in parts if part)


def _organisation(call: Call[Any], organisation_id: str | None) -> str:
    if not organisation_id:
        return ""
    org = call.uow.organisations.get(organisation_id)
    return org.name if org else organisation_id
