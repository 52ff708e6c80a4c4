"""``grouplens report``: the weekly review and its parts, in the terminal or as JSON/CSV/MD/HTML."""

from __future__ import annotations

import io
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .. import report as reports
from ..config import load_config
from ..errors import UsageError
from ..report.tables import write_report_csv
from ..report.terminal import render_terminal
from ..store.store import open_store
from .app import (
    ConfigOpt,
    GroupOpt,
    SinceOpt,
    StoreOpt,
    TzOpt,
    UntilOpt,
    app,
    errors_to_exit,
    stdout,
)

ReportKind = Enum("ReportKind", {k: k for k in reports.KINDS}, type=str)  # type: ignore[misc]


class ReportFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    md = "md"
    html = "html"


class Lang(str, Enum):
    zh = "zh"
    en = "en"


# --format md/html -> the function in grouplens.report that renders it
RENDERERS = {ReportFormat.md: "render_markdown", ReportFormat.html: "render_html"}


@app.command("report")
@errors_to_exit
def report_command(
    kind: Annotated[ReportKind | None, typer.Argument(
        help="weekly (default), activity, members, lifecycle, kol, questions, checkins, compliance, "
             "or groups (one row per group; also what --all shows).", show_default=False)] = None,
    group: GroupOpt = None,
    all_groups: Annotated[bool, typer.Option("--all", help="Every group in the store, ranked by health "
                                             "(the groups overview).")] = False,
    week: Annotated[str | None, typer.Option("--week", help="An ISO week, e.g. 2024-W14 (default for weekly: "
                                             "the latest complete week).", show_default=False)] = None,
    month: Annotated[str | None, typer.Option("--month", help="A calendar month, e.g. 2024-03 (default for kol: "
                                              "the latest complete month).", show_default=False)] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="table (terminal), json, csv (the main "
                                              "table), md or html.")] = ReportFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.",
                                                show_default=False)] = None,
    pseudonymize: Annotated[bool, typer.Option("--pseudonymize", help="Replace names with stable aliases "
                                               "(the same member gets the same alias every week).")] = False,
    redact: Annotated[bool, typer.Option("--redact", help="Mask phone, ID-card and email numbers in quoted "
                                         "messages.")] = False,
    show_ids: Annotated[bool, typer.Option("--show-ids", help="Show members' QQ numbers / wxids (hidden by "
                                           "default).")] = False,
    lang: Annotated[Lang | None, typer.Option("--lang", help="Language of labels and sentences (default: "
                                              "[report] lang, else zh).", show_default=False)] = None,
    store: StoreOpt = None,
    config: ConfigOpt = None,
    tz: TzOpt = "Asia/Shanghai",
) -> None:
    """Reports for the weekly review: activity, member layers, lifecycle stage, KOLs and rankings,
    questions and answer times, check-ins, compliance, and the groups overview.

    Without KIND it prints the weekly review of the latest complete week: this week beside the
    last, key people, the messages that drew replies, unanswered questions and alerts. Member
    ids are never shown unless --show-ids; --pseudonymize and --redact make a report safe to
    share.

    Example: grouplens report weekly --group 周末羽毛球交流群 --week 2024-W14 --pseudonymize
    """
    if all_groups and group:
        raise UsageError("--all and --group cannot be combined: --all reports every group")
    chosen = kind.value if kind else ("groups" if all_groups else "weekly")
    if all_groups and chosen != "groups":
        raise UsageError(f"--all shows the groups overview; for the {chosen} report of one group pass --group")
    cfg = load_config(Path(config) if config else None)
    report = reports.build_report(open_store(store), chosen, group, week=week, month=month, since=since,
                                  until=until, tz=tz, config=cfg, lang=lang.value if lang else None,
                                  pseudonymize=pseudonymize, redact=redact, show_ids=show_ids)
    data = report.to_dict()
    if fmt is ReportFormat.table:
        if output is None:
            render_terminal(data, stdout)
            return
        buffer = io.StringIO()
        render_terminal(data, Console(file=buffer, width=100, color_system=None, soft_wrap=False))
        text = buffer.getvalue()
    elif fmt is ReportFormat.json:
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    elif fmt is ReportFormat.csv:
        buffer = io.StringIO()
        write_report_csv(data, buffer)
        text = buffer.getvalue()
    else:
        text = getattr(reports, RENDERERS[fmt])(data)
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as e:
            raise UsageError(f"cannot write the report ({e.strerror})", path=output) from None
