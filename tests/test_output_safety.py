"""What a hostile group cannot do to the operator (issue 16, items 7 and 8): no CSV cell opens in
a spreadsheet as a formula, and no escape sequence or control character reaches the terminal;
the store and the JSON keep every character as it was posted."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from report_groups import Group, Msg, build_store
from rich.console import Console
from typer.testing import CliRunner

from grouplens.cli import app
from grouplens.cli.output import wide_console
from grouplens.display import spreadsheet_safe, terminal_safe
from grouplens.report import build_report, kind_names
from grouplens.report.tables import write_report_csv
from grouplens.report.terminal import render_terminal
from grouplens.store.store import open_store

runner = CliRunner()
NAMES = {"81": "=cmd|' /C calc'!A0", "82": "+SUM(1,2)", "83": "@恶意", "84": "\x1b[2J\x1b[H清屏哥",
         "85": "\x1b]8;;https://evil.example/\x1b\\点我\x1b]8;;\x1b\\", "86": "上移\x1b[1A\x1b[2K姐", "87": "-2+3",
         "88": "响铃\x07\x9b31m红\u202e反向"}
TEXTS = ['=HYPERLINK("https://evil.example/","点这里领奖")', "+1-2 请问这个怎么算？", "@SUM(A1:A9) 大家好",
         "\t=1+1", "\r=2+2", "-3", "\x1b[2J\x1b[3J清屏了吗？", "\x1b]52;c;ZXZpbA==\x07复制", "正常的消息"]
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def hostile_group() -> Group:
    """Eight members with formula and escape-sequence names post formulas, escape sequences and
    questions every day of 2024-W10, and reply to each other."""
    messages = []
    for day in range(4, 11):
        for k, text in enumerate(TEXTS):
            who = list(NAMES)[k % len(NAMES)]
            messages.append(Msg(f"2024-03-{day:02d} {9 + k}:00", who, text, id=f"d{day}k{k}"))
            messages.append(Msg(f"2024-03-{day:02d} {9 + k}:05", list(NAMES)[(k + 1) % len(NAMES)],
                                "=收到 加V：sale8888 低价代购", reply=f"d{day}k{k}"))
    roster = [(mid, name, "2024-01-01 08:00", "member") for mid, name in NAMES.items()]
    return Group("恶意测试群", NAMES, messages, roster)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return str(build_store(tmp_path_factory.mktemp("safety") / "store", hostile_group()).path)


@pytest.fixture(scope="module")
def reports(store) -> dict[str, dict]:
    """Every kind of report on the hostile group's 2024-W10, built once (the member page about
    the member whose name would clear the screen)."""
    return {kind: build_report(open_store(store), kind, None if kind == "groups" else "恶意测试群",
                               week="2024-W10", member="84" if kind == "member" else None).to_dict()
            for kind in kind_names()}


def report_csv(report: dict) -> str:
    buffer = io.StringIO()
    write_report_csv(report, buffer)
    return buffer.getvalue()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def test_cells_that_would_start_a_formula_get_a_quote_and_plain_numbers_stay():
    assert spreadsheet_safe('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert [spreadsheet_safe(c) for c in ("+1-2", "@SUM(A1)", "\t=1", "\r=1", "-2+3")] == \
        ["'+1-2", "'@SUM(A1)", "'\t=1", "'\r=1", "'-2+3"]
    assert [spreadsheet_safe(c) for c in ("-3", "+0.5", "-1.5e3", "12%", "正常", "")] == \
        ["-3", "+0.5", "-1.5e3", "12%", "正常", ""]


def test_no_csv_output_holds_a_formula(store, reports):
    outputs = {
        "messages": run("messages", "--store", store, "--format", "csv"),
        "members": run("members", "--store", store, "--format", "csv"),
        "roles": run("roles", "--store", store, "--format", "csv"),
        "engagement": run("engagement", "--store", store, "--format", "csv"),
        "keywords": run("keywords", "--store", store, "--format", "csv", "--by", "member"),
        "groups": run("groups", "--store", store, "--format", "csv"),
        "search": run("search", "=", "--all", "--store", store, "--format", "csv"),
        "sql": run("sql", "SELECT sender_name, text FROM messages", "--store", store, "--format", "csv"),
        "report": run("report", "--store", store, "--format", "csv", "--week", "2024-W10"),
        **{f"report {kind}": report_csv(report) for kind, report in reports.items()},
    }
    reached = 0
    for name, text in outputs.items():
        cells = csv_cells(text)
        bad = [c for c in cells if c.startswith(FORMULA) and c != spreadsheet_safe(c)]
        assert not bad, (name, bad[:3])
        reached += sum(c.startswith("'") and spreadsheet_safe(c[1:]) == c for c in cells)
    assert reached > 100  # the hostile cells were there, neutralised


def test_csv_formulas_keeps_cells_as_posted_for_machines(store):
    raw = csv_cells(run("messages", "--store", store, "--format", "csv", "--csv-formulas"))
    assert TEXTS[0] in raw and "\t=1+1" in raw and NAMES["81"] in raw
    report = csv_cells(run("report", "kol", "--store", store, "--format", "csv", "--week", "2024-W10",
                           "--csv-formulas"))
    assert NAMES["81"] in report


def test_csv_written_to_a_file_or_for_excel_starts_with_a_byte_order_mark(store, tmp_path):
    run("messages", "--store", store, "--format", "csv", "-o", str(tmp_path / "m.csv"))
    assert (tmp_path / "m.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    run("report", "--store", store, "--format", "csv", "-o", str(tmp_path / "r.csv"), "--week", "2024-W10")
    assert (tmp_path / "r.csv").read_bytes().startswith(b"\xef\xbb\xbfmetric,")
    assert not run("messages", "--store", store, "--format", "csv").startswith("\ufeff")
    assert run("messages", "--store", store, "--format", "csv", "--excel").startswith("\ufeff")


def assert_clean(text: str, where: str) -> None:
    assert "\x1b" not in text and "\x9b" not in text, where
    assert not CONTROL.findall(text.replace("\n", "")), (where, CONTROL.findall(text)[:5])


def terminal_output(monkeypatch, *args: str) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, force_terminal=True, color_system=None, soft_wrap=False)
    monkeypatch.setattr("grouplens.cli.output.terminal", lambda: console)
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return buffer.getvalue()


def test_no_escape_sequence_or_control_character_reaches_the_terminal(store, reports, monkeypatch):
    commands = [("messages",), ("members",), ("roles",), ("engagement",), ("keywords", "--by", "member"),
                ("groups",), ("report", "--week", "2024-W10"), ("search", "清屏", "--all"),
                ("sql", "SELECT sender_name, text FROM messages LIMIT 50")]
    for command in commands:
        assert_clean(terminal_output(monkeypatch, *command, "--store", store), " ".join(command))
    monkeypatch.undo()
    for command in commands:
        assert_clean(run(*command, "--store", store), " ".join(command) + " (piped)")
    for kind, report in reports.items():  # every kind's page, in a terminal and to a pipe
        for console in (Console(file=io.StringIO(), width=100, force_terminal=True, color_system=None),
                        wide_console(io.StringIO())):
            render_terminal(report, console, fit=console.width == 100)
            assert_clean(console.file.getvalue(), kind)
    assert "清屏哥" in run("members", "--store", store) and "点我" in run("members", "--store", store)
    explained = run("roles", "--store", store, "--explain", "清屏哥")
    assert_clean(explained, "roles --explain")
    missing = runner.invoke(app, ["report", "--store", store, "-g", "\x1b[2J无此群"])
    assert missing.exit_code == 1 and "无此群" in missing.stderr
    assert_clean(missing.stderr, "an error naming the group")


def test_the_json_keeps_every_character(store):
    rows = [json.loads(line) for line in run("messages", "--store", store, "--format", "jsonl").splitlines()]
    assert {r["sender_name"] for r in rows} == set(NAMES.values())
    assert set(TEXTS) <= {r["text"] for r in rows}
    report = json.loads(run("report", "activity", "--store", store, "--format", "json", "--week", "2024-W10"))
    assert {t["name"] for t in report["data"]["top_talkers"]} == set(NAMES.values())


def test_terminal_safe_removes_sequences_but_keeps_the_words():
    assert terminal_safe("\x1b[2J\x1b[H清屏哥") == "清屏哥"
    assert terminal_safe("\x1b]8;;https://evil.example/\x1b\\点我\x1b]8;;\x1b\\") == "点我"
    assert terminal_safe("\x1b]52;c;ZXZpbA==\x07复制") == "复制"
    assert terminal_safe("上移\x1b[1A\x1b[2K姐") == "上移姐"
    assert terminal_safe("响铃\x07\x9b31m红\u202e反向") == "响铃红反向"
    assert terminal_safe("a\tb\nc\r\nd") == "a b c  d"
