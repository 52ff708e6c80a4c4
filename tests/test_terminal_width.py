"""Tables in an 80-column terminal (rich ``Console(width=80)``): one line a row, figures whole,
names and texts giving way with an ellipsis; written to a pipe, nothing is cut."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from grouplens import import_paths, open_store
from grouplens.cli import app
from grouplens.report import build_report, kind_names
from grouplens.report.terminal import render_terminal

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"
runner = CliRunner()


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("width") / "store"
    import_paths(path, [SAMPLES])
    return path


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sim")
    result = runner.invoke(app, ["simulate", "--out", str(folder / "sim"), "--members", "90", "--weeks", "5",
                                 "--seed", "4"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["import", str(folder / "sim"), "--store", str(folder / "store")])
    assert result.exit_code == 0, result.output
    return folder / "store"


def in_terminal(monkeypatch, *args: str, width: int = 80) -> list[str]:
    """The command's output as an 80-column terminal shows it."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=True, color_system=None, soft_wrap=False)
    monkeypatch.setattr("grouplens.cli.output.terminal", lambda: console)
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    lines = buffer.getvalue().rstrip("\n").split("\n")
    assert max(cell_len(line) for line in lines) <= width, "\n".join(lines)
    return lines


def test_roles_of_a_big_group_take_one_line_a_member_in_the_report_language(monkeypatch, simulated):
    members = json.loads(runner.invoke(app, ["roles", "--store", str(simulated), "--format", "json"]).stdout)
    lines = in_terminal(monkeypatch, "roles", "--store", str(simulated))
    assert len(lines) == len(members) + 3  # title, header, rule: nothing wraps
    assert lines[1].split() == ["成员", "角色", "标签", "影响力", "消息", "原因"]
    assert not any('["' in line for line in lines)  # tags are words, not JSON
    assert any("意见领袖" in line or "运营" in line for line in lines)
    english = in_terminal(monkeypatch, "roles", "--store", str(simulated), "--lang", "en")
    assert english[1].split() == ["member", "role", "tags", "infl.", "msgs", "reason"]


def test_messages_show_local_minutes_and_one_line_each(monkeypatch, simulated):
    lines = in_terminal(monkeypatch, "messages", "--store", str(simulated), "--limit", "40")
    assert len(lines) == 42
    assert all(re.match(r"\d\d-\d\d \d\d:\d\d ", line) for line in lines[2:])


def test_members_groups_import_and_formats_fit(monkeypatch, samples, simulated, tmp_path):
    members = in_terminal(monkeypatch, "members", "--store", str(simulated))
    assert len(members) == len(open_store(simulated).members()) + 3
    groups = in_terminal(monkeypatch, "groups", "--store", str(samples))
    assert len(groups) == len(open_store(samples).groups(private=False)) + 3
    imported = in_terminal(monkeypatch, "import", str(SAMPLES), "--store", str(tmp_path / "again"))
    files = json.loads(runner.invoke(app, ["import", str(SAMPLES), "--store", str(tmp_path / "again"),
                                           "--json"]).stdout)["files"]
    assert len(imported) == len(files) + 4  # title, header, rule, total
    formats = in_terminal(monkeypatch, "formats")
    assert " ".join(formats).count("qq-txt") == 1


def test_every_report_kind_fits_80_columns(samples, simulated):
    for kind in kind_names():
        store, group = (open_store(simulated), None) if kind == "groups" else (open_store(samples), "心内科患者交流群")
        report = build_report(store, kind, group, member="老陈" if kind == "member" else None).to_dict()
        for lang in ("zh", "en"):  # the labels of both languages (the data's sentences stay as built)
            out = io.StringIO()
            render_terminal({**report, "lang": lang}, Console(file=out, width=80, color_system=None))
            widest = max(cell_len(line) for line in out.getvalue().split("\n"))
            assert widest <= 80, (kind, lang, widest)


def test_a_pipe_gets_every_name_and_text_whole(samples, simulated):
    reasons = [m["reason"] for m in json.loads(runner.invoke(app, ["roles", "--store", str(simulated),
                                                                   "--format", "json"]).stdout)]
    piped = runner.invoke(app, ["roles", "--store", str(simulated)]).stdout
    assert all(reason in piped for reason in reasons)
    messages = open_store(samples).messages("心内科患者交流群")
    longest = max((t for t in messages["text"].dropna() if "\n" not in t), key=len)
    assert longest in runner.invoke(app, ["messages", "--store", str(samples), "-g", "心内科患者交流群",
                                          "--limit", "0"]).stdout
    report = runner.invoke(app, ["report", "--store", str(samples), "-g", "心内科患者交流群"]).stdout
    assert "…" not in report.replace("2024-03-18 … 2024-03-24", "")
