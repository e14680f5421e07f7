"""The production example in deploy/: the systemd units pass ``systemd-analyze verify`` (with
this checkout's ``gateway`` in place of /opt/a2a-gateway's), and every ``gateway`` command they
run is one the CLI accepts."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "deploy" / "systemd").iterdir())
INSTALLED = "/opt/a2a-gateway/.venv/bin/gateway"
GATEWAY = str(Path(sys.executable).parent / "gateway")


def _here(unit: Path, folder: Path) -> Path:
    text = unit.read_text().replace(INSTALLED, GATEWAY)
    text = "\n".join(
        "User=root"
        if line.startswith("User=")
        else "Group=root"
        if line.startswith("Group=")
        else line
        for line in text.splitlines()
    )
    copy = folder / unit.name
    copy.write_text(text + "\n")
    return copy


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
def test_the_units_verify(tmp_path: Path) -> None:
    copies = [str(_here(unit, tmp_path)) for unit in UNITS]
    verified = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *copies], capture_output=True, text=True
    )
    assert verified.returncode == 0, verified.stderr


def test_every_gateway_command_of_the_units_parses() -> None:
    commands = [
        shlex.split(line.split("=", 1)[1])
        for unit in UNITS
        for line in unit.read_text().splitlines()
        if line.startswith("ExecStart=") and INSTALLED in line
    ]
    assert len(commands) == 3  # migrate, serve, timeouts
    for command in commands:
        parsed = subprocess.run(
            [GATEWAY, *command[1:], "--help"], capture_output=True, text=True, timeout=60
        )
        assert parsed.returncode == 0, (command, parsed.stderr)
