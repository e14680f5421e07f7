"""The shape of a business rule and the small readers every rule module shares.

A ``Rule`` is an id (``CNF-04``), where it applies (packs, services, releases) and a check that
yields ``Hit``s: an element, what on it is wrong (``@Attribute`` or a missing ``Child``) and a
message. The rule id and the element path are attached here, in one place, so a check only says
what it found. Checks read the document leniently (an unparsable date is simply unknown): the
XSD has its own say, and the offline validator runs the rules on schema-invalid documents too.

The readers strip XML whitespace only (space, tab, CR, LF), as XML Schema's whitespace facets do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import cast

from lxml import etree

from gateway.domain.services import Service
from gateway.errors import Violation
from gateway.validation.context import RuleContext
from gateway.validation.packs import Pack

XML_SPACE = " \t\r\n"
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?", re.ASCII)


class Prefetch:
    """Finds, in one XPath evaluation (in C), the elements a pack's rules read.

    The paths' last steps must differ: each found element is filed under its tag. Where a path
    matches several elements the first one in document order is kept, as ``Subject.find`` does.
    """

    def __init__(self, paths: Collection[str]) -> None:
        self._by_tag = {path.rpartition("/")[2]: path for path in paths}
        if len(self._by_tag) != len(paths):
            raise ValueError(f"prefetched paths must end in different tags: {sorted(paths)}")
        self._none: dict[str, etree._Element | None] = dict.fromkeys(self._by_tag.values())
        # ``[1]`` on the last step: only the first of same-named siblings (several Hospitals)
        # comes back, the first of all in document order being the one kept anyway.
        self._xpath = etree.XPath(" | ".join(f"{path}[1]" for path in paths), regexp=False)

    def find(self, root: etree._Element) -> dict[str, etree._Element | None]:
        """Every path's first element under ``root``, or None."""
        found = self._none.copy()
        by_tag = self._by_tag
        # A union of element paths: a list of elements, in document order; filed from the last
        # one back, the first of a tag is the one left.
        for element in reversed(cast("list[etree._Element]", self._xpath(root))):
            found[by_tag[element.tag]] = element
        return found


class Subject:
    """The pack being judged: its root, the claim's service and release, and the context."""

    __slots__ = (
        "_dates",
        "_found",
        "_prefetch",
        "ctx",
        "is_rta",
        "pack",
        "release",
        "root",
        "service",
    )

    def __init__(
        self,
        root: etree._Element,
        service: Service,
        release: str,
        pack: Pack,
        ctx: RuleContext,
        prefetch: Prefetch | None = None,
    ) -> None:
        self.root = root
        self.service = service
        self.release = release
        self.pack = pack
        self.ctx = ctx
        self._found: dict[str, etree._Element | None] = {}
        self._dates: dict[tuple[str, str], date | None] = {}
        self._prefetch = prefetch
        #: True for an RTA claim (several rules ask; an attribute, not a property, for speed).
        self.is_rta = service is Service.RTA

    def find(self, path: str) -> etree._Element | None:
        """The first element at ``path`` (``A/B/C``, child steps only) below the root.

        Cached per path and built on the cached parent path, one child step at a time in C:
        several rules ask for the same elements, and ElementPath costs microseconds per call.
        """
        try:
            return self._found[path]
        except KeyError:
            pass
        if self._prefetch is not None:
            self._found.update(self._prefetch.find(self.root))
            self._prefetch = None
            return self.find(path)
        parent_path, _, tag = path.rpartition("/")
        parent = self.find(parent_path) if parent_path else self.root
        found = None if parent is None else next(parent.iterchildren(tag), None)
        self._found[path] = found
        return found

    def date_at(self, path: str, name: str) -> date | None:
        """``date_of(self.find(path), name)``, read once: several rules compare the same dates."""
        key = (path, name)
        try:
            return self._dates[key]
        except KeyError:
            found = self._dates[key] = date_of(self.find(path), name)
            return found

    def findall(self, path: str) -> list[etree._Element]:
        """Every element at ``path`` (child steps only) below the root, in document order."""
        parent_path, _, tag = path.rpartition("/")
        parent = self.find(parent_path) if parent_path else self.root
        return [] if parent is None else list(parent.iterchildren(tag))


