"""A printable document rendered to PDF: packs in, bytes out, no I/O but reading the fonts.

A document is headed by the claim (applicationId, service, phase, claimant, the claimant
representative and the compensator with their references), its kind and its date, then shows
each pack it is made of, in the order the packs were sent: every element that carries data as a
table of readable names and values, codes as their labels (``gateway.documents.labels``). The
referral source of the CNF is never printed.

Output is deterministic: reportlab's invariant mode fixes the creation date and document id, so
the same ``Printable`` gives the same bytes, which lets the store cache them by ``fingerprint``.
Text is set in Bitstream Vera (shipped with reportlab), embedded as a TrueType subset with its
Unicode map, so names beyond Latin-1 render and all text can be searched and copied.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from gateway.documents.kinds import PACK_TITLES, DocumentKind
from gateway.documents.labels import label, never_printed
from gateway.documents.names import readable
from gateway.validation.hardened import parse_text
from gateway.validation.packs import Pack

#: Part of every fingerprint: a change to what or how the renderer prints renders again.
RENDERER_VERSION: Final = "1"
FONT, BOLD = "Vera", "VeraBd"
_SIZE = 8.5
_WIDTH = A4[0] - 36 * mm  # the frame: 18 mm margins


@dataclass(frozen=True)
class SourcePack:
    """One pack a document is rendered from, as stored: its kind, number, text and the day
    (Europe/London) it was sent."""

    pack: Pack
    number: int
    xml: str
    sent: date


@dataclass(frozen=True)
class Heading:
    """What heads every page of a claim's documents."""

    application_id: str
    service: str
    phase_name: str
    claimant_name: str
    representative_name: str
    representative_reference: str
    compensator_name: str
    compensator_reference: str


@dataclass(frozen=True)
class Printable:
    """Everything one document is rendered from."""

    kind: DocumentKind
    number: int
    heading: Heading
    packs: tuple[SourcePack, ...]

    @property
    def title(self) -> str:
        return self.kind.titled(self.number)

    @property
    def day(self) -> date | None:
        """The document's date: the day its latest pack was sent."""
        return max((p.sent for p in self.packs), default=None)

    def fingerprint(self) -> str:
        """SHA-256 of everything printed (packs, heading, renderer): equal fingerprints render
        equal bytes."""
        facts = {
            "renderer": RENDERER_VERSION,
            "kind": self.kind.value,
            "number": self.number,
            "heading": vars(self.heading),
            "packs": sources_sha256(self.packs),
        }
        return _sha256(json.dumps(facts, sort_keys=True, ensure_ascii=True))


def sources_sha256(packs: Sequence[SourcePack]) -> str:
    """SHA-256 of the packs a document is made of (kind, number, date, text)."""
    listed = [[p.pack.value, p.number, p.sent.isoformat(), _sha256(p.xml)] for p in packs]
    return _sha256(json.dumps(listed))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------------------------ styles
@cache
def _fonts() -> None:
    folder = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "VeraBd.ttf")))


@dataclass(frozen=True)
class _Styles:
    title: ParagraphStyle
    pack: ParagraphStyle
    section: ParagraphStyle
    cell: ParagraphStyle
    name: ParagraphStyle


@cache
def _styles() -> _Styles:
    body = ParagraphStyle("body", fontName=FONT, fontSize=_SIZE, leading=10.5)
    return _Styles(
        title=ParagraphStyle("title", body, fontName=BOLD, fontSize=16, leading=20, spaceAfter=6),
        pack=ParagraphStyle(
            "pack", body, fontName=BOLD, fontSize=12, leading=15, spaceBefore=10, spaceAfter=4
        ),
        section=ParagraphStyle(
            "section", body, fontName=BOLD, fontSize=9.5, leading=12, spaceBefore=6, spaceAfter=2
        ),
        cell=body,
        name=ParagraphStyle("name", body, textColor=colors.HexColor("#333333")),
    )


_GRID = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), FONT, _SIZE, 10.5),
        ("TEXTCOLOR", (0, 0), (0, -1), colors.HexColor("#333333")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0b0b0")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
)
_COLUMNS = (0.38 * _WIDTH, 0.62 * _WIDTH)
_PADDING = 12  # the cells' left and right padding, with a margin


