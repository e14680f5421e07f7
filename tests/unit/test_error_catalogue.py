"""docs/errors.md is what tools/gen_errors.py writes from the code's one list of keys, and that
list is complete: every key the gateway can answer, exactly the keys of operations.md section 6."""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from gateway import errors

ROOT = Path(__file__).resolve().parents[2]


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_errors", ROOT / "tools" / "gen_errors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_committed_catalogue_is_what_the_generator_writes() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_errors.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_the_catalogue_lists_exactly_the_keys_of_operations_md_section_6(spec: Path) -> None:
    text = (spec / "operations.md").read_text(encoding="utf-8")
    section = text[text.index("## 6. Error catalogue") :]
    wanted = {
        key
        for row in re.findall(r"^\| (`[A-Z0-9_]+`(?: / `[A-Z0-9_]+`)*) \|", section, re.MULTILINE)
        for key in re.findall(r"`([A-Z0-9_]+)`", row)
    }
    documented = set(
        re.findall(r"^## ([A-Z0-9_]+)$", (ROOT / "docs" / "errors.md").read_text(), re.M)
    )
    assert len(wanted) == 30
    assert documented == wanted
    assert set(generator().keys()) == wanted


def _raised_keys() -> set[str]:
    """Every key the code names: the refusal classes' own and every ``key="..."`` argument."""
    keys = {
        cls.key
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.Refusal)
    }
    for path in (ROOT / "gateway").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.keyword)
                and node.arg == "key"
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                keys.add(node.value.value)
    return keys


def test_every_key_the_code_raises_is_in_the_one_list() -> None:
    raised = _raised_keys()
    assert {"AUTH_TOKEN_EXPIRED", "GUID_STALE", "RATE_LIMITED"} <= raised  # the scan sees them
    assert raised <= set(errors.MESSAGES)
    gen = generator()
    assert set(gen.UNSENT) <= set(errors.MESSAGES)  # no stale exclusion
    assert set(gen.keys()) == (set(errors.MESSAGES) - set(gen.UNSENT)) | {"INTERNAL_ERROR"}
