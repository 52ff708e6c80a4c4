"""Report kinds are registered records: one module per kind, one page model that every writer
renders. Registering a kind (the example below, ``hours``) makes it reachable from
``build_report``, the JSON, the CSV, the terminal, Markdown, HTML and ``grouplens report``."""

from __future__ import annotations

import csv
import importlib
import io
import json
from pathlib import Path

import pytest
from report_groups import build_store, fading_group
from rich.console import Console
from typer.testing import CliRunner

from grouplens.cli import app
from grouplens.report import ReportKind, build_report, get_kind, kind_names, registered, render_html, render_markdown
from grouplens.report.context import HOUR, ReportContext
from grouplens.report.kinds import BUILTIN
from grouplens.report.page import Page, Section, table
from grouplens.report.tables import write_report_csv
from grouplens.report.terminal import render_terminal

DOCS = Path(__file__).resolve().parent.parent / "docs" / "report-json.md"


# --- the example: a whole new kind in a dozen lines ------------------------------------------------

def hours_section(ctx: ReportContext) -> dict:
    """Members' messages per local hour of the day in the period."""
    speech = ctx.speech[ctx.in_period(ctx.speech)]
    counts = speech.groupby(HOUR).size()
    return {"hours": [{"hour": h, "messages": int(counts.get(h, 0))} for h in range(24)]}


def hours_page(report: dict, out: Page) -> None:
    rows = [(r["hour"], r["messages"]) for r in report["data"]["hours"] if r["messages"]]
    out.sections.append(Section("Messages by hour", [table([("hour", "r"), ("messages", "r")], rows)]))


HOURS = ReportKind(name="hours", titles=("发言时段", "Hours"), summary="members' messages per hour of the day",
                   section=hours_section, page=hours_page, main_table="hours")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("kinds") / "store", fading_group())


def test_a_registered_kind_reaches_every_writer_and_the_command_line(store):
    with registered(HOURS):
        assert "hours" in kind_names()
        report = build_report(store, "hours", "渐冷群", week="2024-W10", lang="en").to_dict()
        assert report["kind"] == "hours" and sum(r["messages"] for r in report["data"]["hours"]) == 35
        terminal = io.StringIO()
        render_terminal(report, Console(file=terminal, width=80, color_system=None))
        assert terminal.getvalue().startswith("Hours · 渐冷群 · 2024-W10") and "Messages by hour" in terminal.getvalue()
        assert "## Messages by hour" in render_markdown(report)
        assert "<h2>Messages by hour</h2>" in render_html(report)
        buffer = io.StringIO()
        write_report_csv(report, buffer)
        rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
        assert rows[10] == {"hour": "10", "messages": "35"}  # 老郑 posts at 10:00 and is answered by 10:20
        result = CliRunner().invoke(app, ["report", "hours", "--store", str(store.path), "--week", "2024-W10",
                                          "--format", "json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["data"] == report["data"]
    assert "hours" not in kind_names()


def test_every_built_in_kind_is_one_module_holding_its_record():
    assert kind_names()[:len(BUILTIN)] == BUILTIN
    for name in BUILTIN:
        module = importlib.import_module(f"grouplens.report.kinds.{name}")
        kind = module.KIND
        assert kind is get_kind(name) and kind.name == name
        assert kind.page.__module__ == module.__name__  # the page lives with the record
        assert kind.summary and all(kind.titles)


def test_every_built_in_kind_is_documented_with_its_csv_table():
    docs = DOCS.read_text(encoding="utf-8")
    for name in BUILTIN:
        kind = get_kind(name)
        section = docs.split(f"## `{name}`", 1)[1].split("\n## ", 1)[0]
        assert f"CSV: `{kind.main_table}`" in section, name


def test_a_kind_needs_one_way_to_get_its_data_and_a_name_is_taken_once():
    with pytest.raises(ValueError, match="either a section"):
        ReportKind(name="x", titles=("x", "x"), summary="x", page=hours_page, main_table="x")
    with pytest.raises(ValueError, match="already registered"), registered(HOURS):
        from grouplens.report import register_kind
        register_kind(ReportKind(name="hours", titles=("x", "x"), summary="x", section=hours_section,
                                 page=hours_page, main_table="hours"))
