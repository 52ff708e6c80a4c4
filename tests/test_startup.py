"""Start-up: the quick commands load only what they need (issue 10, point 1).

Each command runs in a fresh Python process, the way a user runs it, and reports which modules
it imported (``sys.modules``), not how long it took: a timing would depend on the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grouplens.store.ingest import import_paths

# What only an analysis needs: never loaded to list commands, layouts or groups.
HEAVY = ("sklearn", "scipy", "jieba", "pandas", "grouplens.analysis", "grouplens.roles", "grouplens.replies",
         "grouplens.text", "grouplens.report", "grouplens.simulate.engine", "grouplens.query")

CHILD = """
import json, sys
out, sys.argv = sys.argv[1], ["grouplens", *sys.argv[2:]]
from grouplens.__main__ import main
try:
    main()
    code = 0
except SystemExit as exit:
    code = exit.code or 0
with open(out, "w") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""


def run_cli(tmp_path: Path, *args: str) -> tuple[int, set[str], str]:
    """Exit code, imported modules and standard output of ``grouplens *args`` in a new process."""
    report = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", CHILD, str(report), *args], capture_output=True, text=True,
                          timeout=120)
    result = json.loads(report.read_text())
    return result["code"], set(result["modules"]), done.stdout


def heavy_modules(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("startup") / "store"
    samples = Path(__file__).resolve().parent.parent / "sample_logs" / "qq-txt" / "全部消息记录.txt"
    assert import_paths(store, [samples]).ok
    return store


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("roles", "--help")])
def test_help_and_version_load_no_analysis_module(tmp_path: Path, args: tuple[str, ...]) -> None:
    code, modules, stdout = run_cli(tmp_path, *args)
    assert code == 0
    assert stdout.strip()
    assert heavy_modules(modules) == []


def test_formats_loads_the_importers_but_no_analysis_module(tmp_path: Path) -> None:
    # The importers' module-level pyarrow set-up loads pandas (through pyarrow); the analyses stay out.
    code, modules, stdout = run_cli(tmp_path, "formats")
    assert code == 0 and "qq" in stdout
    assert [m for m in heavy_modules(modules) if m.split(".")[0] != "pandas"] == []


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_groups_lists_a_store_without_loading_pandas_or_an_analysis(tmp_path: Path, small_store: Path,
                                                                   fmt: str) -> None:
    code, modules, stdout = run_cli(tmp_path, "groups", "--store", str(small_store), "--format", fmt)
    assert code == 0
    assert heavy_modules(modules) == []
    if fmt == "json":
        groups = json.loads(stdout)
        assert {g["group_name"] for g in groups} == {"周末羽毛球交流群", "TRPG 跑团群"}
        assert all(g["message_count"] > 0 for g in groups)
    else:
        assert "周末羽毛球交流群" in stdout and "TRPG 跑团群" in stdout


def test_an_analysis_command_does_load_what_it_needs(tmp_path: Path, small_store: Path) -> None:
    """The check above can fail: a command that analyses loads the analysis modules."""
    code, modules, _ = run_cli(tmp_path, "roles", "--store", str(small_store), "--group", "周末羽毛球交流群",
                             "--format", "json")
    assert code == 0
    assert {"pandas", "grouplens.roles", "grouplens.analysis.group"} <= modules
