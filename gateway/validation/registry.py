"""The release registry: (service, release) -> process version and the XSD of every pack.

Releases are registered here, never discovered from the folders (STYLE.md): ``RELEASES`` is the
one explicit table of spec README section 7 and payloads.md section 1. ``ReleaseRegistry.load``
compiles every schema of ``schemas/<service>/<release>/`` once, with the network off, and refuses to
start (``StartupError``) when one is missing or broken. ``ReleaseRegistry.schema_for`` is the one
place that answers "which schema judges this pack of this claim".
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from lxml import etree

from gateway.domain.services import Service
from gateway.errors import StartupError
from gateway.validation.packs import Pack

__all__ = [
    "RELEASES",
    "CompiledSchema",
    "Pack",
    "PackNotInRelease",
    "Release",
    "ReleaseRegistry",
    "UnknownRelease",
]


@dataclass(frozen=True, kw_only=True)
class Release:
    """One release of a service: its process version and the XSD file of each pack."""

    service: Service
    name: str
    version_major: int
    version_minor: int
    process_name: str
    closed_to_new_claims: bool = False
    files: Mapping[Pack, str]
    #: Packs judged by another file than the one served (payloads.md section 1, "decided").
    judged_by: Mapping[Pack, str] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """``systemProcessVersion`` as ``major.minor``."""
        return f"{self.version_major}.{self.version_minor}"

    @property
    def folder(self) -> Path:
        """The release's folder relative to the schema root: ``rta/R7``."""
        return Path(self.service.value) / self.name

    def judging_file(self, pack: Pack) -> str:
        """The XSD file that judges ``pack`` (usually the file served for it)."""
        if pack not in self.files:
            raise PackNotInRelease(f"{self.service.value} {self.name} has no {pack.value} pack")
        return self.judged_by.get(pack, self.files[pack])


@dataclass(frozen=True)
class CompiledSchema:
    """One compiled XSD file."""

    file_name: str
    path: Path
    schema: etree.XMLSchema


class UnknownRelease(LookupError):
    """The service has no release of that name."""


class PackNotInRelease(LookupError):
    """The release has no schema for that pack (additional damages exist for RTA only)."""


def _rta(
    name: str, major: int, files: Mapping[Pack, str], judged_by: Mapping[Pack, str] | None = None
) -> Release:
    return Release(
        service=Service.RTA,
        name=name,
        version_major=major,
        version_minor=0,
        process_name=Service.RTA.process_name,
        files=MappingProxyType(dict(files)),
        judged_by=MappingProxyType(dict(judged_by or {})),
    )


def _elpl(name: str, major: int, files: Mapping[Pack, str]) -> Release:
    return Release(
        service=Service.ELPL,
        name=name,
        version_major=major,
        version_minor=0,
        process_name=Service.ELPL.process_name,
        files=MappingProxyType(dict(files)),
    )


_RTA_R5: dict[Pack, str] = {
    Pack.CNF: "AddClaim_ClaimData-v3.3.xsd",
    Pack.CNF_RESEND: "ResendRejectedClaim_ClaimData-v3.3.xsd",
    Pack.INSURER_RESPONSE: "SendLiabilityDecision_InsurerResponse-v3.0.xsd",
    Pack.ISP_REQUEST: "AddInterimSPFRequest_InterimSettlementPackRequest-v3.3.xsd",
    Pack.ISP_RESPONSE: "AddInterimSPFResponse_InterimSettlementPackResponse-v3.2.xsd",
    Pack.S2SP_REQUEST: "AddStage2SPFRequest_S2SPFRequestXML-v3.3.xsd",
    Pack.S2SP_RESPONSE: "AddStage2SPFResponse_S2SPFResponseXML-v3.2.xsd",
    Pack.S2SP_COUNTER_OFFER_CR: "AddStage2SPFCounterOfferByCR_S2SPFCounterOfferByCRXML-v3.0.xsd",
    Pack.S2SP_COUNTER_OFFER_CM: "AddStage2SPFCounterOfferByCM_S2SPFCounterOfferByCMXML-v3.0.xsd",
    Pack.AD_REQUEST: "AddS2SPFAdditionalDamagesRequest_"
    "Stage2SettlementPackAdditionalDamagesRequest-v3.0.xsd",
    Pack.AD_RESPONSE: "AddS2SPFAdditionalDamagesResponse_"
    "Stage2SettlementPackAdditionalDamagesResponse-v3.0.xsd",
    Pack.CPP_REQUEST: "AddCPPFRequest_CPPFRequestXML-v3.1.xsd",
    Pack.CPP_RESPONSE: "AddCPPFResponse_CPPFResponseXML-v3.1.xsd",
    Pack.DATA: "GetClaim_ClaimData-v3.3.xsd",
}