@dataclass(frozen=True)
class Hit:
    """What a check found: on ``element``, the attribute or child named by ``target``."""

    element: etree._Element
    target: str | None  # "@Attribute", "Child" or None for the element itself
    message: str


Check = Callable[[Subject], Iterator[Hit]]


@dataclass(frozen=True)
class Rule:
    """One business rule of payloads.md and where it applies."""

    id: str
    check: Check
    packs: frozenset[Pack]
    services: frozenset[Service] = frozenset(Service)
    releases: frozenset[str] | None = None  # None: every release of the services

    def applies(self, service: Service, release: str, pack: Pack) -> bool:
        return (
            pack in self.packs
            and service in self.services
            and (self.releases is None or release in self.releases)
        )

    def run(self, subject: Subject) -> list[Violation]:
        return [self.violation(hit) for hit in self.check(subject)]

    def violation(self, hit: Hit) -> Violation:
        return Violation(
            path=path_of(hit.element, hit.target),
            message=hit.message,
            line=line_of(hit.element),
            rule=self.id,
        )


def line_of(element: etree._Element) -> int | None:
    """The element's line in the document, when libxml2 knows it."""
    line = element.sourceline
    return line if isinstance(line, int) else None


def path_of(element: etree._Element, target: str | None = None) -> str:
    """XPath-like location: ``/DocumentInput/AccidentData/AccidentDetails/@AccidentDate``.

    Positional predicates appear only where an element has same-named siblings, as in the
    paths libxml2 gives for schema errors.
    """
    path = element.getroottree().getpath(element)
    return f"{path}/{target}" if target else path


# ------------------------------------------------------------------------------------ readers
def value(element: etree._Element | None, name: str) -> str | None:
    """The attribute's value, or None when it is absent or blank."""
    if element is None:
        return None
    raw = element.get(name)
    return raw if raw is not None and raw.strip(XML_SPACE) else None


def stripped(element: etree._Element | None, name: str) -> str:
    """The attribute's value without surrounding XML whitespace ("" when absent)."""
    return "" if element is None else (element.get(name) or "").strip(XML_SPACE)


def is_yes(element: etree._Element | None, name: str) -> bool:
    """True when the C00 flag ``name`` is ``1``."""
    return stripped(element, name) == "1"


def as_date(raw: str | None) -> date | None:
    """An ``xs:date`` value (time zone ignored), or None when absent or not a date."""
    if raw is None:
        return None
    try:
        if len(raw) == 10 and raw[4] == "-" == raw[7]:
            return date.fromisoformat(raw)
        found = _DATE.fullmatch(raw.strip(XML_SPACE))
        return None if found is None else date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None


def as_decimal(raw: str | None) -> Decimal | None:
    """An ``xs:decimal`` value, or None when absent or not a finite number."""
    if raw is None:
        return None
    try:
        number = Decimal(raw.strip(XML_SPACE))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def date_of(element: etree._Element | None, name: str) -> date | None:
    return as_date(value(element, name))


def decimal_of(element: etree._Element | None, name: str) -> Decimal | None:
    return as_decimal(value(element, name))


def required(element: etree._Element, names: tuple[str, ...], why: str) -> Iterator[Hit]:
    """A hit for each attribute of ``names`` that ``element`` lacks; ``why`` ends the message."""
    for name in names:
        if value(element, name) is None:
            yield Hit(element, f"@{name}", f"{name} is required {why}")


def forbidden(element: etree._Element, names: tuple[str, ...], why: str) -> Iterator[Hit]:
    """A hit for each attribute of ``names`` that ``element`` carries; ``why`` ends the message."""
    for name in names:
        if element.get(name) is not None:
            yield Hit(element, f"@{name}", f"{name} must be absent {why}")
