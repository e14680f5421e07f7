"""What ``gateway schemas`` shows and ships: the release table as text or JSON, and an export.

The export copies every release folder of ``schemas/`` (pack schemas and the shared types they
include), the ``*.wsdl`` files of ``wsdl/`` and writes ``index.json``: service, release, process
version and pack -> file, so a client can fetch the schemas of a claim's release without the
gateway running.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from gateway.validation.registry import ReleaseRegistry


def release_index(registry: ReleaseRegistry) -> list[dict[str, Any]]:
    """Service, release, process version and pack -> file of every release."""
    return [
        {
            "service": r.service.value,
            "release": r.name,
            "processName": r.process_name,
            "processVersion": r.version,
            "closedToNewClaims": r.closed_to_new_claims,
            "packs": {p.value: f"{r.folder.as_posix()}/{f}" for p, f in r.files.items()},
            "judgedBy": {p.value: f"{r.folder.as_posix()}/{f}" for p, f in r.judged_by.items()},
        }
        for r in registry.releases()
    ]


def release_table(registry: ReleaseRegistry) -> list[str]:
    """One line per release and one per pack file, marking files missing from the folder."""
    lines = []
    for release in registry.releases():
        lines.append(
            f"{release.service.value} {release.name}  processName "
            f"{release.process_name}  version {release.version}"
        )
        for pack, name in release.files.items():
            present = (registry.schema_root / release.folder / name).is_file()
            judged = release.judged_by.get(pack)
            lines.append(
                f"  {pack.value:<24}{name}"
                f"{f'  (judged by {judged})' if judged else ''}"
                f"{'' if present else '  (missing)'}"
            )
    return lines


def export(registry: ReleaseRegistry, target: Path, wsdl_dir: Path) -> list[Path]:
    """Copy every release folder and the WSDLs of ``wsdl_dir`` to ``target``, write
    ``index.json`` and return the WSDLs copied. Raises ``OSError``."""
    for release in registry.releases():
        shutil.copytree(
            registry.schema_root / release.folder, target / release.folder, dirs_exist_ok=True
        )
    wsdls = sorted(wsdl_dir.glob("*.wsdl")) if wsdl_dir.is_dir() else []
    if wsdls:
        (target / "wsdl").mkdir(parents=True, exist_ok=True)
    for wsdl in wsdls:
        shutil.copy2(wsdl, target / "wsdl" / wsdl.name)
    index = {"releases": release_index(registry), "wsdl": [f"wsdl/{w.name}" for w in wsdls]}
    (target / "index.json").write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    return wsdls
