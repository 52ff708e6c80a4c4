"""The shape of the importers package: each export family is a folder that owns its shared code.

A layout module (one export layout, e.g. ``qq/txt.py``) may import its family's ``common.py``,
``importers/base.py``, ``importers/textutil.py`` and the package's bottom layer (``schema``,
``errors``); never a sibling layout or another family. A family's ``common.py`` imports only
``base``/``textutil`` and the bottom layer. So a change to one layout cannot break another.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

IMPORTERS = Path(__file__).resolve().parents[1] / "grouplens" / "importers"
FAMILIES = ("qq", "wechat", "other")
SHARED = {"base", "textutil"}
BOTTOM = {"schema", "errors"}


def _modules(kind: str) -> list[Path]:
    found = []
    for family in FAMILIES:
        for path in sorted((IMPORTERS / family).glob("*.py")):
            if path.name == "__init__.py":
                continue
            if (path.name == "common.py") == (kind == "common"):
                found.append(path)
    return found


def _imports(path: Path) -> list[tuple[int, str, list[str], int]]:
    """(level, module, names, line) of every import statement in the file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            out.append((node.level, node.module or "", [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            out.extend((0, a.name, [], node.lineno) for a in node.names)
    return out


def _violations(path: Path, *, may_use_common: bool) -> list[str]:
    bad = []
    for level, module, names, line in _imports(path):
        where = f"{path.parent.name}/{path.name}:{line}"
        if level == 0:
            if module.startswith("grouplens"):
                bad.append(f"{where}: absolute import of {module}")
        elif level == 1:  # the family folder
            if not (may_use_common and module == "common"):
                bad.append(f"{where}: imports .{module or ', '.join(names)} (a sibling)")
        elif level == 2:  # importers/
            if module not in SHARED:
                bad.append(f"{where}: imports ..{module or ', '.join(names)} (not base or textutil)")
        elif level == 3:  # grouplens/
            targets = {module} if module else set(names)
            if not targets <= BOTTOM:
                bad.append(f"{where}: imports ...{module or ', '.join(names)} (above the importers)")
        else:
            bad.append(f"{where}: relative import of level {level}")
    return bad


def test_every_family_has_a_folder_and_the_layouts_are_found() -> None:
    assert {p.parent.name for p in _modules("layout")} == set(FAMILIES)
    assert {p.parent.name for p in _modules("common")} == {"qq", "wechat"}


@pytest.mark.parametrize("path", _modules("layout"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_layout_imports_only_its_familys_common_module_base_and_textutil(path: Path) -> None:
    assert _violations(path, may_use_common=True) == []


@pytest.mark.parametrize("path", _modules("common"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_familys_common_module_imports_no_layout(path: Path) -> None:
    assert _violations(path, may_use_common=False) == []


def test_the_rule_catches_a_sibling_import(tmp_path: Path) -> None:
    layout = tmp_path / "mht.py"
    layout.write_text("from .txt import DATE_RE\nfrom ..wechat.chatlog import load_json\nfrom ..base import Importer\n",
                      encoding="utf-8")
    found = _violations(layout, may_use_common=True)
    assert len(found) == 2 and "sibling" in found[0] and "not base or textutil" in found[1]


def _defining(pattern: str) -> set[str]:
    rx = re.compile(pattern, re.M)
    return {path.relative_to(IMPORTERS).as_posix() for path in IMPORTERS.rglob("*.py")
            if rx.search(path.read_text(encoding="utf-8"))}


def test_platform_conventions_are_defined_once_in_base() -> None:
    """The system sender's name, the trailing-blank-lines pattern, the group-or-private guess and
    the roster schema are defined in base.py only."""
    assert _defining(r'^[A-Z_]+ = "系统消息"') == {"base.py"}
    assert _defining(r"\\n\[ \\t") == {"base.py"}  # (?:\n[ \t…]*)+ at the end of a text
    assert _defining(r"len\(speakers\) > 2|len\(senders\) > 2") == {"base.py"}
    assert _defining(r"^ROSTER_PARSED_SCHEMA = ") == {"base.py"}
