"""``gateway validate`` and ``gateway schemas`` as a user runs them (subprocesses): exit codes,
the three output formats, stdin, directories, parallel jobs, and the schema export."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from lxml import etree

from gateway.domain.services import Service
from gateway.validation import cli
from gateway.validation.packs import Pack
from gateway.validation.report import Report
from tests.unit.test_validation_samples import (
    CNF_ELPL_R6,
    CNF_RTA_R7,
    ISP_REQUEST,
    REPO,
    SCHEMAS,
    edit,
)

SENT = ["--sent-date", "2026-11-24"]
INVALID = edit(
    edit(CNF_RTA_R7, "AccidentData/AccidentDetails", AccidentTime="25:00"),
    "ApplicationData/ClaimDetails",
    RetainedCopy="0",
)
KEYS = ["file", "service", "release", "pack", "valid", "violations"]
VIOLATION_KEYS = ["kind", "rule", "path", "line", "message"]


def run(*args: str, stdin: str | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.validation.cli", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Three valid and two invalid RTA R7 CNFs, one of them in a sub-folder, and a non-XML file."""
    folder = tmp_path / "packs"
    (folder / "sub").mkdir(parents=True)
    for name in ("a.xml", "c.xml", "sub/e.xml"):
        (folder / name).write_text(CNF_RTA_R7, "utf-8")
    (folder / "b.xml").write_text(INVALID, "utf-8")
    (folder / "sub" / "d.xml").write_text("<DocumentInput>", "utf-8")
    (folder / "notes.txt").write_text("not a pack", "utf-8")
    return folder


def test_valid_file_exits_0_quietly(tmp_path: Path) -> None:
    path = tmp_path / "cnf.xml"
    path.write_text(CNF_RTA_R7, "utf-8")
    done = run("validate", str(path), *SENT)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "1 files, 1 valid, 0 invalid\n")


def test_text_format_lists_violations(corpus: Path) -> None:
    done = run("validate", str(corpus), *SENT)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    b, d = corpus / "b.xml", corpus / "sub" / "d.xml"
    assert lines[0].startswith(f"{b}:")
    assert any(
        line.startswith(f"{b}:")
        and line.endswith(
            "CNF-15 RetainedCopy must be 1: a signed statement of truth must be retained"
        )
        for line in lines
    )
    assert (
        "/DocumentInput/AccidentData/AccidentDetails/@AccidentTime: The value '25:00'" in (lines[0])
    )
    assert lines[-1].startswith(f"{d}:1: /: ")
    assert done.stderr == "5 files, 3 valid, 2 invalid\n"


def test_json_lines_are_stable_and_parallel_runs_agree(corpus: Path) -> None:
    one = run("validate", str(corpus), "--format", "json", "--jobs", "1", *SENT)
    two = run("validate", str(corpus), "--format", "json", "--jobs", "2", *SENT)
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    objects = [json.loads(line) for line in one.stdout.splitlines()]
    assert [Path(o["file"]).name for o in objects] == ["a.xml", "b.xml", "c.xml", "d.xml", "e.xml"]
    assert all(list(o) == KEYS for o in objects)
    assert [o["valid"] for o in objects] == [True, False, True, False, True]
    b = objects[1]
    assert (b["service"], b["release"], b["pack"]) == ("rta", "R7", "cnf")
    assert all(list(v) == VIOLATION_KEYS for v in b["violations"])
    assert [(v["kind"], v["rule"]) for v in b["violations"]] == [
        ("xsd", None),
        ("rule", "CNF-06"),
        ("rule", "CNF-15"),
    ]
    assert objects[3]["violations"][0]["kind"] == "xml"


def test_junit_parses(corpus: Path) -> None:
    done = run("validate", str(corpus), "--format", "junit", *SENT)
    assert done.returncode == 1
    suite = etree.fromstring(done.stdout.encode())
    assert (suite.tag, suite.get("tests"), suite.get("failures")) == ("testsuite", "5", "2")
    cases = suite.findall("testcase")
    assert [c.get("classname") for c in cases][:2] == ["rta.R7.cnf", "rta.R7.cnf"]
    failed = [c for c in cases if c.find("failure") is not None]
    assert [Path(str(c.get("name"))).name for c in failed] == ["b.xml", "d.xml"]
    assert "CNF-15" in (failed[0].findtext("failure") or "")


def test_stdin_and_options(tmp_path: Path) -> None:
    done = run("validate", "-", "--service", "elpl", "--format", "json", *SENT, stdin=CNF_ELPL_R6)
    report = json.loads(done.stdout)
    assert (done.returncode, report["file"], report["service"], report["release"]) == (
        0,
        "-",
        "elpl",
        "R6",
    )
    done = run(
        "validate",
        "-",
        "--release",
        "R5",
        "--pack",
        "cnf-resend",
        "--format",
        "json",
        *SENT,
        stdin=CNF_RTA_R7,
    )
    report = json.loads(done.stdout)
    assert (done.returncode, report["pack"], report["release"]) == (1, "cnf-resend", "R5")
    done = run("validate", "-", "--format", "json", *SENT, stdin=ISP_REQUEST)
    assert json.loads(done.stdout)["pack"] == "isp-request"