_RTA_R6: dict[Pack, str] = _RTA_R5 | {
    Pack.CNF: "AddClaim_ClaimData-v3.6.xsd",
    Pack.CNF_RESEND: "ResendRejectedClaim_ClaimData-v3.5.xsd",
    Pack.DATA: "GetClaim_ClaimData-v3.6.xsd",
}

_RTA_R7: dict[Pack, str] = {
    Pack.CNF: "AddClaim_ClaimData-v3.8.xsd",
    Pack.CNF_RESEND: "ResendRejectedClaim_ClaimData-v3.6.xsd",
    Pack.INSURER_RESPONSE: "SendLiabilityDecision_InsurerResponse-v3.0.xsd",
    Pack.ISP_REQUEST: "AddInterimSPFRequest_InterimSettlementPackRequest-v3.4.xsd",
    Pack.ISP_RESPONSE: "AddInterimSPFResponse_InterimSettlementPackResponse-v3.3.xsd",
    Pack.S2SP_REQUEST: "AddStage2SPFRequest_S2SPFRequestXML-v3.4.xsd",
    Pack.S2SP_RESPONSE: "AddStage2SPFResponse_S2SPFResponseXML-v3.3.xsd",
    Pack.S2SP_COUNTER_OFFER_CR: "AddStage2SPFCounterOfferByCR_S2SPFCounterOfferByCRXML-v3.1.xsd",
    Pack.S2SP_COUNTER_OFFER_CM: "AddStage2SPFCounterOfferByCM_S2SPFCounterOfferByCMXML-v3.1.xsd",
    Pack.AD_REQUEST: "AddS2SPFAdditionalDamagesRequest_"
    "Stage2SettlementPackAdditionalDamagesRequest-v3.2.xsd",
    Pack.AD_RESPONSE: "AddS2SPFAdditionalDamagesResponse_"
    "Stage2SettlementPackAdditionalDamagesResponse-v3.2.xsd",
    Pack.CPP_REQUEST: "AddCPPFRequest_CPPFRequestXML-v3.3.xsd",
    Pack.CPP_RESPONSE: "AddCPPFResponse_CPPFResponseXML-v3.3.xsd",
    Pack.DATA: "GetClaim_ClaimData-v4.0.xsd",
}

_ELPL_R5: dict[Pack, str] = {
    Pack.CNF: "AddClaim_ClaimData-v1.1.xsd",
    Pack.CNF_RESEND: "ResendRejectedClaim_ClaimData-v1.1.xsd",
    Pack.INSURER_RESPONSE: "SendLiabilityDecision_InsurerResponse-v1.0.xsd",
    Pack.ISP_REQUEST: "AddInterimSPFRequest_InterimSettlementPackRequest-v1.0.xsd",
    Pack.ISP_RESPONSE: "AddInterimSPFResponse_InterimSettlementPackResponse-v1.1.xsd",
    Pack.S2SP_REQUEST: "AddStage2SPFRequest_S2SPFRequestXML-v1.0.xsd",
    Pack.S2SP_RESPONSE: "AddStage2SPFResponse_S2SPFResponseXML-v1.1.xsd",
    Pack.S2SP_COUNTER_OFFER_CR: "AddStage2SPFCounterOfferByCR_S2SPFCounterOfferByCRXML-v1.0.xsd",
    Pack.S2SP_COUNTER_OFFER_CM: "AddStage2SPFCounterOfferByCM_S2SPFCounterOfferByCMXML-v1.0.xsd",
    Pack.CPP_REQUEST: "AddCPPFRequest_CPPFRequestXML-v1.0.xsd",
    Pack.CPP_RESPONSE: "AddCPPFResponse_CPPFResponseXML-v1.0.xsd",
    Pack.DATA: "GetClaim_ClaimData-v1.2.xsd",
}

_ELPL_R6: dict[Pack, str] = _ELPL_R5 | {
    Pack.CNF: "AddClaim_ClaimData-v1.4.xsd",
    Pack.CNF_RESEND: "ResendRejectedClaim_ClaimData-v1.4.xsd",
    Pack.DATA: "GetClaim_ClaimData-v1.4.xsd",
}

