"""Dependencies point inward (STYLE.md): the domain and validation layers do no storage or SOAP,
only the store (and the unit of work) talks SQLAlchemy, and nothing reads os.environ deep down."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent.parent / "gateway"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def _modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", ["domain", "validation"])
def test_inner_layers_import_no_storage_soap_or_service(folder: str) -> None:
    for path in _modules(folder):
        bad = {
            m
            for m in _imports(path)
            if m.split(".")[0] in {"sqlalchemy", "alembic", "spyne"}
            or m.startswith(("gateway.store", "gateway.service", "gateway.soap"))
        }
        assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"


def test_domain_imports_no_xml_library() -> None:
    for path in _modules("domain"):
        assert "lxml" not in {m.split(".")[0] for m in _imports(path)}, path


def test_only_the_store_and_the_unit_of_work_import_sqlalchemy() -> None:
    for path in _modules("service"):
        if path.name == "unit_of_work.py":
            continue
        bad = {m for m in _imports(path) if m.split(".")[0] == "sqlalchemy"}
        assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"


def test_soap_layer_imports_no_sqlalchemy() -> None:
    for path in _modules("soap"):
        bad = {
            m for m in _imports(path) if m.split(".")[0] == "sqlalchemy" and path.name != "app.py"
        }  # app.py: the health check's SELECT 1 only
        assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"


def test_environment_is_read_only_by_the_factories() -> None:
    # serve.py: sets (never reads) prometheus-client's multiprocess directory for its workers
    allowed = {"config.py", "app.py", "cli.py", "timeouts_cli.py", "serve.py"}
    for path in PACKAGE.rglob("*.py"):
        if path.name not in allowed:
            assert "os.environ" not in path.read_text(encoding="utf-8"), path
