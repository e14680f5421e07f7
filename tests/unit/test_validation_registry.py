"""The release registry: the explicit table, schema compilation at start-up, the one answer to
"which schema judges this pack", and pack detection from the root element."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from gateway.domain.services import Service
from gateway.errors import StartupError
from gateway.validation.packs import ROOT_ELEMENTS, Pack, detect_pack
from gateway.validation.registry import (
    RELEASES,
    PackNotInRelease,
    ReleaseRegistry,
    UnknownRelease,
)
from tests.unit.test_validation_samples import SCHEMAS


@pytest.fixture(scope="module")
def registry() -> ReleaseRegistry:
    return ReleaseRegistry.load(SCHEMAS)


@pytest.fixture
def schema_copy(tmp_path: Path) -> Path:
    root = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, root)
    return root


def test_the_table_of_releases() -> None:
    table = {(r.service, r.name): (r.version, r.process_name, len(r.files)) for r in RELEASES}
    assert table == {
        (Service.RTA, "R5"): ("5.0", "RTA", 14),
        (Service.RTA, "R6"): ("6.0", "RTA", 14),
        (Service.RTA, "R7"): ("7.0", "RTA", 14),
        (Service.ELPL, "R5"): ("5.0", "ELPL", 12),
        (Service.ELPL, "R6"): ("6.0", "ELPL", 12),
    }
    assert not any(r.closed_to_new_claims for r in RELEASES)


def test_every_schema_compiles(registry: ReleaseRegistry) -> None:
    for release in registry.releases():
        for pack in release.files:
            assert registry.schema_for(release.service, release, pack).file_name.endswith(".xsd")


@pytest.mark.parametrize(
    ("service", "release", "pack", "file_name"),
    [
        (Service.RTA, "R5", Pack.CNF, "AddClaim_ClaimData-v3.3.xsd"),
        (Service.RTA, "R6", Pack.CNF_RESEND, "ResendRejectedClaim_ClaimData-v3.5.xsd"),
        (
            Service.RTA,
            "R7",
            Pack.ISP_REQUEST,
            "AddInterimSPFRequest_InterimSettlementPackRequest-v3.4.xsd",
        ),
        (
            Service.RTA,
            "R6",
            Pack.INSURER_RESPONSE,
            "SendLiabilityDecision_InsurerResponse-v3.0.xsd",
        ),
        (Service.RTA, "R7", Pack.DATA, "GetClaim_ClaimData-v4.0.xsd"),
        (Service.ELPL, "R6", Pack.CNF, "AddClaim_ClaimData-v1.4.xsd"),
        (
            Service.ELPL,
            "R5",
            Pack.ISP_RESPONSE,
            "AddInterimSPFResponse_InterimSettlementPackResponse-v1.1.xsd",
        ),
        # The R7 resend is judged by the wider AddClaim schema (payloads.md section 1, decided).
        (Service.RTA, "R7", Pack.CNF_RESEND, "AddClaim_ClaimData-v3.8.xsd"),
    ],
)
def test_schema_for(
    registry: ReleaseRegistry, service: Service, release: str, pack: Pack, file_name: str
) -> None:
    compiled = registry.schema_for(service, release, pack)
    assert compiled.file_name == file_name
    assert compiled.path == SCHEMAS / service.value / release / file_name
    assert registry.schema_for(service, release, pack) is compiled


def test_the_r7_resend_file_is_still_served(registry: ReleaseRegistry) -> None:
    r7 = registry.release(Service.RTA, "R7")
    assert r7.files[Pack.CNF_RESEND] == "ResendRejectedClaim_ClaimData-v3.6.xsd"
    assert r7.judging_file(Pack.CNF_RESEND) == "AddClaim_ClaimData-v3.8.xsd"


def test_unknown_release_and_pack(registry: ReleaseRegistry) -> None:
    with pytest.raises(UnknownRelease, match="R4"):
        registry.release(Service.RTA, "R4")
    with pytest.raises(UnknownRelease):
        registry.schema_for(Service.ELPL, "R7", Pack.CNF)
    with pytest.raises(PackNotInRelease, match="ad-request"):
        registry.schema_for(Service.ELPL, "R6", Pack.AD_REQUEST)


def test_current_release(registry: ReleaseRegistry) -> None:
    assert registry.current(Service.RTA, "R7").version == "7.0"
    assert registry.current(Service.ELPL, "R6").process_name == "ELPL"
    with pytest.raises(StartupError, match="R9"):
        registry.current(Service.RTA, "R9")


def test_a_release_closed_to_new_claims_still_judges_its_claims() -> None:
    registry = ReleaseRegistry.load(
        SCHEMAS, closed_to_new_claims=[(Service.RTA, "R6")], eager=False
    )
    assert registry.release(Service.RTA, "R6").closed_to_new_claims
    assert registry.schema_for(Service.RTA, "R6", Pack.CNF_RESEND) is not None
    with pytest.raises(StartupError, match="closed"):
        registry.current(Service.RTA, "R6")
    with pytest.raises(StartupError, match="unknown releases"):
        ReleaseRegistry.load(SCHEMAS, closed_to_new_claims=[(Service.ELPL, "R7")])


def test_a_broken_schema_stops_the_start(schema_copy: Path) -> None:
    broken = schema_copy / "elpl" / "R5" / "AddCPPFResponse_CPPFResponseXML-v1.0.xsd"
    broken.write_text(broken.read_text("utf-8").replace("</xs:schema>", ""), "utf-8")
    with pytest.raises(StartupError) as raised:
        ReleaseRegistry.load(schema_copy)
    assert broken.name in str(raised.value)
    assert raised.value.context["schema"] == str(broken)


def test_a_schema_that_does_not_compile_stops_the_start(schema_copy: Path) -> None:
    broken = schema_copy / "rta" / "R7" / "AddClaim_ClaimData-v3.8.xsd"
    broken.write_text(
        broken.read_text("utf-8").replace('type="C00_YNFlag"', 'type="NoSuchType"', 1), "utf-8"
    )
    with pytest.raises(StartupError, match="NoSuchType") as raised:
        ReleaseRegistry.load(schema_copy)
    assert broken.name in str(raised.value)


def test_a_missing_schema_stops_the_start(schema_copy: Path) -> None:
    missing = schema_copy / "rta" / "R5" / "GetClaim_ClaimData-v3.3.xsd"
    missing.unlink()
    with pytest.raises(StartupError, match=re.escape("GetClaim_ClaimData-v3.3.xsd is missing")):
        ReleaseRegistry.load(schema_copy)
    with pytest.raises(StartupError, match="does not exist"):
        ReleaseRegistry.load(schema_copy / "nowhere")


def test_schemas_are_never_fetched_from_the_network(schema_copy: Path) -> None:
    target = schema_copy / "rta" / "R7" / "CommonTypes-RTA-R7.xsd"
    text = target.read_text("utf-8")
    target.write_text(
        text.replace(
            "<xs:simpleType",
            '<xs:include schemaLocation="http://192.0.2.1/x.xsd"/><xs:simpleType',
            1,
        ),
        "utf-8",
    )
    with pytest.raises(StartupError, match=re.escape("192.0.2.1")):
        ReleaseRegistry.load(schema_copy)


def test_lazy_loading_compiles_on_first_use(schema_copy: Path) -> None:
    broken = schema_copy / "elpl" / "R6" / "AddClaim_ClaimData-v1.4.xsd"
    broken.write_text("<not-a-schema", "utf-8")
    registry = ReleaseRegistry.load(schema_copy, eager=False)
    assert registry.schema_for(Service.RTA, "R7", Pack.CNF).file_name
    with pytest.raises(StartupError, match=re.escape("AddClaim_ClaimData-v1.4.xsd")):
        registry.schema_for(Service.ELPL, "R6", Pack.CNF)


@pytest.mark.parametrize("pack", [p for p in Pack if p is not Pack.CNF_RESEND])
def test_pack_detection(pack: Pack) -> None:
    assert detect_pack(ROOT_ELEMENTS[pack]) is pack


def test_pack_detection_of_a_resend_and_of_strangers() -> None:
    assert detect_pack("DocumentInput", resend=True) is Pack.CNF_RESEND
    assert detect_pack("Data", resend=True) is Pack.DATA
    assert detect_pack("Envelope") is None
    assert Pack.CNF_RESEND.root_element == "DocumentInput"
