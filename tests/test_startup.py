"""Start-up: the quick commands load only what they need (issue 10, point 1).

Each command runs in a fresh Python process, the way a user runs it, and reports which modules
it imported (``sys.modules``), not how long it took: a timing would depend on the machine.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import pytest
import typer

import grouplens
from grouplens.cli import app
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


# --- help: rendered as rich's Markdown renders it, without loading a Markdown parser ------------

def test_help_loads_no_markdown_parser_and_lists_every_command(tmp_path: Path) -> None:
    code, modules, stdout = run_cli(tmp_path, "--help")
    assert code == 0
    assert not {"markdown_it", "rich.markdown", "pygments", "rich.syntax", "rich.traceback"} & modules
    group = typer.main.get_command(app)
    for name in group.commands:  # every command, under its panel, with its summary
        assert f" {name} " in stdout
    assert "Data in and out" in stdout and "Start with grouplens import EXPORTS_FOLDER" in stdout
    assert "--install-completion" in stdout and "--show-completion" in stdout


def test_version_is_printed_without_loading_the_cli(tmp_path: Path) -> None:
    code, modules, stdout = run_cli(tmp_path, "--version")
    assert code == 0 and stdout.strip() == f"grouplens {grouplens.__version__}"
    assert not {"typer", "rich", "grouplens.cli"} & modules


def test_groups_converts_its_options_without_pydantic(tmp_path: Path, small_store: Path) -> None:
    code, modules, _ = run_cli(tmp_path, "groups", "--store", str(small_store), "--format", "json", "--private")
    assert code == 0
    assert not {m.split(".")[0] for m in modules} & {"pydantic", "pydantic_core"}
    assert "concurrent.futures.process" not in modules  # the process pool stays out: groups runs no engine


# Texts rich's Markdown reads as more than paragraphs and code spans (HelpMarkdown hands those to
# it) and texts it reads as only that (HelpMarkdown renders those itself): both must look the same.
MARKDOWN_TEXTS = [
    "", "   ", "One line.", "Two lines\nof one paragraph.", "A paragraph.\n\nAnother one, with `code`.",
    "`code` first, then text and `more code`.", "Spaces  inside  are  kept.", "  leading and trailing  ",
    "Start with `grouplens import EXPORTS_FOLDER`, then `grouplens groups`.",
    "Thresholds live in the [roles] section; compact_after and [store] compact_after.",
    "An escaped \\[roles] section and a \\\\ backslash.", "A && B, a & b, but &amp; and &#42; are entities.",
    "Member ids like `name:<name>` in code, and <b>html</b> outside.", "An <https://example.com> autolink.",
    "*emphasis* and **strong** and _under_ and a_b_c and snake_case_name.", "count(*) AS n", "_x", "x_",
    "A [link](https://example.com) and a [ref][x] and ![an image](i.png).", "[x]: https://example.com\n\n[x]",
    "- a list\n- of items", "1. one\n2. two", "A paragraph\n- then a list", "# Heading", "Title\n=====",
    "Title\n---", "> quoted", "    indented code", "```\nfence\n```", "~~struck~~ and ~/home", "a | b\n--|--\n1 | 2",
    "Hard  \nbreak", "Hard\\\nbreak", "Tab\there", "`` double ` backticks ``", "` spaced `", "`unclosed code",
    "A `code\nacross lines` span.", "思想者、意见领袖 …；--format csv/json keep the codes.", "3.5 GB\n2024-03-01 is a day",
    "Emoji :smile: stay text here", "Ends with a backslash \\", "Line one\n    line two indented",
    "A && B and a & b", "Only `name:<name>` in code, `a*b*c` and `[x](y)` too.", "a_b_c and snake_case_name",
    "grouplens import ~/exports/ && grouplens groups", "Exits 0 (or 1).\n\n\n\nExample: `x`",
]


@pytest.mark.parametrize("width", [24, 60, 100])
@pytest.mark.parametrize("style", ["", "dim", "bold red"])
def test_help_markdown_renders_every_text_as_rich_markdown_does(width: int, style: str) -> None:
    from rich.console import Console
    from rich.markdown import Markdown

    from grouplens.cli.help_markdown import HelpMarkdown

    def render(renderable: object) -> str:
        console = Console(file=io.StringIO(), width=width, force_terminal=True, color_system="truecolor")
        console.print(renderable)
        return re.sub(r"id=\d+;", "id=;", console.file.getvalue())  # a hyperlink's id is random

    for text in MARKDOWN_TEXTS:
        assert render(HelpMarkdown(text, style=style)) == render(Markdown(text, style=style)), text


def test_help_markdown_renders_plain_texts_itself_and_hands_the_others_to_rich() -> None:
    from grouplens.cli.help_markdown import plain_paragraphs

    assert plain_paragraphs("Start with `grouplens import`,\nthen `grouplens groups`.") == [
        [("text", "Start with "), ("code", "grouplens import"), ("text", ","), ("break", " "), ("text", "then "),
         ("code", "grouplens groups"), ("text", ".")]]
    assert plain_paragraphs("In \\[roles] of grouplens.toml && snake_case.") == [
        [("text", "In [roles] of grouplens.toml && snake_case.")]]
    for markdown in ("*emphasis*", "- item", "a [link](x)", "&amp;", "<b>", "_x_", "Title\n---", "    code"):
        assert plain_paragraphs(markdown) is None, markdown


def every_help(group: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [path]
    for name, command in getattr(group, "commands", {}).items():
        paths += every_help(command, (*path, name))
    return paths


@pytest.mark.parametrize("width", [60, 100])
@pytest.mark.parametrize("colour", [False, True])
def test_every_help_page_is_the_one_rich_markdown_prints(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str], width: int,
                                                        colour: bool) -> None:
    import rich.markdown
    import typer.rich_utils

    from grouplens.cli.help_markdown import HelpMarkdown

    monkeypatch.setattr(typer.rich_utils, "MAX_WIDTH", width)
    monkeypatch.setattr(typer.rich_utils, "FORCE_TERMINAL", colour)
    monkeypatch.setattr(typer.rich_utils, "COLOR_SYSTEM", "truecolor" if colour else None)
    group = typer.main.get_command(app)

    def page(path: tuple[str, ...], markdown: type) -> str:
        monkeypatch.setattr(typer.rich_utils, "Markdown", markdown)
        with pytest.raises(SystemExit) as exit:
            group.main([*path, "--help"], prog_name="grouplens")
        assert exit.value.code == 0
        return capsys.readouterr().out

    for path in every_help(group):
        ours = page(path, HelpMarkdown)
        assert ours == page(path, rich.markdown.Markdown), path
        assert "Usage:" in ours


# --- option values: converted without pydantic where typer's result needs none ------------------

class Shape(str, Enum):
    table = "table"
    json = "json"


def test_option_values_are_the_ones_typer_itself_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from grouplens.cli import coercion

    if not coercion.install():
        pytest.skip("this typer converts option values without a pydantic layer")
    from typer import _coercion, core

    demo = typer.Typer()

    @demo.command()
    def show(paths: Annotated[list[str] | None, typer.Argument()] = None, name: str | None = None,
             shape: Shape = Shape.table, loose: Annotated[Shape | None, typer.Option(case_sensitive=False)] = None,
             n: Annotated[int | None, typer.Option(min=1)] = None, out: Path | None = None,
             flag: bool = False) -> None:
        print(repr((paths, name, shape, loose, n, out, flag)))

    runs = [[], ["--name", "x"], ["--name", ""], ["a", "b"], ["--shape", "json"], ["--shape", "JSON"],
            ["--shape", "xml"], ["--loose", "JSON"], ["--loose", "nope"], ["--n", "3"], ["--n", "0"],
            ["--n", "x"], ["--out", "o.txt"], ["--flag"]]

    def outputs() -> list[tuple[int, str]]:
        return [(r.exit_code, r.output) for r in (CliRunner().invoke(demo, args) for args in runs)]

    assert getattr(core.build_runtime_param, "quick", False)
    quick = outputs()
    monkeypatch.setattr(core, "build_runtime_param", _coercion.build_runtime_param)  # typer's own
    assert outputs() == quick
    assert quick[4] == (0, "(None, None, <Shape.json: 'json'>, None, None, None, False)\n")
    assert quick[6][0] == 2 and "'xml' is not one of 'table'," in quick[6][1]


# --- commands: a command on the command line loads its own module only --------------------------

def test_groups_loads_no_other_command_module(tmp_path: Path, small_store: Path) -> None:
    code, modules, _ = run_cli(tmp_path, "--store", str(small_store), "groups")
    assert code == 0
    assert {m for m in modules if m.startswith("grouplens.cli.") and m.endswith("_commands")} == {
        "grouplens.cli.data_commands"}
    assert "grouplens.simulate" not in modules


def test_the_command_table_names_the_module_of_every_command() -> None:
    from grouplens.cli.app import COMMAND_MODULES

    registered = [(c.name, c.callback.__module__) for c in app.registered_commands]
    assert registered == [(name, f"grouplens.cli.{module}") for module, names in COMMAND_MODULES.items()
                          for name in names]


def test_the_options_before_a_command_are_the_ones_command_in_skips() -> None:
    from grouplens.cli.app import GLOBAL_FLAGS, GLOBAL_VALUE_OPTIONS, command_in

    params = typer.main.get_command(app).params
    assert {o for p in params if not p.is_flag for o in p.opts} == set(GLOBAL_VALUE_OPTIONS)
    assert {o for p in params if p.is_flag for o in p.opts} - {"--version", "--install-completion",
                                                               "--show-completion"} == set(GLOBAL_FLAGS)
    assert command_in(["groups", "-f", "json"]) == "groups"
    assert command_in(["--store", "s", "--tz=UTC", "--debug", "--config", "c.toml", "roles", "--all"]) == "roles"
    assert command_in(["--store=s", "report", "weekly"]) == "report"
    for args in ([], ["--help"], ["--store", "s"], ["--version", "groups"], ["--show-completion"], ["-x", "groups"]):
        assert command_in(args) is None, args


@pytest.mark.parametrize("args", [("grups",), ("--store", "x", "nosuch", "--help")])
def test_an_unknown_command_is_named_with_every_command_loaded(tmp_path: Path, args: tuple[str, ...]) -> None:
    report = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", CHILD, str(report), *args], capture_output=True, text=True,
                          timeout=120)
    result = json.loads(report.read_text())
    assert result["code"] == 2
    assert "No such command" in done.stderr
    assert "grouplens.cli.store_commands" in result["modules"]


def test_after_running_one_command_the_app_still_has_every_command(tmp_path: Path) -> None:
    """A process that runs ``main`` (its command's module only) and then uses ``app`` again."""
    script = """
import json, sys, typer
sys.argv = ["grouplens", "formats", "--format", "json"]
from grouplens.cli.app import app, main
try:
    main()
except SystemExit:
    pass
print(json.dumps(list(typer.main.get_command(app).commands)))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    from grouplens.cli.app import COMMAND_MODULES

    last = done.stdout.strip().splitlines()[-1]
    assert json.loads(last) == [name for names in COMMAND_MODULES.values() for name in names]
