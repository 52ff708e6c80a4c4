"""Commands that move data in and out of the store: import, groups, messages, members, formats."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .. import schema as S
from ..analysis.group import messages_with_replies
from ..importers import ALL_FORMATS, MEMBER_LIST
from ..store.ingest import ImportReport, import_paths, make_options, unaccepted_message
from ..store.store import open_store
from . import output
from .app import GroupOpt, SinceOpt, StoreOpt, TzOpt, UntilOpt, _state, app, errors_to_exit, stderr, stdout


class TableOrJson(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class MessageFormat(str, Enum):
    table = "table"
    csv = "csv"
    jsonl = "jsonl"


@app.command("import")
@errors_to_exit
def import_command(
    paths: Annotated[list[str], typer.Argument(help="Export files or folders (walked recursively).",
                                               show_default=False)],
    store: StoreOpt = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="Force a layout (see 'grouplens formats') "
                                            "instead of detecting it.", show_default=False)] = None,
    group: GroupOpt = None,
    tz: TzOpt = "Asia/Shanghai",
    date: Annotated[str | None, typer.Option("--date", help="The date for layouts whose times have none "
                                             "(IRC logs, chatlog text), YYYY-MM-DD.", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the import report as JSON.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Refuse a text export in which some lines look like "
                                         "message headers but were not read as ones (by default it is imported "
                                         "and a warning names the lines).")] = False,
) -> None:
    """Import chat exports (any mix of formats, detected by content) into the store.

    Re-importing an export adds nothing; overlapping exports are merged exactly. A member list
    CSV is imported the same way, with --group saying which group it lists. Every line of a
    text export is accounted for: the summary's "unaccepted" column counts lines shaped like
    a message header that were not read as one (their text stays in the message before them).

    Example: grouplens import ~/exports/ && grouplens import members.csv --group 周末羽毛球交流群
    """
    make_options(tz, date)  # fail on a bad --tz/--date before touching anything
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=stderr, transient=True, disable=as_json and not stderr.is_terminal) as bar:
        task = bar.add_task("importing", total=None)
        current = {"path": ""}

        def progress(event: str, details: dict) -> None:
            if event == "start":
                bar.update(task, total=details["total"])
            elif event == "waiting":
                stderr.print("waiting for another import to finish…", highlight=False)
            elif event == "file":
                current["path"] = _short(details["path"])
                bar.update(task, description=escape(current["path"]))
            elif event == "phase":
                bar.update(task, description=escape(f"{current['path']} · {details['phase']}"))
            elif event == "done":
                bar.advance(task)

        report = import_paths(store, paths, fmt=fmt, group=group, tz=tz, day=date, strict=strict,
                              progress=progress, debug=_state["debug"])
    if as_json:
        output.write_json(report.to_dict(), sys.stdout)
    else:
        stdout.print(_import_table(report))
    for f in report.files:
        if f.status != "error":
            for w in dict.fromkeys(f.warnings):  # what the importer noticed (e.g. ids a spreadsheet rounded)
                stderr.print(f"note: {escape(w)}", highlight=False, soft_wrap=True)
    for f in report.unaccepted:
        if f.status != "error":
            stderr.print(f"[yellow]warning:[/yellow] {escape(f.path)}: {escape(unaccepted_message(f.lines))}; "
                         "check them, or pass --strict to refuse such files", highlight=False, soft_wrap=True)
    for f in report.failed:
        stderr.print(f"[red]error:[/red] {escape(f.error or f.path)}", highlight=False, soft_wrap=True)
        if _state["debug"]:
            for w in f.warnings:
                stderr.print(escape(w), highlight=False)
    if not report.ok:
        stderr.print(_failure_summary(len(report.failed), len(report.files)), highlight=False)
        raise typer.Exit(1)


def _failure_summary(failed: int, total: int) -> str:
    if failed == total:
        return "the input failed; nothing was imported" if total == 1 else f"all {total} inputs failed; nothing was imported"
    return f"{failed} of {total} inputs failed; the others were imported"


def _short(path: str, width: int = 40) -> str:
    return path if len(path) <= width else "…" + path[-(width - 1):]


def _import_table(report: ImportReport) -> Table:
    t = Table(title=f"import {report.import_id} → {escape(report.store)}", header_style="bold", box=box.SIMPLE_HEAD,
              pad_edge=False, collapse_padding=True)
    numbers = ("parsed", "added", "dupes", "unaccepted")
    for col in ("file", "format", "group", *numbers, "status"):
        t.add_column(col, justify="right" if col in numbers else "left", overflow="fold",
                     no_wrap=col in (*numbers, "status"), min_width={"file": 10, "group": 8, "format": 6}.get(col))
    for f in report.files:
        status = f.status if f.status != "error" else "[red]error[/red]"
        if f.status == "skipped" and f.error:
            status = f"skipped ({f.error})"
        parsed = f"{f.members} members" if f.format == MEMBER_LIST.name else str(f.parsed)
        unaccepted = "" if f.lines is None else (f"[yellow]{f.unaccepted}[/yellow]" if f.unaccepted else "0")
        t.add_row(escape(_short(f.path)), f.format or "", escape(", ".join(f.groups)), parsed, str(f.added),
                  str(f.duplicates), unaccepted, status)
    totals = report.totals()
    t.add_row("[bold]total[/bold]", "", "", str(totals["parsed"]), str(totals["added"]), str(totals["duplicates"]),
              str(totals["unaccepted"]) if any(f.lines is not None for f in report.files) else "", "")
    return t


@app.command("groups")
@errors_to_exit
def groups_command(
    store: StoreOpt = None,
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f", help="Output format.")] = TableOrJson.table,
    tz: TzOpt = "Asia/Shanghai",
) -> None:
    """List the groups in the store: id, name, platform, messages, members, first and last day.

    Example: grouplens groups --format json
    """
    df = open_store(store).groups()
    zone = ZoneInfo(tz)
    if fmt is TableOrJson.json:
        output.write_json(output.records(df, zone), sys.stdout)
    elif fmt is TableOrJson.csv:
        output.write_csv(df, sys.stdout, zone)
    else:
        shown = df.assign(**{S.FIRST_TS: df[S.FIRST_TS].dt.tz_convert(zone).dt.strftime("%Y-%m-%d"),
                             S.LAST_TS: df[S.LAST_TS].dt.tz_convert(zone).dt.strftime("%Y-%m-%d")})
        shown = shown[[S.GROUP_NAME, S.PLATFORM, S.MESSAGE_COUNT, S.MEMBER_COUNT, S.FIRST_TS, S.LAST_TS,
                       S.GROUP_ID]].rename(columns={S.GROUP_NAME: "group", S.MESSAGE_COUNT: "messages",
                                                    S.MEMBER_COUNT: "members", S.FIRST_TS: "first day",
                                                    S.LAST_TS: "last day", S.GROUP_ID: "id"})
        stdout.print(output.rich_table(shown, max_width=28, title=f"{len(df)} groups",
                                       no_wrap=["platform", "messages", "members", "first day", "last day"]))


@app.command("messages")
@errors_to_exit
def messages_command(
    group: GroupOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    store: StoreOpt = None,
    fmt: Annotated[MessageFormat, typer.Option("--format", "-f", help="table, csv, or jsonl (one JSON object "
                                               "per message).")] = MessageFormat.table,
    limit: Annotated[int | None, typer.Option("--limit", help="Show only the last N messages (table format "
                                              "shows the last 100 unless given; 0 = all).",
                                              show_default=False)] = None,
    replies: Annotated[bool, typer.Option("--replies", help="Also infer whom each message answers where the "
                                          "export does not say: reply_to, reply_source (explicit/inferred) "
                                          "and reply_score.")] = False,
    tz: TzOpt = "Asia/Shanghai",
) -> None:
    """Print a group's messages with the store's columns (times in --tz, ISO 8601 with offset).

    Example: grouplens messages --group 周末羽毛球交流群 --since 2024-03-01 --format csv
    """
    zone = ZoneInfo(tz)
    if replies:
        df = messages_with_replies(open_store(store), group, since, until, tz=zone)
    else:
        df = open_store(store).messages(group=group, since=since, until=until, tz=zone)
    if limit is None and fmt is MessageFormat.table:
        limit = 100
    total = len(df)
    if limit:
        df = df.tail(limit)
    if fmt is MessageFormat.jsonl:
        output.write_jsonl(df, sys.stdout, zone)
    elif fmt is MessageFormat.csv:
        output.write_csv(df, sys.stdout, zone)
    else:
        stdout.print(output.rich_table(df, [S.TS, S.SENDER_NAME, S.KIND, S.TEXT], tz=zone))
        if len(df) < total:
            stderr.print(f"showing the last {len(df)} of {total} messages (--limit 0 shows all)", highlight=False)


@app.command("members")
@errors_to_exit
def members_command(
    group: GroupOpt = None,
    store: StoreOpt = None,
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f", help="Output format.")] = TableOrJson.table,
    tz: TzOpt = "Asia/Shanghai",
) -> None:
    """List everyone known in a group: speakers, members from member lists and join notices.

    Example: grouplens members --group 周末羽毛球交流群 --format csv
    """
    zone = ZoneInfo(tz)
    df = open_store(store).members(group=group).sort_values([S.MESSAGE_COUNT, S.MEMBER_ID], ascending=[False, True])
    if fmt is TableOrJson.json:
        output.write_json(output.records(df, zone), sys.stdout)
    elif fmt is TableOrJson.csv:
        output.write_csv(df, sys.stdout, zone)
    else:
        stdout.print(output.rich_table(df, [S.MEMBER_ID, S.NAME, S.MESSAGE_COUNT, S.FIRST_MESSAGE,
                                            S.LAST_MESSAGE, S.JOINED_AT, S.LEFT_AT, S.ROLE], tz=zone,
                                       title=f"{len(df)} members"))


@app.command("formats")
@errors_to_exit
def formats_command(
    fmt: Annotated[TableOrJson, typer.Option("--format", "-f", help="Output format.")] = TableOrJson.table,
) -> None:
    """List every export layout grouplens reads, the tool that writes it, and how it is detected.

    Example: grouplens formats
    """
    rows = [{"format": i.name, "platform": i.platform, "tool": i.tool, "detection": i.detection}
            for i in ALL_FORMATS]
    if fmt is TableOrJson.json:
        output.write_json(rows, sys.stdout)
        return
    import pandas as pd
    df = pd.DataFrame(rows)
    if fmt is TableOrJson.csv:
        output.write_csv(df, sys.stdout)
    else:
        stdout.print(output.rich_table(df, max_width=70, title="supported export layouts"))
