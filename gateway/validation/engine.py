"""Validation of an embedded pack: hardened parse, then the claim release's XSD, then the rules.

Two entry points share the steps:

* ``validate_pack`` for the SOAP path: raises the first failing step's refusal
  (``XmlNotWellFormed`` / ``XmlForbiddenConstruct`` / ``XmlLimitExceeded``, ``XsdInvalid`` with
  every schema violation, ``BusinessRuleViolation`` with every rule violation) and otherwise
  returns the parsed tree with the facts the service layer needs.
* ``check_document`` for the offline validator: never raises for a bad document; the ``Report``
  collects everything (the rules run on schema-invalid documents too, leniently).

Both parse with the depth limit deferred and check it only where the schema refused the document
(or none judges it), before anything is reported: a document a pack XSD accepts is within the
limit (``gateway.validation.hardened``, decision 0012), and the check walks the whole tree.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from gateway.domain.services import Service
from gateway.errors import (
    BusinessRuleViolation,
    PackRefusal,
    Violation,
    XmlLimitExceeded,
    XmlNotWellFormed,
    XsdInvalid,
)
from gateway.validation.context import RuleContext
from gateway.validation.facts import PackFacts, extract_facts
from gateway.validation.hardened import PACK_LIMITS, check_depth, parse_bytes, parse_text
from gateway.validation.packs import Pack, detect_pack
from gateway.validation.registry import (
    CompiledSchema,
    PackNotInRelease,
    Release,
    ReleaseRegistry,
)
from gateway.validation.report import Finding, Kind, Report
from gateway.validation.rules import run_rules, subject_for
from gateway.validation.rules.base import line_of
from gateway.validation.xsd_errors import xsd_violations


@dataclass(frozen=True)
class ValidatedPack:
    """A pack that passed every check: its tree and the facts read from it."""

    service: Service
    release: Release
    pack: Pack
    schema_file: str
    tree: etree._ElementTree
    facts: PackFacts

    @property
    def root(self) -> etree._Element:
        return self.tree.getroot()


def validate_pack(
    registry: ReleaseRegistry,
    service: Service,
    release: str | Release,
    pack: Pack,
    text: str,
    ctx: RuleContext,
) -> ValidatedPack:
    """Parse ``text`` (a pack carried in an ``xs:string``) and judge it for a claim of ``release``.

    Raises ``XmlNotWellFormed``, ``XmlForbiddenConstruct``, ``XmlLimitExceeded``, then
    ``XsdInvalid`` (all schema violations), then ``BusinessRuleViolation`` (all rule violations).
    ``UnknownRelease`` / ``PackNotInRelease`` are programming errors of the caller.
    """
    rel = release if isinstance(release, Release) else registry.release(service, release)
    compiled = registry.schema_for(service, rel, pack)
    tree = parse_text(text, defer_depth=True)
    schema = compiled.schema
    if not schema.validate(tree):
        check_depth(tree.getroot())
        raise XsdInvalid(compiled.file_name, xsd_violations(tree, schema.error_log))
    subject = subject_for(tree.getroot(), service, rel.name, pack, ctx)
    violations = run_rules(subject)
    if violations:
        raise BusinessRuleViolation(violations)
    return ValidatedPack(
        service=service,
        release=rel,
        pack=pack,
        schema_file=compiled.file_name,
        tree=tree,
        facts=extract_facts(subject),
    )


def check_document(
    registry: ReleaseRegistry,
    data: bytes | str,
    service: Service,
    release: str,
    pack: Pack | None,
    ctx: RuleContext,
    *,
    source: str = "-",
) -> Report:
    """Everything wrong with one document, for the offline validator; never raises for it.

    ``pack`` None detects the pack from the root element (``DocumentInput`` is a new-claim CNF).
    ``UnknownRelease`` is raised for an unknown ``release``: that is the caller's mistake.
    """
    rel = registry.release(service, release)
    try:
        tree = (
            parse_bytes(data, PACK_LIMITS, defer_depth=True)
            if isinstance(data, bytes)
            else parse_text(data, defer_depth=True)
        )
    except PackRefusal as exc:
        return _refused(source, service, rel.name, pack, exc)
    root = tree.getroot()
    detected = pack or detect_pack(root.tag if isinstance(root.tag, str) else "")
    judged = _judge(registry, service, rel, detected, root)
    valid = not isinstance(judged, Finding) and judged[0].schema.validate(tree)
    if not valid:
        try:
            check_depth(root)
        except XmlLimitExceeded as exc:
            return _refused(source, service, rel.name, pack, exc)
    if isinstance(judged, Finding):
        return Report(source, service, rel.name, detected, (judged,))
    compiled, judged_pack = judged
    findings: list[Finding] = []
    if not valid:
        findings.extend(
            Finding(Kind.XSD, v) for v in xsd_violations(tree, compiled.schema.error_log)
        )
    violations = run_rules(subject_for(root, service, rel.name, judged_pack, ctx))
    if violations:
        findings.extend(Finding(Kind.RULE, v) for v in violations)
    return Report(source, service, rel.name, judged_pack, tuple(findings), compiled.file_name)


def _judge(
    registry: ReleaseRegistry,
    service: Service,
    rel: Release,
    pack: Pack | None,
    root: etree._Element,
) -> tuple[CompiledSchema, Pack] | Finding:
    """The schema that judges ``pack`` (and the pack), or the finding why none does."""
    if pack is None:
        message = f"unknown root element {root.tag!r}: not an A2A pack"
        return _xml_finding(f"/{root.tag}", message, line_of(root))
    try:
        return registry.schema_for(service, rel, pack), pack
    except PackNotInRelease as exc:
        return _xml_finding(f"/{root.tag}", str(exc), line_of(root))


def _refused(
    source: str, service: Service, release: str, pack: Pack | None, exc: PackRefusal
) -> Report:
    line = exc.line if isinstance(exc, XmlNotWellFormed) else None
    return Report(
        source, service, release, pack, (_xml_finding("/", exc.specifics or exc.message, line),)
    )


def _xml_finding(path: str, message: str, line: int | None) -> Finding:
    return Finding(Kind.XML, Violation(path=path, message=message, line=line))