def test_the_sent_date_is_an_option(tmp_path: Path) -> None:
    path = tmp_path / "cnf.xml"
    path.write_text(CNF_RTA_R7, "utf-8")
    assert run("validate", str(path), "--sent-date", "2026-09-30").returncode == 1
    assert run("validate", str(path), "--sent-date", "2026-10-01").returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "nowhere.xml"], "no such file or directory: nowhere.xml"),
        (["validate", "-", "--release", "R4"], "rta has no release 'R4'"),
        (["validate", "-", "--service", "elpl", "--pack", "ad-request"], "has no ad-request"),
        (["validate", "-", "--schemas", "/nonexistent"], "does not exist"),
        (["validate", "-", "--sent-date", "24/11/2026"], "not a date"),
        (["validate", "-", "--jobs", "0"], "not a positive number"),
        (["validate"], "required"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    done = run(*args, stdin="")
    assert done.returncode == 2
    assert message in done.stderr


def test_an_unreadable_file_exits_2_after_the_others(corpus: Path) -> None:
    out, err = StringIO(), StringIO()
    outcomes: list[Report | cli.IOFailure] = [
        cli.IOFailure(str(corpus / "x.xml"), "Permission denied"),
        Report(str(corpus / "a.xml"), Service.RTA, "R7", Pack.CNF),
    ]
    assert cli._emit(outcomes, 2, "json", out, err) == 2
    assert "cannot read" in err.getvalue() and "Permission denied" in err.getvalue()
    assert json.loads(out.getvalue())["valid"] is True
    assert isinstance(cli._check_file(str(corpus)), cli.IOFailure)  # a folder cannot be read


def test_no_progress_bar_when_piped(tmp_path: Path) -> None:
    for n in range(25):
        (tmp_path / f"{n:02d}.xml").write_text(CNF_RTA_R7, "utf-8")
    done = run("validate", str(tmp_path), *SENT)
    assert (done.returncode, done.stderr) == (0, "25 files, 25 valid, 0 invalid\n")


def test_progress_bar_on_a_terminal() -> None:
    class Terminal(StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = cli.Progress(30, stream)
    for _ in range(30):
        progress.advance()
    progress.clear()
    assert "30/30" in stream.getvalue()
    quiet = StringIO()
    cli.Progress(30, quiet).advance()
    assert quiet.getvalue() == ""


def test_schemas_list() -> None:
    done = run("schemas", "list")
    assert done.returncode == 0
    assert "rta R7  processName RTA  version 7.0" in done.stdout
    assert "(judged by AddClaim_ClaimData-v3.8.xsd)" in done.stdout
    assert "(missing)" not in done.stdout
    listed = json.loads(run("schemas", "list", "--format", "json").stdout)
    assert [(r["service"], r["release"]) for r in listed["releases"]] == [
        ("rta", "R5"),
        ("rta", "R6"),
        ("rta", "R7"),
        ("elpl", "R5"),
        ("elpl", "R6"),
    ]


def test_schemas_export(tmp_path: Path) -> None:
    wsdl = tmp_path / "wsdl"
    wsdl.mkdir()
    (wsdl / "PIPWSTK.wsdl").write_text("<definitions/>", "utf-8")
    target = tmp_path / "export"
    done = run("schemas", "export", str(target), "--wsdl", str(wsdl))
    assert done.returncode == 0, done.stderr
    index = json.loads((target / "index.json").read_text("utf-8"))
    assert index["wsdl"] == ["wsdl/PIPWSTK.wsdl"]
    r7 = next(r for r in index["releases"] if (r["service"], r["release"]) == ("rta", "R7"))
    assert (r7["processName"], r7["processVersion"]) == ("RTA", "7.0")
    assert r7["packs"]["cnf"] == "rta/R7/AddClaim_ClaimData-v3.8.xsd"
    for release in index["releases"]:
        for file in release["packs"].values():
            assert (target / file).read_bytes() == (SCHEMAS / file).read_bytes()
    assert (target / "rta" / "R7" / "CommonTypes-RTA-R7.xsd").is_file()
    assert (target / "wsdl" / "PIPWSTK.wsdl").is_file()


def test_schemas_export_refuses_broken_schemas(tmp_path: Path) -> None:
    done = run("schemas", "export", str(tmp_path / "out"), "--schemas", str(tmp_path))
    assert done.returncode == 2
    assert "missing" in done.stderr


@pytest.mark.parametrize("size", [0, 1, 65_535, 65_536, 65_537, 3 * 65_536 + 5])
def test_files_are_read_whole(tmp_path: Path, size: int) -> None:
    # The reader takes 64 KiB a system call: a file of any length comes back byte for byte.
    path = tmp_path / "f.xml"
    data = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    path.write_bytes(data)
    assert cli._read(str(path)) == data
    with pytest.raises(OSError, match="No such file"):
        cli._read(str(tmp_path / "missing.xml"))
