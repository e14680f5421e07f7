"""The printable documents of claims (table ``printable_documents``): one row per event of a
claim (kind, number), the fingerprint of what it is rendered from, and the PDF once rendered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from gateway.store.models import PrintableDocument
from gateway.store.write_behind import WriteBehind

_INSERT = insert(PrintableDocument).inline()  # no RETURNING (see repositories._PACK_INSERT)


class DocumentView(NamedTuple):
    """A printable document's row without its bytes."""

    id: int
    guid: str
    claim_id: int
    kind: str
    number: int
    title: str
    source_sha256: str
    content_sha256: str | None
    created_at: datetime
    updated_at: datetime


_COLUMNS = tuple(getattr(PrintableDocument, name) for name in DocumentView._fields)


class DocumentRepository:
    """Rows are added through the unit of work's write-behind (with the claim's other new rows)
    and changed with single UPDATEs; the bytes are read only when asked for."""

    def __init__(self, session: Session, writes: WriteBehind) -> None:
        self.session = session
        self._writes = writes

    def add(
        self,
        *,
        guid: str,
        claim_id: int,
        kind: str,
        number: int,
        title: str,
        source_sha256: str,
        at: datetime,
    ) -> None:
        self._writes.add_row(
            _INSERT,
            {
                "guid": guid,
                "claim_id": claim_id,
                "kind": kind,
                "number": number,
                "title": title,
                "source_sha256": source_sha256,
                "content": None,
                "content_sha256": None,
                "created_at": at,
                "updated_at": at,
            },
        )

    def of_claim(self, claim_id: int) -> Sequence[DocumentView]:
        """The claim's documents in the order their events first happened."""
        query = (
            select(*_COLUMNS)
            .where(PrintableDocument.claim_id == claim_id)
            .order_by(PrintableDocument.id)
        )
        return [DocumentView(*row) for row in self.session.execute(query)]

    def event(self, claim_id: int, kind: str, number: int) -> DocumentView | None:
        query = select(*_COLUMNS).where(
            PrintableDocument.claim_id == claim_id,
            PrintableDocument.kind == kind,
            PrintableDocument.number == number,
        )
        row = self.session.execute(query).first()
        return DocumentView(*row) if row else None

    def get(self, guid: str, *, for_update: bool = False) -> DocumentView | None:
        """One document by its id; ``for_update`` locks its row (PostgreSQL) until commit."""
        query = select(*_COLUMNS).where(PrintableDocument.guid == guid)
        if for_update:
            query = query.with_for_update(of=PrintableDocument)
        row = self.session.execute(query).first()
        return DocumentView(*row) if row else None

    def content(self, document_id: int) -> bytes | None:
        query = select(PrintableDocument.content).where(PrintableDocument.id == document_id)
        found = self.session.execute(query).scalar_one()
        return bytes(found) if found is not None else None

    def new_source(self, document_id: int, source_sha256: str, at: datetime) -> None:
        """The event's sources changed: the PDF is dropped, to be rendered again when asked."""
        self.session.execute(
            update(PrintableDocument)
            .where(PrintableDocument.id == document_id)
            .values(source_sha256=source_sha256, content=None, content_sha256=None, updated_at=at)
        )

    def keep(
        self, document_id: int, source_sha256: str, content: bytes, content_sha256: str
    ) -> None:
        """Keep the PDF rendered from ``source_sha256``."""
        self.session.execute(
            update(PrintableDocument)
            .where(PrintableDocument.id == document_id)
            .values(source_sha256=source_sha256, content=content, content_sha256=content_sha256)
        )
