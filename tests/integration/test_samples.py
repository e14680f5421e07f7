"""``gateway samples export``: a valid sample of every pack of every release, judged on export and
accepted by the offline validator (``gateway validate``, its ``main``) as a user would run it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.domain.services import Service
from gateway.samples import catalogue, tailor
from gateway.samples.export import SampleInvalid, export
from gateway.validation.cli import default_schema_root
from gateway.validation.packs import Pack
from gateway.validation.registry import ReleaseRegistry

#: Every pack the issue names, per service: the export must hold at least these.
EXPECTED = {
    Service.RTA: {
        "cnf-rta",
        "insurer-response-admitted",
        "insurer-response-admitted-with-negligence",
        "insurer-response-not-admitted",
        "isp-request",
        "isp-response-full",
        "isp-response-partial",
        "s2sp-request",
        "s2sp-response-confirm",
        "s2sp-response-counter-offer",
        "s2sp-response-repudiation",
        "s2sp-counter-offer-cr",
        "s2sp-counter-offer-cm-accept",
        "s2sp-counter-offer-cm-new-offer",
        "ad-request",
        "ad-response-agree",
        "ad-response-counter-offer",
        "cpp-request",
        "cpp-response",
    },
    Service.ELPL: {"cnf-el", "cnf-eld", "cnf-pl", "isp-request", "s2sp-response-repudiation"},
}


def test_catalogue_and_shipped_files_agree() -> None:
    shipped = {
        p.relative_to(Path(str(catalogue.data_root()))).as_posix()
        for p in Path(str(catalogue.data_root())).rglob("*.xml")
    }
    listed = {f"{s.value}/{r}/{x.file_name()}" for s, r, x in catalogue.every()}
    assert shipped == listed


def test_every_pack_of_every_release_is_exported_and_gateway_validate_accepts_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["samples", "export", str(tmp_path)]) == 0
    index = (tmp_path / "README.txt").read_text("utf-8")
    for service, releases in catalogue.RELEASES.items():
        for release in releases:
            folder = tmp_path / service.value / release
            names = {p.stem for p in folder.glob("*.xml")}
            assert EXPECTED[service] <= names, (service, release)
            packs = {catalogue.by_name(n).pack for n in names}
            assert Pack.DATA not in packs
            plain = sorted(str(p) for p in folder.glob("*.xml") if p.stem != "cnf-resend")
            common = ["validate", "--service", service.value, "--release", release]
            capsys.readouterr()
            assert main([*common, *plain]) == 0, capsys.readouterr().out
            resend = str(folder / "cnf-resend.xml")
            assert main([*common, "--pack", "cnf-resend", resend]) == 0
            for name in names:
                assert f"{service.value}/{release}/{name}.xml" in index


def test_one_service_and_release(tmp_path: Path) -> None:
    assert main(["samples", "export", str(tmp_path), "--service", "elpl", "--release", "R6"]) == 0
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == ["elpl"]
    assert [p.name for p in (tmp_path / "elpl").iterdir()] == ["R6"]
    assert main(["samples", "export", str(tmp_path), "--service", "elpl", "--release", "R7"]) == 2


def test_an_invalid_sample_stops_the_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = ReleaseRegistry.load(default_schema_root(), eager=False)
    shipped = catalogue.text

    def broken(service: Service, release: str, name: str) -> str:
        body = shipped(service, release, name)
        return body.replace("LossType=", "Loss=", 1) if name == "s2sp-request" else body

    monkeypatch.setattr("gateway.samples.export.text", broken)
    with pytest.raises(SampleInvalid, match=re.escape("rta/R7/s2sp-request.xml")):
        export(tmp_path, registry, date.today(), [Service.RTA], ["R7"])
    assert not (tmp_path / "rta" / "R7" / "s2sp-request.xml").exists()


def test_dates_move_to_the_day_of_export() -> None:
    text = catalogue.text(Service.RTA, "R7", "cnf-rta")
    moved = tailor.shift_dates(text, 10)
    assert 'AccidentDate="2026-10-24"' in moved and 'AccidentDate="2026-10-14"' in text


def test_an_interim_offer_is_fitted_to_the_request_it_answers() -> None:
    request = catalogue.text(Service.RTA, "R7", "isp-request").replace(
        'LossType="10"', 'LossType="9"'
    )
    template = catalogue.text(Service.RTA, "R7", "isp-response-partial")
    full = tailor.isp_response_for(request, template, full=True)
    assert 'LossType="9"' in full and 'LossType="10"' not in full
    assert 'IsGrossAmountAgreed="0"' not in full
    partial = tailor.isp_response_for(request, template, full=False)
    assert 'GrossValueOffered="1472.00"' in partial
