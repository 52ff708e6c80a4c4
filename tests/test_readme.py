"""The README is a script: every `grouplens` command and Python block in it, from "Try it on the
samples" on, runs in order on a copy of sample_logs/ and succeeds; its terminal excerpt is what
the command prints in 80 columns; its table of report kinds is the registry's."""

from __future__ import annotations

import io
import re
import shlex
import shutil
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from grouplens.cli import app
from grouplens.report import all_kinds

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SCRIPT = README.split("## Try it on the samples", 1)[1]
runner = CliRunner()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", SCRIPT, re.DOTALL)


def commands() -> list[list[str]]:
    """Each `grouplens …` line of the sh blocks, as arguments (comments dropped)."""
    out = []
    for block in blocks("sh"):
        for line in block.splitlines():
            if line.startswith("grouplens "):
                out.append(shlex.split(line, comments=True)[1:])
    return out


def invoke(args: list[str]):
    """Run one command line; ``> FILE`` writes its output to the file."""
    target = None
    if ">" in args:
        args, target = args[:args.index(">")], args[args.index(">") + 1]
    result = runner.invoke(app, args)
    if target is not None:
        Path(target).write_text(result.stdout, encoding="utf-8")
    return result


def test_the_readme_runs_top_to_bottom_on_the_samples(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "sample_logs", tmp_path / "sample_logs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GROUPLENS_STORE", raising=False)
    script = commands()
    assert len(script) >= 25 and script[0] == ["import", "sample_logs/"]
    for args in script:
        result = invoke(args)
        assert result.exit_code == 0, (args, result.output[-2000:])
    for block in blocks("python"):
        exec(compile(block, "README.md", "exec"), {})
    assert (tmp_path / "week.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (tmp_path / "questions.csv").read_bytes().startswith(b"\xef\xbb\xbf")

    excerpt = re.search(r"In an 80-column terminal \(`grouplens (.*?)`\):\n\n```text\n(.*?)```", README, re.DOTALL)
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, force_terminal=True, color_system=None, soft_wrap=False)
    monkeypatch.setattr("grouplens.cli.output.terminal", lambda: console)
    assert runner.invoke(app, shlex.split(excerpt.group(1))).exit_code == 0
    shown = [line.rstrip() for line in buffer.getvalue().splitlines()]
    expected = excerpt.group(2).rstrip("\n").splitlines()
    assert shown[:len(expected)] == expected


@pytest.mark.parametrize("kind", all_kinds(), ids=lambda k: k.name)
def test_the_readme_lists_every_report_kind_as_registered(kind):
    assert re.search(rf"^\| `{kind.name}`[^|]*\| {re.escape(kind.summary)} \|$", README, re.MULTILINE)