#: Every release the gateway knows (spec README section 7, payloads.md section 1).
RELEASES: tuple[Release, ...] = (
    _rta("R5", 5, _RTA_R5),
    _rta("R6", 6, _RTA_R6),
    # The R7 resend schema narrows @OICReferenceNumber to OIC- + 1-10 digits; the server applies
    # the wider AddClaim pattern instead (payloads.md section 1, decided). The two schemas are
    # otherwise the same structure, so the AddClaim schema judges R7 resends.
    _rta("R7", 7, _RTA_R7, judged_by={Pack.CNF_RESEND: _RTA_R7[Pack.CNF]}),
    _elpl("R5", 5, _ELPL_R5),
    _elpl("R6", 6, _ELPL_R6),
)

# Schema files are trusted, but nothing they name is fetched from the network all the same.
_SCHEMA_PARSER = etree.XMLParser(
    no_network=True, load_dtd=False, resolve_entities=False, dtd_validation=False
)


def compile_schema(path: Path) -> CompiledSchema:
    """Compile one XSD file; ``StartupError`` names the file and libxml2's reason."""
    if not path.is_file():
        raise StartupError(f"schema {path} is missing", {"schema": str(path)})
    try:
        schema = etree.XMLSchema(etree.parse(str(path), _SCHEMA_PARSER))
    except (etree.XMLSyntaxError, etree.XMLSchemaParseError, OSError) as exc:
        raise StartupError(f"schema {path} does not compile: {exc}", {"schema": str(path)}) from exc
    return CompiledSchema(file_name=path.name, path=path, schema=schema)


class ReleaseRegistry:
    """The releases of both services and their compiled schemas."""

    def __init__(self, schema_root: Path, releases: Collection[Release], *, eager: bool) -> None:
        self.schema_root = schema_root
        self._releases = {(r.service, r.name): r for r in releases}
        self._compiled: dict[Path, CompiledSchema] = {}
        self._judges: dict[tuple[Service, str, Pack], CompiledSchema] = {}
        if eager:
            for path in self._all_paths():
                self._compiled[path] = compile_schema(path)

    @classmethod
    def load(
        cls,
        schema_root: Path,
        *,
        closed_to_new_claims: Collection[tuple[Service, str]] = (),
        eager: bool = True,
    ) -> ReleaseRegistry:
        """Compile every schema of every release under ``schema_root``.

        ``eager=False`` compiles a schema on first use instead (the offline validator, which
        usually needs one); a broken schema then raises ``StartupError`` at that point.
        """
        if not schema_root.is_dir():
            raise StartupError(
                f"schema folder {schema_root} does not exist", {"schema_root": str(schema_root)}
            )
        closed = set(closed_to_new_claims)
        unknown = closed - {(r.service, r.name) for r in RELEASES}
        if unknown:
            raise StartupError(f"unknown releases closed to new claims: {sorted(unknown)}")
        releases = [
            replace(r, closed_to_new_claims=(r.service, r.name) in closed) for r in RELEASES
        ]
        return cls(schema_root, releases, eager=eager)

    def releases(self, service: Service | None = None) -> tuple[Release, ...]:
        """All releases (of ``service``), in registry order."""
        return tuple(r for r in self._releases.values() if service in (None, r.service))

    def release(self, service: Service, name: str) -> Release:
        """The release ``name`` of ``service``; ``UnknownRelease`` when there is none."""
        try:
            return self._releases[(service, name)]
        except KeyError:
            known = ", ".join(r.name for r in self.releases(service))
            raise UnknownRelease(
                f"{service.value} has no release {name!r} (known: {known})"
            ) from None

    def current(self, service: Service, settings_current_release: str) -> Release:
        """The release new claims of ``service`` are created under (from the settings)."""
        try:
            release = self.release(service, settings_current_release)
        except UnknownRelease as exc:
            raise StartupError(f"current release: {exc}") from None
        if release.closed_to_new_claims:
            raise StartupError(
                f"current release {service.value} {release.name} is closed to new claims"
            )
        return release

    def schema_for(self, service: Service, release: str | Release, pack: Pack) -> CompiledSchema:
        """The compiled schema that judges ``pack`` for a claim of ``release``."""
        key = (service, release if isinstance(release, str) else release.name, pack)
        try:
            return self._judges[key]
        except KeyError:
            pass
        rel = release if isinstance(release, Release) else self.release(service, release)
        path = self.schema_root / rel.folder / rel.judging_file(pack)
        compiled = self._compiled.get(path)
        if compiled is None:
            compiled = self._compiled[path] = compile_schema(path)
        self._judges[key] = compiled
        return compiled

    def _all_paths(self) -> Iterator[Path]:
        seen: set[Path] = set()
        for release in self._releases.values():
            for name in (*release.files.values(), *release.judged_by.values()):
                path = self.schema_root / release.folder / name
                if path not in seen:
                    seen.add(path)
                    yield path