def _cell(text: str, width: float, style: ParagraphStyle) -> str | Paragraph:
    """Text that fits on one line as a plain string (cheap); longer text as a Paragraph, which
    wraps."""
    if "\n" not in text and pdfmetrics.stringWidth(text, FONT, _SIZE) < width - _PADDING:
        return text
    return Paragraph(escape(text), style)


def _table(rows: list[tuple[str, str]]) -> Table:
    s = _styles()
    names, values = _COLUMNS
    cells = [[_cell(n, names, s.name), _cell(v, values, s.cell)] for n, v in rows]
    table = Table(cells, colWidths=list(_COLUMNS), hAlign="LEFT")
    table.setStyle(_GRID)
    return table


# ------------------------------------------------------------------------------------ content
def _heading(doc: Printable) -> list[Flowable]:
    h = doc.heading
    day = doc.day.strftime("%d/%m/%Y") if doc.day else ""
    rows = [
        ("Claim (applicationId)", h.application_id),
        ("Service", h.service),
        ("Phase", h.phase_name),
        ("Document", doc.title),
        ("Date", day),
        ("Claimant", h.claimant_name),
        ("Claimant representative", h.representative_name),
        ("Claimant representative reference", h.representative_reference),
        ("Compensator", h.compensator_name),
        ("Compensator reference", h.compensator_reference or "–"),
    ]
    return [Paragraph(escape(doc.title), _styles().title), _table(rows), Spacer(1, 4 * mm)]


def _attributes(element: Any) -> list[tuple[str, str]]:
    rows = [
        (readable(name), label(name, value))
        for name, value in element.attrib.items()
        if not never_printed(name)
    ]
    text = (element.text or "").strip()
    if text:
        rows.append(("Text", text))
    return rows


def _sections(element: Any, trail: tuple[str, ...]) -> Iterator[tuple[str, list[Any]]]:
    """(heading, rows) of every element under ``element`` that carries data, in document
    order; an element is named by the path of readable names from the pack's root, repeated
    siblings numbered."""
    children = [c for c in element if isinstance(c.tag, str) and not never_printed(c.tag)]
    repeated = Counter(c.tag for c in children)
    seen: Counter[str] = Counter()
    for child in children:
        seen[child.tag] += 1
        name = readable(child.tag)
        if repeated[child.tag] > 1:
            name = f"{name} {seen[child.tag]}"
        path = (*trail, name)
        rows = _attributes(child)
        if rows:
            yield " › ".join(path), rows
        yield from _sections(child, path)


def _pack(source: SourcePack, numbered: bool) -> list[Flowable]:
    s = _styles()
    title = PACK_TITLES[source.pack] + (f" {source.number}" if numbered else "")
    flow: list[Flowable] = [
        Paragraph(f"{escape(title)}, sent {source.sent.strftime('%d/%m/%Y')}", s.pack)
    ]
    root = parse_text(source.xml).getroot()
    own = _attributes(root)
    if own:
        flow.append(_table(own))
    for heading, rows in _sections(root, ()):
        flow.append(KeepTogether([Paragraph(escape(heading), s.section), _table(rows)]))
    return flow


def story(doc: Printable) -> list[Flowable]:
    """The flowables of ``doc``: its heading, then each pack."""
    flow = _heading(doc)
    kinds = Counter(p.pack for p in doc.packs)
    for source in doc.packs:
        flow += _pack(source, kinds[source.pack] > 1)
    return flow


def render(doc: Printable) -> bytes:
    """``doc`` as a PDF (A4), the same bytes for the same ``doc``."""
    _fonts()
    out = io.BytesIO()
    footer = f"Claim {doc.heading.application_id} · {doc.title}"

    def on_page(canvas: Canvas, template: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.drawString(18 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"Page {template.page}")
        canvas.restoreState()

    template = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=f"{doc.title}: claim {doc.heading.application_id}",
        author="A2A claims gateway",
        subject=doc.kind.value,
        creator="A2A claims gateway",
        invariant=1,
    )
    template.build(story(doc), onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()


def content_sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
